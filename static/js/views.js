// Behind a shared cache in front (Varnish, a CDN) the site does not see most article views:
// this tells it, once the page is shown, with one small POST to its own address.
(function () {
  "use strict";
  var url = document.currentScript && document.currentScript.dataset.url;
  if (!url) {
    return;
  }
  if (navigator.sendBeacon) {
    navigator.sendBeacon(url);
  } else if (window.fetch) {
    fetch(url, { method: "POST", credentials: "same-origin", keepalive: true });
  }
})();
