// Fee pages. The payment desk works without this file (plain GET/POST); this only saves the
// page reloads so a coordinator can scan, Enter, Enter, scan... The server owns every rule.
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }

  // Ledger: "select all" ticks every unpaid student on the page.
  var selectAll = $("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll('#mark-paid-form input[name="students"]').forEach(function (box) {
        box.checked = selectAll.checked;
      });
    });
  }

  // Ledger: "标记已缴" posts money for every ticked student; say how many and how much first.
  var markForm = $("#mark-paid-form");
  var markLabels = $("#mark-paid-labels");
  if (markForm && markLabels) {
    var labels = JSON.parse(markLabels.textContent);
    markForm.addEventListener("submit", function (event) {
      var boxes = markForm.querySelectorAll('input[name="students"]:checked');
      if (!boxes.length) {
        event.preventDefault();
        window.alert(labels.none);
        return;
      }
      var cents = 0;
      boxes.forEach(function (box) { cents += Math.round(parseFloat(box.getAttribute("data-owed")) * 100); });
      var amount = (cents / 100).toFixed(2);
      var question = labels.confirm.replace("{n}", String(boxes.length)).replace("{amount}", amount);
      if (!window.confirm(question)) { event.preventDefault(); }
    });
  }

  var root = $("#fee-entry");
  if (!root || !window.fetch) { return; }

  var lookupForm = $("#lookup-form", root);
  var q = $("#lookup-q", root);
  var card = $("#pay-card", root);
  var payForm = $("#pay-form", root);
  var amount = $("#pay-amount", root);
  var submit = $("#pay-submit", root);
  var message = $("#fee-message", root);
  var recent = $("#fee-recent", root);
  var busy = false;
  var labelsNode = document.getElementById("fee-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  function label(key, name) { return (labels[key] || "").replace("%(name)s", name || ""); }

  function say(text, ok) {
    message.textContent = text || "";
    message.className = "fee-message " + (ok ? "msg-success" : (text ? "msg-error" : ""));
  }

  function fill(student) {
    card.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.getAttribute("data-field");
      if (name === "captured_label") {
        el.textContent = student.captured ? label("captured") : label("not_captured");
      } else if (name === "detail_link") {
        el.href = el.href.replace(/students\/\d+\//, "students/" + student.id + "/");
      } else if (name in student) {
        el.textContent = student[name];
      }
    });
    $("#pay-student", root).value = student.id;
  }

  function reset() {
    card.hidden = true;
    q.value = "";
    q.focus();
  }

  lookupForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = q.value.trim();
    if (!code || busy) { return; }
    busy = true;
    // POST, never a query string: the code may be an ID number.
    fetch(root.getAttribute("data-lookup-url"), {
      method: "POST",
      body: new FormData(lookupForm),
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (!data.ok) {
        card.hidden = true;
        say(data.error, false);
        q.select();
        return;
      }
      // Paid up: the card is shown (the coordinator may want the detail) but offers no payment,
      // and the next scan goes straight back into the lookup field.
      var paidUp = data.student.limit === "0.00";
      say(paidUp ? label("paid_in_full", data.student.name) : "", !paidUp);
      fill(data.student);
      $("#pay-key", root).value = data.key;
      amount.value = data.student.suggested;
      card.hidden = false;
      payForm.hidden = paidUp;
      $("#paid-up", root).hidden = !paidUp;
      if (paidUp) {
        q.select();
      } else {
        amount.focus();
        amount.select();
      }
    }).catch(function () {
      say(label("network"), false);
    }).then(function () { busy = false; });
  });

  payForm.addEventListener("submit", function (event) {
    event.preventDefault();
    // A second Enter while the first is in flight is dropped here; the key would make it harmless anyway.
    if (busy) { return; }
    busy = true;
    submit.disabled = true;
    fetch(root.getAttribute("data-pay-url"), {
      method: "POST",
      body: new FormData(payForm),
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (!data.ok) {
        say(data.error, false);
        amount.focus();
        amount.select();
        return;
      }
      say(data.message, true);
      if (data.cash_box) { showCashBox(data.cash_box); }
      var item = document.createElement("li");
      item.className = "recent-item " + (data.created ? "outcome-captured" : "outcome-already_captured");
      item.textContent = data.message;
      recent.insertBefore(item, recent.firstElementChild);
      reset();
    }).catch(function () {
      // The request may have gone through: resending with the same key is safe.
      say(label("network_retry"), false);
      amount.focus();
    }).then(function () { busy = false; submit.disabled = false; });
  });

  // The day's running total per method, as the server counted it after this payment.
  function entries(n) { return label(n === 1 ? "entries_one" : "entries_many").replace("%(n)s", n); }

  function showCashBox(box) {
    var lines = $("#cash-box-lines", root);
    if (!lines) { return; }
    lines.textContent = "";
    box.lines.forEach(function (line) {
      var row = document.createElement("tr");
      [line.label, entries(line.count), "¥" + line.amount].forEach(function (text, i) {
        var cell = document.createElement("td");
        if (i) { cell.className = "num"; }
        cell.textContent = text;
        row.appendChild(cell);
      });
      lines.appendChild(row);
    });
    $("#cash-box-count", root).textContent = entries(box.count);
    $("#cash-box-total", root).textContent = "¥" + box.total;
  }

  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      say("", true);
      reset();
    }
  });
})();
