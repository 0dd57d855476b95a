// The capture desk: a card reader in keyboard mode types the number and Enter into the
// focused input; every swipe is posted without reloading and answered in the big panel.
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk) return;
  var form = document.getElementById("swipe-form");
  var input = document.getElementById("swipe-code");
  var panel = document.getElementById("result");
  var recent = document.getElementById("recent");
  var labels = JSON.parse(document.getElementById("desk-labels").textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var swipeUrl = desk.dataset.swipeUrl;
  var countsUrl = desk.dataset.countsUrl;
  var canUndo = recent.dataset.canUndo === "1";

  var REPEAT_MS = 1500; // a reader that fires twice, or a double Enter, within this is one swipe
  var TIMEOUT_MS = 8000;
  var POLL_MS = 10000;
  var RECENT_MAX = 10;
  var last = { code: "", at: 0 };
  var busyDialog = false;

  function focusInput() {
    if (!busyDialog && document.activeElement !== input) input.focus();
  }

  function field(name) {
    return panel.querySelector("[data-field=" + name + "]");
  }

  function showResult(outcome, data) {
    panel.className = "desk-result outcome-" + outcome;
    field("title").textContent = labels.titles[outcome] || outcome;
    var student = data.student;
    field("name").textContent = student ? student.name : "";
    var detail = [];
    if (student) {
      detail.push(student.college + " " + student.class_name);
      detail.push(student.student_no + " · " + student.masked_id);
    }
    if (data.expected_slot) detail.push(labels.expected_slot + data.expected_slot);
    field("detail").innerHTML = "";
    detail.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      field("detail").appendChild(div);
    });
    var message = data.message || "";
    field("message").textContent = message === field("title").textContent ? "" : message;
    beep(outcome);
  }

  // A short tone so the operator hears the answer without looking up: high for a new
  // capture, two low tones for someone not on the roster or an error.
  var audio = null;
  function beep(outcome) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = { captured: [880], already_captured: [660], wrong_slot: [660, 880] }[outcome] || [220, 220];
      tones.forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(audio.destination);
        var start = audio.currentTime + i * 0.18;
        osc.start(start);
        osc.stop(start + 0.14);
      });
    } catch (e) {
      /* no sound available: the panel is enough */
    }
  }

  function updateCounts(counts) {
    if (!counts) return;
    document.getElementById("count-captured").textContent = counts.captured;
    document.getElementById("count-expected").textContent = counts.expected;
    document.getElementById("count-wrong").textContent = counts.wrong_slot_here;
    var list = document.getElementById("count-colleges");
    list.innerHTML = "";
    counts.by_college.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.name + "：" + c.captured + " / " + c.expected;
      list.appendChild(li);
    });
    document.getElementById("count-status").textContent = "";
  }

  function addRecent(outcome, data, code) {
    var li = document.createElement("li");
    li.className = "recent-item outcome-" + outcome;
    var parts = [
      ["recent-time", data.captured_at && outcome !== "already_captured" ? data.captured_at : new Date().toTimeString().slice(0, 8)],
      ["recent-name", data.student ? data.student.name : code],
      ["recent-detail", data.student ? data.student.college + " " + data.student.class_name : ""],
      ["recent-outcome", labels.titles[outcome] || outcome],
    ];
    parts.forEach(function (p) {
      var span = document.createElement("span");
      span.className = p[0];
      span.textContent = p[1];
      li.appendChild(span);
    });
    if (canUndo && data.undo_url) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "undo";
      button.dataset.undoUrl = data.undo_url;
      button.textContent = labels.undo;
      li.appendChild(button);
    }
    recent.insertBefore(li, recent.firstChild);
    while (recent.children.length > RECENT_MAX) recent.removeChild(recent.lastChild);
  }

  function post(url, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(url, {
      method: "POST",
      headers: {
        "X-CSRFToken": csrf,
        Accept: "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(body).toString(),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    }).finally(function () {
      if (timer) clearTimeout(timer);
    });
  }

  function readJson(response) {
    return response.json().then(
      function (data) { return { response: response, data: data }; },
      function () { return { response: response, data: null }; }
    );
  }

  function swipe(code) {
    var now = Date.now();
    if (code === last.code && now - last.at < REPEAT_MS) {
      field("message").textContent = labels.ignored_repeat;
      return;
    }
    last = { code: code, at: now };
    panel.classList.add("pending");
    post(swipeUrl, { code: code })
      .then(readJson)
      .then(function (r) {
        panel.classList.remove("pending");
        if (r.data && r.data.outcome) {
          showResult(r.data.outcome, r.data);
          updateCounts(r.data.counts);
          if (r.response.ok) addRecent(r.data.outcome, r.data, code);
        } else if (r.response.redirected) {
          showResult("error", { message: labels.session_expired });
          last = { code: "", at: 0 };
        } else {
          showResult("error", { message: labels.server_error.replace("%(status)s", r.response.status) });
          last = { code: "", at: 0 };
        }
      })
      .catch(function () {
        panel.classList.remove("pending");
        showResult("error", { message: labels.network_error });
        // The swipe may not have arrived: let the same card be swiped again at once.
        last = { code: "", at: 0 };
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.trim();
    input.value = "";
    focusInput();
    if (code) swipe(code);
  });

  recent.addEventListener("click", function (event) {
    var button = event.target.closest("button.undo");
    if (!button) return;
    busyDialog = true;
    var reason = window.prompt(labels.undo_prompt, "");
    busyDialog = false;
    focusInput();
    if (reason === null || !reason.trim()) return;
    button.disabled = true;
    post(button.dataset.undoUrl, { reason: reason.trim() })
      .then(readJson)
      .then(function (r) {
        var item = button.closest("li");
        if (r.response.ok) {
          item.className = "recent-item outcome-undone";
          item.querySelector(".recent-outcome").textContent = labels.undone;
          button.remove();
          updateCounts(r.data.counts);
        } else {
          button.disabled = false;
          window.alert((r.data && r.data.message) || labels.server_error.replace("%(status)s", r.response.status));
        }
        focusInput();
      })
      .catch(function () {
        button.disabled = false;
        window.alert(labels.network_error);
        focusInput();
      });
  });

  function poll() {
    fetch(countsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) { updateCounts(data.counts); })
      .catch(function () {
        document.getElementById("count-status").textContent = labels.titles.error;
      });
  }

  // The reader types into whatever has focus, so nothing else may keep it.
  input.addEventListener("blur", function () { setTimeout(focusInput, 0); });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("a, button, input, select, textarea")) focusInput();
  });
  setInterval(poll, POLL_MS);
  focusInput();
})();
