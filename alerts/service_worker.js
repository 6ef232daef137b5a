// Kawalis push alerts: shows a breaking-news notification and opens the article on click.
// Served at /alerts-sw.js (alerts/views.py); registered only after the reader asked for alerts.
"use strict";

self.addEventListener("push", function (event) {
  var alert;
  try {
    alert = event.data ? event.data.json() : null;
  } catch (error) {
    alert = null;
  }
  if (!alert || !alert.title) {
    return;
  }
  event.waitUntil(
    self.registration.showNotification(alert.title, {
      body: alert.body || "",
      // One tag per alert: a repeated push replaces the notification instead of adding one.
      tag: alert.tag || "",
      lang: alert.lang || "",
      dir: alert.dir || "auto",
      data: { url: alert.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) {
    target = new URL("/", self.location.origin); // only ever this site's pages
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === target.href && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
