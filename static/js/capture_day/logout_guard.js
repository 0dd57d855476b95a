// Every page an operator or staff member sees but the desk itself (desk.js does both for itself):
// - drops the offline roster digests whose desk days are over (capture_day/digest.py's ttl), so
//   they leave this browser even if no desk page is opened again;
// - the logout empties this browser's storage (Clear-Site-Data), and with it any desk swipes still
//   waiting in IndexedDB: if some wait, ask before letting them go (the desk would upload them).
(function () {
  "use strict";

  var form = document.querySelector("form[data-logout][data-queued-warning]");
  if (!form || document.getElementById("desk") || !window.indexedDB) return;
  var NAME = "photocapture-desk";
  var leaving = false;

  // The desk's database if a desk ever ran in this browser, else null (never created just to look).
  function deskDb() {
    return new Promise(function (resolve) {
      var listed = indexedDB.databases ? indexedDB.databases() : Promise.resolve(null);
      listed.then(function (dbs) {
        if (dbs && !dbs.some(function (d) { return d.name === NAME; })) return resolve(null);
        var open = indexedDB.open(NAME);
        open.onupgradeneeded = function () { open.transaction.abort(); };
        open.onerror = function () { resolve(null); };
        open.onsuccess = function () { resolve(open.result); };
      }, function () { resolve(null); });
    });
  }

  function waiting() {
    return deskDb().then(function (db) {
      if (!db) return 0;
      if (!db.objectStoreNames.contains("queue")) {
        db.close();
        return 0;
      }
      return new Promise(function (resolve) {
        var count = db.transaction("queue").objectStore("queue").count();
        count.onsuccess = function () { db.close(); resolve(count.result); };
        count.onerror = function () { db.close(); resolve(0); };
      });
    });
  }

  deskDb().then(function (db) {
    if (!db) return;
    if (!db.objectStoreNames.contains("digest")) return db.close();
    var tx = db.transaction("digest", "readwrite");
    var request = tx.objectStore("digest").openCursor();
    request.onsuccess = function () {
      var cursor = request.result;
      if (!cursor) return;
      if (!(cursor.value.expires > Date.now())) cursor.delete();
      cursor.continue();
    };
    tx.oncomplete = tx.onerror = function () { db.close(); };
  });

  form.addEventListener("submit", function (event) {
    if (leaving) return;
    event.preventDefault();
    waiting().then(function (n) {
      if (n && !window.confirm(form.dataset.queuedWarning)) return;
      leaving = true;
      form.submit();
    });
  });
})();
