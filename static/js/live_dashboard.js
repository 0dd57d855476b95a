// The live capture-day dashboard: polls one small JSON endpoint and redraws the tables and chart.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) return;
  var labels = JSON.parse(document.getElementById("live-labels").textContent);
  var status = document.getElementById("live-status");
  var POLL_MS = 1500;

  function cell(tr, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function slotsTable(slots) {
    var body = document.getElementById("live-slots");
    body.textContent = "";
    slots.forEach(function (s) {
      var tr = document.createElement("tr");
      tr.dataset.slot = s.id;
      tr.className = "state-" + s.state;
      cell(tr, s.group);
      cell(tr, s.time_range);
      cell(tr, s.captured, "num").dataset.col = "captured";
      cell(tr, s.expected, "num").dataset.col = "expected";
      cell(tr, s.remaining, "num").dataset.col = "remaining";
      cell(tr, s.pace + " " + labels.per_minute, "num").dataset.col = "pace";
      cell(tr, s.forecast).dataset.col = "forecast";
      cell(tr, labels.states[s.state] || s.state).dataset.col = "state";
      body.appendChild(tr);
    });
  }

  function collegesTable(colleges) {
    var body = document.getElementById("live-colleges");
    body.textContent = "";
    colleges.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.dataset.college = c.id;
      cell(tr, c.name);
      cell(tr, c.captured, "num").dataset.col = "captured";
      cell(tr, c.expected, "num").dataset.col = "expected";
      body.appendChild(tr);
    });
  }

  function show(data) {
    document.getElementById("live-total-captured").textContent = data.total.captured;
    document.getElementById("live-total-expected").textContent = data.total.expected;
    slotsTable(data.slots);
    collegesTable(data.colleges);
    if (window.PortalCharts) {
      window.PortalCharts.draw(
        document.getElementById("live-chart"),
        window.PortalCharts.cumulative(data.timeline.groups, data.timeline.points, null, data.timeline)
      );
    }
    status.textContent = labels.updated + " " + data.now;
  }

  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(show)
      .catch(function () { status.textContent = labels.offline; })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }

  show(JSON.parse(document.getElementById("live-initial").textContent));
  setTimeout(poll, POLL_MS);
})();
