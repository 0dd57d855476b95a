// Service worker of the capture desk: the desk page and its scripts come from the network when
// there is one and from the cache when there is not, so a reload while offline still opens the
// desk (its queued swipes live in IndexedDB). Swipes (POST) always go to the network.
"use strict";
var CACHE = "photocapture-desk";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  event.respondWith(
    fetch(request)
      .then(function (response) {
        if (response.ok && (request.mode === "navigate" || /\/static\//.test(request.url))) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      })
      .catch(function () {
        return caches.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true }).then(function (cached) {
          return cached || Response.error();
        });
      })
  );
});
