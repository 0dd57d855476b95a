// A running job's page: polls the job's small status endpoint, moves the bar, and reloads
// once the job is over so the server renders the result (counts, errors, the file).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var labels = JSON.parse(document.getElementById("job-labels").textContent);
  var bar = document.getElementById("job-progress");
  var POLL_MS = 1000;

  function show(data) {
    document.getElementById("job-status").textContent = data.status_label;
    document.getElementById("job-done").textContent = data.done;
    document.getElementById("job-total").textContent = data.total ? data.total : "";
    if (data.percent === null) bar.removeAttribute("value");
    else bar.value = data.percent;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.active) window.location.reload();
        else setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        document.getElementById("job-status").textContent = labels.failed;
        setTimeout(poll, POLL_MS * 3);
      });
  }
  setTimeout(poll, POLL_MS);
})();
