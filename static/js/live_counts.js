// Keeps the figures inside [data-live-counts] current: the JSON endpoint returns
// {"values": {key: number}} and every [data-key=key] element shows its number.
(function () {
  "use strict";
  var POLL_MS = 15000;
  document.querySelectorAll("[data-live-counts]").forEach(function (box) {
    var url = box.dataset.liveCounts;
    var status = box.querySelector("[data-live-status]");
    function refresh() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          Object.keys(data.values).forEach(function (key) {
            box.querySelectorAll('[data-key="' + key + '"]').forEach(function (el) {
              el.textContent = data.values[key];
            });
          });
          if (status) status.textContent = new Date().toTimeString().slice(0, 8);
        })
        .catch(function () {
          if (status) status.textContent = "×";
        });
    }
    setInterval(refresh, POLL_MS);
  });
})();
