// A live coverage («تغطية مباشرة») keeps itself current: every few seconds the page asks its own
// site what changed after the stamp it shows (a small cached answer, the same for every reader)
// and puts new and corrected entries in place, removes deleted ones and refreshes the key points.
// It stops when the coverage ends and asks less often while the tab is hidden. Without this
// script a reload shows the same entries.
(function () {
  "use strict";
  var section = document.getElementById("live");
  if (!section || !window.fetch || !window.DOMParser || section.dataset.live !== "1") {
    return;
  }
  var VISIBLE_SECONDS = 5;
  var HIDDEN_SECONDS = 60;
  var MAX_SECONDS = 120;
  var delay = VISIBLE_SECONDS;
  var timer = null;
  var list = section.querySelector("[data-live-entries]");

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, seconds * 1000);
  }

  function place(entry) {
    var existing = document.getElementById(entry.id);
    if (existing) {
      existing.replaceWith(entry);
      return;
    }
    var time = Number(entry.dataset.time);
    var items = list.children;
    for (var i = 0; i < items.length; i += 1) {
      if (Number(items[i].dataset.time) <= time) {
        list.insertBefore(entry, items[i]);
        return;
      }
    }
    list.appendChild(entry);
  }

  function apply(changes) {
    var entries = changes.querySelectorAll("[data-live-entries] > li");
    // Newest first in the answer: placed oldest first, each before any older one.
    for (var i = entries.length - 1; i >= 0; i -= 1) {
      var entry = document.importNode(entries[i], true);
      if (entry.hasAttribute("data-deleted")) {
        var gone = document.getElementById(entry.id);
        if (gone) {
          gone.remove();
        }
      } else {
        place(entry);
      }
    }
    var keyPoints = section.querySelector("[data-live-key-points]");
    var newKeyPoints = changes.querySelector("[data-live-key-points]");
    if (keyPoints && newKeyPoints) {
      keyPoints.replaceChildren.apply(keyPoints, Array.from(document.importNode(newKeyPoints, true).childNodes));
    }
    var updated = section.querySelector("[data-live-updated]");
    var newUpdated = changes.querySelector("[data-live-updated]");
    if (updated && newUpdated && newUpdated.children.length) {
      updated.replaceChildren.apply(updated, Array.from(document.importNode(newUpdated, true).childNodes));
      updated.hidden = false;
    }
    var empty = section.querySelector("[data-live-empty]");
    if (empty && list.children.length) {
      empty.remove();
    }
  }

  function poll() {
    var stamp = section.dataset.stamp;
    // Stamp 0: nothing posted yet, so everything is new (the address without a stamp).
    var url = section.dataset.updates + (stamp && stamp !== "0" ? "?since=" + encodeURIComponent(stamp) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("live updates answered " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var changes = new DOMParser().parseFromString(html, "text/html").querySelector(".live-changes");
        if (!changes) {
          throw new Error("live updates without changes");
        }
        apply(changes);
        if (Number(changes.dataset.stamp) > 0) {
          section.dataset.stamp = changes.dataset.stamp;
        }
        if (changes.dataset.live !== "1") {
          section.dataset.live = "0";
          section.classList.remove("live--on");
          return; // the coverage ended: nothing more will come
        }
        delay = document.hidden ? HIDDEN_SECONDS : VISIBLE_SECONDS;
        schedule(delay);
      })
      .catch(function () {
        // The site is busy or the network away: ask again later, less often each time.
        delay = Math.min(delay * 2, MAX_SECONDS);
        schedule(delay);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (section.dataset.live !== "1") {
      return;
    }
    if (document.hidden) {
      delay = HIDDEN_SECONDS;
      schedule(delay);
    } else {
      delay = VISIBLE_SECONDS;
      schedule(0); // back on the tab: catch up at once
    }
  });

  schedule(document.hidden ? HIDDEN_SECONDS : VISIBLE_SECONDS);
})();
