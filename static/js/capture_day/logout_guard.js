// Every page but the desk itself (desk.js sends the queue first): the logout empties this
// browser's storage (Clear-Site-Data), and with it any desk swipes still waiting in IndexedDB.
// If some wait, ask before letting them go; the operator can open the desk and let it upload.
(function () {
  "use strict";

  var form = document.querySelector("form[data-logout][data-queued-warning]");
  if (!form || document.getElementById("desk") || !window.indexedDB) return;
  var NAME = "photocapture-desk";
  var leaving = false;

  function waiting() {
    return new Promise(function (resolve) {
      var listed = indexedDB.databases ? indexedDB.databases() : Promise.resolve(null);
      listed.then(function (dbs) {
        if (dbs && !dbs.some(function (d) { return d.name === NAME; })) return resolve(0);
        var open = indexedDB.open(NAME);
        // No desk ever ran in this browser: do not create its database just to look.
        open.onupgradeneeded = function () { open.transaction.abort(); };
        open.onerror = function () { resolve(0); };
        open.onsuccess = function () {
          var db = open.result;
          if (!db.objectStoreNames.contains("queue")) {
            db.close();
            return resolve(0);
          }
          var count = db.transaction("queue").objectStore("queue").count();
          count.onsuccess = function () { db.close(); resolve(count.result); };
          count.onerror = function () { db.close(); resolve(0); };
        };
      }, function () { resolve(0); });
    });
  }

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
