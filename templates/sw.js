{% load static %}/* vconf's service worker: "Phòng của tôi" opens without a network. The page is fetched from the
   network when there is one (so the buttons carry today's meetings) and kept; offline, the kept copy
   is shown with its styles and script, and check-ins tapped meanwhile wait in the page's queue
   (localStorage, static/js/myroom.js) until the line comes back. Other pages are left alone. */
"use strict";
var CACHE = "vconf-myroom-v1";
var PAGE = "{% url 'my-room' %}";
var ASSETS = ["{% static 'css/vconf.css' %}", "{% static 'js/myroom.js' %}", "{% static 'img/favicon.svg' %}"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS.concat([new Request(PAGE, { credentials: "same-origin" })]));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("vconf-myroom-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(request) {
  var url = new URL(request.url);
  return request.method === "GET" && url.origin === self.location.origin &&
    (url.pathname === PAGE || ASSETS.indexOf(url.pathname) !== -1);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!kept(request)) { return; }
  event.respondWith(fetch(request).then(function (response) {
    // Keep only a real page: a redirect to the login page or an error must not replace it.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
