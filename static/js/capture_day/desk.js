// The capture desk: a card reader in keyboard mode types the number and Enter into the
// focused input; every swipe is posted without reloading and answered in the big panel.
//
// Offline-tolerant: each swipe gets a nonce and is written to IndexedDB before it is sent, so
// a dropped network, a reload or a sleeping laptop loses nothing; queued swipes are sent again
// (the server records each nonce once) until they are answered. A server that answers 502/503/504
// (the database restarting, a proxy without its backend) recorded nothing: the swipe is queued
// the same way. While offline the per-slot digest (short keyed tags, no identifiers in clear, see
// capture_day/digest.py) says whether the card may be on this slot's roster; it is kept only for
// the desk's days, and the logout (which empties the browser's storage) first sends the queue.
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk) return;
  var form = document.getElementById("swipe-form");
  var input = document.getElementById("swipe-code");
  var panel = document.getElementById("result");
  var recent = document.getElementById("recent");
  var banner = document.getElementById("offline-banner");
  var labels = JSON.parse(document.getElementById("desk-labels").textContent);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var swipeUrl = desk.dataset.swipeUrl;
  var countsUrl = desk.dataset.countsUrl;
  var digestUrl = desk.dataset.digestUrl;
  var slotId = desk.dataset.slot;
  var canUndo = recent.dataset.canUndo === "1";

  var REPEAT_MS = 1500; // a reader that fires twice, or a double Enter, within this is one swipe
  var TIMEOUT_MS = 8000;
  var POLL_MS = 10000;
  var COUNT_SOON_MS = 400; // after a swipe's answer, at most one counts request this often
  var SYNC_MS = 5000;
  var RECENT_MAX = 10;
  var UNAVAILABLE = [502, 503, 504];
  var last = { code: "", at: 0 };
  var busyDialog = false;
  var digest = null;
  var syncing = false;

  // --- storage: the queue of unanswered swipes and the slot's digest ----------------------

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) return reject(new Error("no indexedDB"));
        var request = window.indexedDB.open("photocapture-desk", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("queue", { keyPath: "nonce" });
          request.result.createObjectStore("digest", { keyPath: "slot" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(name, mode, action) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(name, mode);
        var result = action(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function queued() {
    return store("queue", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.slot === slotId; }).sort(function (a, b) {
        return a.at < b.at ? -1 : 1;
      });
    });
  }

  function nonce() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- the screen ---------------------------------------------------------------------------

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
    field("name").textContent = student ? student.name : data.name || "";
    var detail = [];
    if (student) {
      detail.push(student.college + " " + student.class_name);
      detail.push(student.student_no); // masked by the server, like every number the desk shows
    }
    (data.lines || []).forEach(function (line) { detail.push(line); });
    if (data.expected_slot) detail.push(labels.expected_slot + data.expected_slot);
    field("detail").textContent = "";
    detail.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      field("detail").appendChild(div);
    });
    var message = data.message || "";
    field("message").textContent = message === field("title").textContent ? "" : message;
    showShot(data.shot);
    beep(outcome);
  }

  // The 拍摄号, large: the student tells it to the photographer. A voided or undone number
  // is shown with its state, so nobody reads it out as a place in the queue.
  function showShot(shot) {
    var box = field("shot");
    if (!box) return;
    box.hidden = !shot;
    box.textContent = "";
    if (!shot) return;
    var number = document.createElement("span");
    number.className = "shot-number";
    number.textContent = labels.shot + " " + shot.number;
    box.appendChild(number);
    var state = shot.status === "live" ? "" : labels.shot_states[shot.status] || shot.status;
    if (state) {
      var note = document.createElement("span");
      note.className = "shot-state";
      note.textContent = state;
      box.appendChild(note);
    }
  }

  // A short tone so the operator hears the answer without looking up: high for a new
  // capture, two low tones for someone not on the roster or an error.
  var audio = null;
  function beep(outcome) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = { captured: [880], already_captured: [660], wrong_slot: [660, 880], queued: [550] }[outcome] || [220, 220];
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
    list.textContent = "";
    counts.by_college.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.name + "：" + c.captured + " / " + c.expected;
      list.appendChild(li);
    });
    document.getElementById("count-status").textContent = "";
  }

  // Whatever the desk shows of a code it typed is masked whatever its length: a mistype, a stranger's
  // number, a short student number. At most the first 3 and the last 4 characters stay, fewer on a
  // short code, so no code is ever readable whole; only the server's answer names a student.
  var MASK_STARS_MAX = 11;
  function maskCode(code) {
    var c = normalize(code);
    var keep = Math.floor(c.length / 4);
    var head = Math.min(3, keep);
    var tail = Math.min(4, keep);
    var hidden = Math.max(1, Math.min(MASK_STARS_MAX, c.length - head - tail));
    return c.slice(0, head) + "*".repeat(hidden) + c.slice(c.length - tail);
  }

  function recentItem(nonceValue) {
    return nonceValue ? recent.querySelector('li[data-nonce="' + nonceValue + '"]') : null;
  }

  function fillRecent(li, outcome, data, code, when) {
    li.className = "recent-item outcome-" + outcome;
    li.textContent = "";
    var parts = [
      ["recent-time", when],
      ["recent-name", data.student ? data.student.name : maskCode(code)],
      ["recent-detail", data.student ? data.student.college + " " + data.student.class_name : data.hint || ""],
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
  }

  function addRecent(outcome, data, code, nonceValue, when) {
    var li = recentItem(nonceValue);
    if (!li) {
      li = document.createElement("li");
      if (nonceValue) li.dataset.nonce = nonceValue;
      recent.insertBefore(li, recent.firstElementChild);
    }
    fillRecent(li, outcome, data, code, when || new Date().toTimeString().slice(0, 8));
    trimRecent();
  }

  // The list keeps the newest RECENT_MAX entries; the oldest answered ones leave first, and a swipe
  // still queued stays in sight however old it is (it is what the operator must not forget).
  function trimRecent() {
    var items = recent.children;
    for (var i = items.length - 1; i >= 0 && items.length > RECENT_MAX; i--) {
      if (!items[i].classList.contains("outcome-queued")) recent.removeChild(items[i]);
    }
  }

  // A counted label from the template: {"one": ..., "other": ...}, both with %(n)s (ngettext's two forms).
  function counted(forms, n) {
    return (n === 1 ? forms.one : forms.other).replace("%(n)s", n);
  }

  function refreshBanner() {
    return queued().then(function (items) {
      if (items.length) {
        banner.hidden = false;
        banner.textContent = counted(labels.offline_banner, items.length);
      } else {
        banner.hidden = true;
        banner.textContent = "";
      }
      return items;
    });
  }

  // --- the digest: is this card on the slot's roster, without the server ---------------------

  function normalize(code) {
    return code.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
  }

  var ID_SHAPE = /^\d{17}[\dX]$/;
  var UNCHECKED = "unchecked";

  function dropDigest() {
    digest = null;
    return store("digest", "readwrite", function (s) { return s.delete(slotId); }).catch(function () {});
  }

  // Deletes every stored digest whose desk days are over (any slot's: this PC may have run others).
  function purgeDigests() {
    return store("digest", "readwrite", function (s) {
      var request = s.openCursor();
      request.onsuccess = function () {
        var cursor = request.result;
        if (!cursor) return;
        if (!(cursor.value.expires > Date.now())) cursor.delete();
        cursor.continue();
      };
      return null;
    });
  }

  // The hints of the students whose tag the card shares (a short tag is shared by about 1 in 4,096
  // numbers, so only "maybe"); null if surely not on this slot's roster; UNCHECKED for what the
  // digest holds nothing of (a student number); undefined without a digest.
  function lookup(code) {
    if (digest && !(digest.expires > Date.now())) dropDigest(); // the desk's days are over
    if (!digest || !digest.ids || !window.DeskHmac) return undefined;
    var hmac = window.DeskHmac.hmacHex;
    var cut = function (hex) { return hex.slice(0, digest.tag_chars); };
    var c = normalize(code);
    if (ID_SHAPE.test(c) && digest.by_id) return digest.ids[cut(hmac(digest.key, c))] || null;
    if (digest.code_key) {
      // A 采集码 is case-sensitive and stored as its keyed hash (sessions_app/collection_codes.py).
      var scanned = code.normalize("NFKC").replace(/\s+/g, "");
      var found = digest.codes[cut(hmac(digest.key, normalize(hmac(digest.code_key, scanned))))];
      if (found) return found;
    }
    return digest.by_student_no ? UNCHECKED : null;
  }

  function loadDigest() {
    var gone = false;
    return purgeDigests()
      .catch(function () {})
      .then(function () {
        return fetch(digestUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      })
      .then(function (response) {
        // 410: not one of the desk's days; 403/404: not this operator's desk (any more).
        gone = [403, 404, 410].indexOf(response.status) >= 0;
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        data.slot = slotId;
        data.expires = Date.now() + data.ttl * 1000;
        digest = data;
        return store("digest", "readwrite", function (s) { return s.put(data); });
      })
      .catch(function () {
        if (gone) return dropDigest();
        return store("digest", "readonly", function (s) { return s.get(slotId); }).then(function (data) {
          if (data && data.expires > Date.now()) digest = data;
        });
      })
      .catch(function () { /* no digest: the offline answer says it cannot tell */ });
  }

  function offlineAnswer(item, current) {
    var entry = lookup(item.code);
    var data = { name: maskCode(item.code), lines: [] };
    if (entry === UNCHECKED) {
      data.lines.push(labels.offline_unchecked);
    } else if (entry) {
      data.hint = entry.slice(0, 3).map(function (h) { return h[0] + " · " + h[1]; }).join("；");
      data.lines.push(labels.offline_on_roster + data.hint);
    } else if (entry === null) {
      data.lines.push(labels.offline_not_on_roster);
    } else {
      data.lines.push(labels.offline_no_digest);
    }
    addRecent("queued", data, item.code, item.nonce, item.time);
    return refreshBanner().then(function (items) {
      if (current) {
        data.message = counted(labels.offline_banner, items.length);
        showResult("queued", data);
      }
    });
  }

  // --- sending ------------------------------------------------------------------------------

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

  // Sends one stored swipe. Resolves to "answered" (removed from the queue), "kept" (the
  // server did not answer: it stays queued and is sent again) or "offline".
  function send(item, current) {
    return post(swipeUrl, { code: item.code, nonce: item.nonce, swiped_at: item.at })
      .then(readJson, function () { return null; })
      .then(function (r) {
        if (!r) return "offline"; // no answer at all: the network, not the server
        // The server could not reach what it needs (502/503/504): nothing was recorded, and the
        // nonce makes sending it again safe, so it waits in the queue like an offline swipe.
        if (UNAVAILABLE.indexOf(r.response.status) >= 0) return "offline";
        if (r.data && r.data.outcome) {
          return store("queue", "readwrite", function (s) { return s.delete(item.nonce); }).then(function () {
            if (current) showResult(r.data.outcome, r.data);
            // The swipe's answer carries no counts (they would cost every swipe a query):
            // fetch them once shortly after a burst of answers.
            countSoon();
            if (r.response.ok || !current) addRecent(r.data.outcome, r.data, item.code, item.nonce, item.time);
            return "answered";
          });
        }
        if (current) {
          var message = r.response.redirected ? labels.session_expired : labels.server_error.replace("%(status)s", r.response.status);
          showResult("error", { message: message });
        }
        return "kept";
      });
  }

  function swipe(code) {
    var now = Date.now();
    if (code === last.code && now - last.at < REPEAT_MS) {
      field("message").textContent = labels.ignored_repeat;
      return;
    }
    last = { code: code, at: now };
    var item = { nonce: nonce(), code: code, slot: slotId, at: new Date(now).toISOString(), time: new Date(now).toTimeString().slice(0, 8) };
    panel.classList.add("pending");
    store("queue", "readwrite", function (s) { return s.put(item); })
      .catch(function () { /* no IndexedDB: still send it, it just cannot wait for the network */ })
      .then(function () { return send(item, true); })
      .then(function (state) {
        panel.classList.remove("pending");
        if (state === "offline") return offlineAnswer(item, true);
        return refreshBanner();
      })
      .catch(function () {
        // The swipe is stored and will be sent again; say that the screen could not show it.
        panel.classList.remove("pending");
        showResult("error", { message: labels.network_error });
      });
  }

  // Sends every queued swipe in the order they were made; stops at the first network failure.
  function flush() {
    if (syncing) return Promise.resolve();
    syncing = true;
    return queued()
      .then(function (items) {
        return items.reduce(function (chain, item) {
          return chain.then(function (state) {
            if (state === "offline") return state;
            return send(item, false);
          });
        }, Promise.resolve("start"));
      })
      .catch(function () {})
      .then(function () {
        syncing = false;
        return refreshBanner();
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

  // Whether this slot has begun or ended and which slot of the group runs now: the server's words,
  // refreshed with the counts so that a desk left open all morning sees its slot end.
  function showTiming(timing) {
    var box = document.getElementById("slot-timing");
    if (!timing || !box) return;
    box.querySelector("[data-field=timing]").textContent = timing.text;
    var link = box.querySelector("[data-field=timing-link]");
    link.textContent = timing.link;
    link.setAttribute("href", timing.url || "#");
    link.hidden = !timing.url;
  }

  var countTimer = null;
  function countSoon() {
    if (countTimer !== null) return;
    countTimer = setTimeout(function () {
      countTimer = null;
      poll();
    }, COUNT_SOON_MS);
  }

  function poll() {
    fetch(countsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        updateCounts(data.counts);
        showTiming(data.timing);
      })
      .catch(function () {
        document.getElementById("count-status").textContent = labels.titles.error;
      });
  }

  // A reload while offline finds the desk in the browser's cache (desk_sw.js serves it).
  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !desk.dataset.workerUrl) return;
    navigator.serviceWorker.register(desk.dataset.workerUrl).catch(function () {});
    if (window.caches) {
      var urls = [window.location.pathname].concat(
        Array.prototype.map.call(document.querySelectorAll("script[src], link[rel=stylesheet]"), function (el) {
          return el.getAttribute("src") || el.getAttribute("href");
        })
      );
      window.caches
        .open("photocapture-desk")
        .then(function (cache) { return cache.addAll(urls); })
        .then(function () { desk.dataset.offline = "ready"; })
        .catch(function () {});
    }
  }

  // The reader types into whatever has focus, so nothing else may keep it.
  input.addEventListener("blur", function () { setTimeout(focusInput, 0); });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("a, button, input, select, textarea")) focusInput();
  });
  // Logging out empties the browser's storage (Clear-Site-Data), the queue with it: send the queue
  // first, and if some swipes are still not answered, say so and let the operator stay.
  var logoutForm = document.querySelector("form[data-logout]");
  var leaving = false;
  if (logoutForm) {
    logoutForm.addEventListener("submit", function (event) {
      if (leaving) return;
      event.preventDefault();
      flush()
        .then(queued)
        .catch(function () { return []; })
        .then(function (items) {
          if (items.length) {
            busyDialog = true;
            var go = window.confirm(counted(labels.logout_queued, items.length));
            busyDialog = false;
            if (!go) return focusInput();
          }
          leaving = true;
          logoutForm.submit();
        });
    });
  }

  window.addEventListener("online", flush);
  setInterval(poll, POLL_MS);
  setInterval(flush, SYNC_MS);
  focusInput();
  keepForOffline();
  loadDigest().then(function () {
    desk.dataset.digest = digest ? "ready" : "missing";
    return queued();
  }).then(function (items) {
    // After a reload: the swipes still waiting are shown again, then sent if the network is there.
    items.forEach(function (item) { offlineAnswer(item, false); });
    return flush();
  }).catch(function () {});
})();
