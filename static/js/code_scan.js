// The 采集码 page's live camera scan: frames from the back camera are read in the browser with
// the vendored jsQR (no CDN, no upload of the picture); the first payload found is posted in the
// page's own form, where the server hashes it like an uploaded image's. Without a camera, an
// HTTPS origin or this script, the two upload forms above still work.
(function () {
  "use strict";
  var form = document.getElementById("code-scan");
  if (!form || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var labels = JSON.parse(document.getElementById("code-scan-labels").textContent);
  var start = form.querySelector("[data-scan=start]");
  var video = form.querySelector("video");
  var status = form.querySelector("[data-scan=status]");
  var field = form.querySelector("input[name=payload]");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;
  var MAX_SIDE = 960; // enough pixels for a QR held to the camera, small enough to scan often

  form.hidden = false;

  function stop() {
    if (timer) window.clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  function scanFrame() {
    if (!video.videoWidth) return;
    var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
    if (found && found.data) {
      stop();
      field.value = found.data;
      status.textContent = labels.found;
      form.submit();
    }
  }

  start.addEventListener("click", function () {
    status.textContent = labels.starting;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        return video.play();
      })
      .then(function () {
        status.textContent = labels.scanning;
        timer = window.setInterval(scanFrame, 250);
      })
      .catch(function () {
        stop();
        status.textContent = labels.no_camera;
      });
  });
  window.addEventListener("pagehide", stop);
})();
