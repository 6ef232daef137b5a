/* The editors' desk on the article form (articles/desk_admin.py; README "The editors' desk").
 *
 * - Leaving a changed form warns (closing the tab, or a click on an admin link).
 * - What is typed is saved as a draft every few seconds and when the page is left: to the server
 *   (never published) and to this browser's localStorage (kept when the network is down).
 *   Reopening the form offers the newer draft back; a successful save forgets it.
 * - Who else has the article open, from heartbeats.
 * - The editor's screen: words and reading time, the final address, the share card, warnings,
 *   the chosen image, and a notice when pasted content is not kept.
 *
 * Settings and sentences come from the page's JSON (#desk-config), in the editor's language.
 * No inline script, no eval: the strict Content-Security-Policy holds.
 */
(function () {
  "use strict";

  var LOCAL_PREFIX = "kawalis-draft:";
  var SKIPPED = { csrfmiddlewaretoken: true, base_version: true };
  var DEBOUNCE_MS = 2000;
  var MAX_WAIT_MS = 10000;

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function localGet(key) {
    try {
      return JSON.parse(window.localStorage.getItem(LOCAL_PREFIX + key) || "null");
    } catch (error) {
      return null;
    }
  }

  function localSet(key, value) {
    try {
      window.localStorage.setItem(LOCAL_PREFIX + key, JSON.stringify(value));
    } catch (error) {
      /* private mode or full: the server copy still exists */
    }
  }

  function localRemove(key) {
    try {
      window.localStorage.removeItem(LOCAL_PREFIX + key);
    } catch (error) {
      /* nothing to forget */
    }
  }

  // After a successful save the server names the local copies that are now saved (a cookie, as
  // the page after a save is often the list): forget them, wherever this script runs.
  function forgetSavedDrafts(cookieName) {
    var saved = readCookie(cookieName);
    if (!saved) return;
    saved.split(".").forEach(function (key) {
      if (key) localRemove(key);
    });
    document.cookie = cookieName + "=; Max-Age=0; path=/; SameSite=Lax";
  }

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }

  function randomToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (byte) {
        return ("0" + byte.toString(16)).slice(-2);
      })
      .join("");
  }

  function timeOf(milliseconds) {
    return new Date(milliseconds).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  // Words as the site counts them (articles.models.count_words): what stands between spaces
  // after the blocks are set apart, holding a letter or a digit.
  var BLOCK_START = /<(\/?)(p|h[1-6]|li|ul|ol|blockquote|br|div|table|thead|tbody|tr|td|th|caption|figcaption|figure|hr)\b/gi;
  function plainText(html) {
    var spaced = (html || "").replace(BLOCK_START, " <$1$2");
    var parsed = new DOMParser().parseFromString(spaced, "text/html");
    return (parsed.body.textContent || "").replace(/\s+/g, " ").trim();
  }
  function countWords(html) {
    return plainText(html)
      .split(" ")
      .filter(function (token) {
        return /[\p{L}\p{N}]/u.test(token);
      }).length;
  }

  var editors = new Map(); // body textarea -> the rich-text editor (tiptap) over it
  var onEditorReady = [];
  document.addEventListener("prose-editor:ready", function (event) {
    editors.set(event.detail.textarea, event.detail.editor);
    onEditorReady.forEach(function (callback) {
      callback(event.detail.textarea, event.detail.editor);
    });
  });

  function start() {
    var settingsNode = document.getElementById("desk-config");
    var config = settingsNode ? JSON.parse(settingsNode.textContent) : null;
    forgetSavedDrafts(config ? config.savedCookie : "article_drafts_saved");
    var form = document.getElementById("article_form");
    if (!config || !form) return;
    var text = config.text;
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var versionField = form.querySelector("[name=base_version]");
    var tokenField = document.getElementById("desk-draft-token");
    if (!config.article && !tokenField.value) tokenField.value = randomToken();
    var status = document.createElement("p");
    status.className = "desk-status";
    status.id = "desk-status";
    status.setAttribute("aria-live", "polite");
    document.getElementById("desk-restore").insertAdjacentElement("afterend", status);

    function localKey() {
      return config.article ? "a" + config.article : "n" + tokenField.value;
    }

    // --- the form's fields, read and written -------------------------------------------------

    function collect() {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        var name = field.name;
        if (!name || SKIPPED[name] || name.charAt(0) === "_" || field.disabled) return;
        if (["file", "submit", "button", "reset", "image"].indexOf(field.type) !== -1) return;
        if (field.type === "radio") {
          if (field.checked) data[name] = field.value;
        } else if (field.type === "checkbox") {
          data[name] = field.checked ? field.value || "on" : "";
        } else if (field.type === "select-multiple") {
          var chosen = Array.prototype.filter.call(field.options, function (option) {
            return option.selected;
          });
          data[name] = chosen.map(function (option) {
            return option.value;
          });
          // The autocomplete lists only what is chosen: keep the names to show them again.
          data["__label:" + name] = chosen.map(function (option) {
            return option.text;
          });
        } else if (editors.has(field)) {
          data[name] = editors.get(field).getHTML();
        } else {
          data[name] = field.value;
        }
      });
      return data;
    }

    function fill(data) {
      Array.prototype.forEach.call(form.elements, function (field) {
        var name = field.name;
        if (!name || !(name in data) || SKIPPED[name] || name.charAt(0) === "_") return;
        var value = data[name];
        if (field.type === "radio") {
          field.checked = field.value === value;
        } else if (field.type === "checkbox") {
          field.checked = value !== "";
        } else if (field.type === "select-multiple") {
          var labels = data["__label:" + name] || [];
          var wanted = Array.isArray(value) ? value : [value];
          wanted.forEach(function (optionValue, index) {
            var exists = Array.prototype.some.call(field.options, function (option) {
              return option.value === optionValue;
            });
            if (!exists) field.add(new Option(labels[index] || optionValue, optionValue));
          });
          Array.prototype.forEach.call(field.options, function (option) {
            option.selected = wanted.indexOf(option.value) !== -1;
          });
          if (window.django && window.django.jQuery) window.django.jQuery(field).trigger("change");
        } else if (editors.has(field)) {
          editors.get(field).commands.setContent(value || "");
          field.value = editors.get(field).getHTML();
        } else if (field.tagName !== "SELECT" || field.querySelector('option[value="' + CSS.escape(value) + '"]')) {
          field.value = value;
        }
      });
    }

    // --- changed or not ------------------------------------------------------------------------

    var baseline = JSON.stringify(collect());
    var touched = false;
    var submitting = false;
    var leaveConfirmed = false;
    onEditorReady.push(function () {
      if (!touched) baseline = JSON.stringify(collect());
    });
    editors.forEach(function () {
      baseline = JSON.stringify(collect());
    });
    function isDirty() {
      return JSON.stringify(collect()) !== baseline;
    }

    window.addEventListener("beforeunload", function (event) {
      if (submitting || leaveConfirmed || !isDirty()) return;
      event.preventDefault();
      event.returnValue = "";
    });
    document.addEventListener(
      "click",
      function (event) {
        var link = event.target.closest && event.target.closest("a[href]");
        if (!link || event.defaultPrevented || submitting) return;
        var href = link.getAttribute("href");
        if (!href || href.charAt(0) === "#" || href.indexOf("javascript:") === 0) return;
        if (link.target === "_blank" || link.classList.contains("related-widget-wrapper-link")) return;
        if (!isDirty()) return;
        if (window.confirm(text.leave)) {
          leaveConfirmed = true;
        } else {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      },
      true
    );

    // --- autosave ------------------------------------------------------------------------------

    var timer = null;
    var firstPending = 0;
    var lastSent = baseline;

    function draftBody(data) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      body.append("data", JSON.stringify(data));
      body.append("token", tokenField.value);
      body.append("base_version", versionField ? versionField.value : "");
      return body;
    }

    function keepLocally(data) {
      localSet(localKey(), {
        user: config.user,
        data: data,
        token: tokenField.value,
        baseVersion: versionField && versionField.value !== "" ? Number(versionField.value) : null,
        savedAt: Date.now(),
      });
    }

    function saveDraft() {
      timer = null;
      firstPending = 0;
      var data = collect();
      var serialised = JSON.stringify(data);
      if (serialised === lastSent || serialised === baseline) return;
      keepLocally(data);
      status.textContent = text.saving;
      fetch(config.urls.draft, { method: "POST", body: draftBody(data), credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (answer) {
          lastSent = serialised;
          status.textContent = format(text.saved, { time: timeOf(answer.savedAt) });
          status.dataset.state = "saved";
        })
        .catch(function () {
          status.textContent = text.offline;
          status.dataset.state = "offline";
        });
    }

    function changed() {
      touched = true;
      schedulePreview();
      var now = Date.now();
      if (!firstPending) firstPending = now;
      if (timer) window.clearTimeout(timer);
      // Debounced, but never later than MAX_WAIT_MS after the first unsaved change.
      timer = window.setTimeout(saveDraft, Math.min(DEBOUNCE_MS, Math.max(0, firstPending + MAX_WAIT_MS - now)));
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    onEditorReady.push(function (textarea, editor) {
      editor.on("update", changed);
    });
    editors.forEach(function (editor) {
      editor.on("update", changed);
    });

    form.addEventListener("submit", function () {
      submitting = true;
      // Kept here until the server says the save went through (the cookie, next page).
      if (isDirty()) keepLocally(collect());
    });

    function leaving() {
      if (config.urls.presence) {
        var bye = new FormData();
        bye.append("csrfmiddlewaretoken", csrf);
        bye.append("leave", "1");
        navigator.sendBeacon(config.urls.presence, bye);
      }
      if (submitting || !isDirty()) return;
      var data = collect();
      keepLocally(data);
      if (JSON.stringify(data) !== lastSent) {
        // A beacon carries at most 64 KB; a longer draft is in localStorage and the last autosave.
        navigator.sendBeacon(config.urls.draft, draftBody(data));
      }
    }
    window.addEventListener("pagehide", leaving);

    // --- the restore offer ---------------------------------------------------------------------

    function newestDraft() {
      var candidates = [];
      if (config.draft) candidates.push(config.draft);
      if (config.article) {
        candidates.push(localGet("a" + config.article));
      } else {
        try {
          for (var index = 0; index < window.localStorage.length; index++) {
            var key = window.localStorage.key(index);
            if (key && key.indexOf(LOCAL_PREFIX + "n") === 0) candidates.push(localGet(key.slice(LOCAL_PREFIX.length)));
          }
        } catch (error) {
          /* no localStorage */
        }
      }
      candidates = candidates.filter(function (draft) {
        return draft && draft.data && (draft.user === undefined || draft.user === config.user);
      });
      candidates.sort(function (a, b) {
        return b.savedAt - a.savedAt;
      });
      return candidates[0] || null;
    }

    function offerRestore() {
      var draft = newestDraft();
      if (!draft) return;
      var current = collect();
      var differs = Object.keys(draft.data).some(function (name) {
        return name.indexOf("__label:") !== 0 && JSON.stringify(draft.data[name]) !== JSON.stringify(current[name]);
      });
      var banner = document.getElementById("desk-restore");
      if (!differs || !banner) return;
      var older = config.version !== null && draft.baseVersion !== null && draft.baseVersion < config.version;
      document.getElementById("desk-restore-text").textContent = format(older ? text.restoreOlder : text.restoreNewer, {
        time: new Date(draft.savedAt).toLocaleString(document.documentElement.lang || undefined),
      });
      var restoreButton = document.getElementById("desk-restore-button");
      var discardButton = document.getElementById("desk-discard-button");
      restoreButton.textContent = text.restore;
      discardButton.textContent = text.discard;
      banner.hidden = false;
      restoreButton.addEventListener("click", function () {
        if (!config.article && draft.token) {
          if (draft.token !== tokenField.value) localRemove("n" + tokenField.value);
          tokenField.value = draft.token;
        }
        fill(draft.data);
        // A draft begun on an older version saves as made from it: the save then shows what
        // changed since, instead of overwriting it.
        if (older && versionField) versionField.value = String(draft.baseVersion);
        touched = true;
        banner.hidden = true;
        status.textContent = text.restored;
        schedulePreview();
      });
      discardButton.addEventListener("click", function () {
        var body = new FormData();
        body.append("csrfmiddlewaretoken", csrf);
        body.append("discard", "1");
        body.append("token", draft.token || tokenField.value);
        fetch(config.urls.draft, { method: "POST", body: body, credentials: "same-origin" });
        localRemove(localKey());
        if (draft.token) localRemove("n" + draft.token);
        banner.hidden = true;
      });
    }

    // The bodies are compared once their editors exist (they start after this script).
    var expectedEditors = form.querySelectorAll("textarea[data-django-prose-editor-configurable]").length;
    var offered = false;
    function offerWhenReady() {
      if (offered || editors.size < expectedEditors) return;
      offered = true;
      offerRestore();
    }
    onEditorReady.push(offerWhenReady);
    offerWhenReady();
    window.setTimeout(function () {
      expectedEditors = 0;
      offerWhenReady();
    }, 5000);

    // --- who else is here ----------------------------------------------------------------------

    var presence = document.getElementById("desk-presence");
    function heartbeat() {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      fetch(config.urls.presence, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (!answer) return;
          presence.textContent = answer.message;
          presence.hidden = !answer.message;
        })
        .catch(function () {
          /* the next heartbeat tries again */
        });
    }
    if (config.urls.presence && presence) {
      heartbeat();
      window.setInterval(heartbeat, config.heartbeatSeconds * 1000);
    }

    // --- the editor's screen -------------------------------------------------------------------

    function field(name) {
      return form.querySelector('[name="' + name + '"]');
    }
    function value(name) {
      var element = field(name);
      if (!element) return "";
      return editors.has(element) ? editors.get(element).getHTML() : element.value;
    }

    var imageInput = field("image");
    var chosenImage = "";
    var storedImageLink = form.querySelector(".field-image a[href]");
    var imagePreview = document.createElement("img");
    imagePreview.className = "desk-image-preview";
    imagePreview.alt = "";
    imagePreview.hidden = true;
    if (imageInput) imageInput.insertAdjacentElement("afterend", imagePreview);
    function currentImage() {
      var clear = form.querySelector('[name="image-clear"]');
      if (chosenImage) return chosenImage;
      if (clear && clear.checked) return "";
      return storedImageLink ? storedImageLink.href : "";
    }
    if (imageInput) {
      imageInput.addEventListener("change", function () {
        var file = imageInput.files && imageInput.files[0];
        if (!file) {
          chosenImage = "";
          schedulePreview();
          return;
        }
        // A data: URL (allowed by the policy's img-src), not a blob: one.
        var reader = new FileReader();
        reader.addEventListener("load", function () {
          chosenImage = reader.result;
          schedulePreview();
        });
        reader.readAsDataURL(file);
      });
    }

    var pending = false;
    function schedulePreview() {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        preview();
      });
    }

    function preview() {
      var lines = [];
      Object.keys(config.wordsPerMinute).forEach(function (code) {
        var words = countWords(value("body_" + code));
        if (!words) return;
        var minutes = Math.ceil(words / config.wordsPerMinute[code]);
        lines.push(code.toUpperCase() + ": " + format(text.words, { words: words, minutes: minutes }));
      });
      document.getElementById("desk-words").textContent = lines.join(" — ") || format(text.words, { words: 0, minutes: 0 });

      var slug = value("slug").trim();
      var path = config.articlePath.replace(/-\/$/, (slug || "…") + "/");
      if (!config.article) path = path.replace("/0/", "/…/");
      document.getElementById("desk-url").textContent = config.siteUrl + path;

      var title = value("seo_title").trim() || value("title_ar").trim() || value("title").trim();
      var description = value("seo_description").trim() || value("lead_ar").trim() || value("lead").trim();
      if (description.length > 155) description = description.slice(0, 154) + "…";
      document.getElementById("desk-card-domain").textContent = new URL(config.siteUrl).host;
      document.getElementById("desk-card-title").textContent = title;
      document.getElementById("desk-card-description").textContent = description;
      var image = currentImage();
      var cardImage = document.getElementById("desk-card-image");
      cardImage.hidden = !image;
      imagePreview.hidden = !image;
      if (image) {
        if (cardImage.getAttribute("src") !== image) cardImage.src = image;
        if (imagePreview.getAttribute("src") !== image) imagePreview.src = image;
      }

      var warnings = [];
      Object.keys(config.wordsPerMinute).forEach(function (code) {
        var length = Array.from(value("title_" + code).trim()).length;
        if (length > config.titleLimit) warnings.push(code.toUpperCase() + ": " + format(text.titleTooLong, { count: length }));
      });
      var alt = value("image_alt_ar").trim() || value("image_alt").trim();
      if (image && !alt) warnings.push(text.noAlt);
      var list = document.getElementById("desk-warnings");
      list.replaceChildren.apply(
        list,
        warnings.map(function (warning) {
          var item = document.createElement("li");
          item.textContent = warning;
          return item;
        })
      );
    }
    onEditorReady.push(schedulePreview);
    preview();

    // --- pasted content the body does not keep ----------------------------------------------------

    document.addEventListener(
      "paste",
      function (event) {
        var editorNode = event.target.closest && event.target.closest(".ProseMirror");
        if (!editorNode || !event.clipboardData) return;
        var html = event.clipboardData.getData("text/html");
        var dropped = [];
        if (html) {
          var pasted = new DOMParser().parseFromString(html, "text/html");
          if (pasted.querySelector("img, picture, svg")) dropped.push(text.pastedImages);
          if (pasted.querySelector("iframe, video, audio, object, embed")) dropped.push(text.pastedEmbeds);
          if (pasted.querySelector("[style*=color], [style*=font], font, [align]")) dropped.push(text.pastedStyles);
        } else if (Array.prototype.some.call(event.clipboardData.items || [], function (item) {
          return item.kind === "file";
        })) {
          dropped.push(text.pastedImages);
        }
        var holder = editorNode.closest(".prose-editor") || editorNode;
        var notice = holder.parentNode.querySelector(".desk-paste-notice");
        if (!dropped.length) {
          if (notice) notice.remove();
          return;
        }
        if (!notice) {
          notice = document.createElement("p");
          notice.className = "desk-paste-notice";
          notice.setAttribute("role", "status");
          holder.insertAdjacentElement("beforebegin", notice);
        }
        notice.textContent = format(text.pasteDropped, { items: dropped.join(" · ") });
      },
      true
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
