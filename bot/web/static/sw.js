// Bình An staff console: the service worker that shows a Web Push on a staff phone.
// A push carries a case code and its tier only (never a person's words or place); tapping the
// notification opens the case on the console, where the login decides what may be seen.
"use strict";
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var code = String(data.code || "").replace(/[^A-Z0-9]/g, "").slice(0, 8);
  var urgent = data.tier === "urgent";
  var title = urgent ? "Bình An · KHẨN CẤP / URGENT" : "Bình An";
  event.waitUntil(self.registration.showNotification(title, {
    body: code ? "Ca / case " + code : "",
    tag: code || "binhan",
    requireInteraction: urgent,
    data: { url: code ? "/case/" + code : "/" }
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
