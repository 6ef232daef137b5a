// The reader's opt-in to breaking-news alerts (alerts/templatetags/alerts.py renders the button).
// Nothing is asked on arrival: the browser's permission prompt, the service worker and the
// subscription all wait for a click on the button. Without Push API support the button stays
// hidden.
(function () {
  "use strict";
  var box = document.querySelector("[data-push-alerts]");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return;
  }
  var button = box.querySelector("button");
  var status = box.querySelector("[role=status]");
  var data = box.dataset;

  function key() {
    var text = data.key.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(text + "===".slice((text.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function show(subscribed, message) {
    button.textContent = subscribed ? data.labelOff : data.labelOn;
    button.setAttribute("aria-pressed", subscribed ? "true" : "false");
    status.textContent = message || "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
    });
  }

  function existing() {
    // getRegistration() asks for nothing: no prompt, no worker installed on arrival.
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  function subscribe() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        show(false, data.denied);
        return;
      }
      return navigator.serviceWorker
        .register(data.worker, { scope: "/" })
        .then(function () {
          return navigator.serviceWorker.ready;
        })
        .then(function (registration) {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key() });
        })
        .then(function (subscription) {
          return post(data.subscribe, subscription.toJSON());
        })
        .then(function () {
          show(true, data.done);
        });
    });
  }

  function unsubscribe(subscription) {
    var endpoint = subscription.endpoint;
    return subscription.unsubscribe().then(function () {
      return post(data.unsubscribe, { endpoint: endpoint });
    }).then(function () {
      show(false, data.stopped);
    });
  }

  box.hidden = false;
  existing().then(function (subscription) {
    show(Boolean(subscription));
  });
  button.addEventListener("click", function () {
    button.disabled = true;
    existing()
      .then(function (subscription) {
        return subscription ? unsubscribe(subscription) : subscribe();
      })
      .catch(function () {
        status.textContent = data.error;
      })
      .then(function () {
        button.disabled = false;
      });
  });
})();
