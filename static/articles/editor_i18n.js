/* The body editor (django-prose-editor) in the admin's language, and with spell-checking on.
 *
 * The editor asks window.gettext for its dialogs' words (Edit Link, URL, Update...) when it
 * builds them, and writes its menus' words (Heading 2, Paragraph, tooltips) in English. Our
 * catalogue's translations come in the data-editor-strings attribute of each body textarea
 * (articles/forms.py): this classic script, run before the editor's modules, answers gettext from
 * them, and translates the menus' titles, labels and texts when each editor is ready and
 * whenever it adds some (dropdowns, dialogs). The text being written is never touched.
 */
(function () {
  "use strict";
  var strings = null;
  var djangoGettext = window.gettext;

  function table() {
    // Read once the first body textarea is parsed; other scripts in <head> ask gettext earlier.
    if (strings === null) {
      var holder = document.querySelector("[data-editor-strings]");
      if (!holder) return {};
      strings = JSON.parse(holder.getAttribute("data-editor-strings"));
    }
    return strings;
  }

  function lookup(text) {
    var key = (text || "").trim();
    return Object.prototype.hasOwnProperty.call(table(), key) ? table()[key] : null;
  }

  window.gettext = function (text) {
    var translated = lookup(text);
    if (translated !== null) return translated;
    return djangoGettext ? djangoGettext(text) : text;
  };

  function translate(root) {
    if (!(root instanceof Element) || root.closest(".ProseMirror")) return;
    var elements = [root].concat(Array.prototype.slice.call(root.querySelectorAll("*")));
    elements.forEach(function (element) {
      if (element.closest(".ProseMirror")) return;
      ["title", "aria-label"].forEach(function (name) {
        var translated = lookup(element.getAttribute(name));
        if (translated !== null) element.setAttribute(name, translated);
      });
      // Icon buttons show a ligature name (format_bold) as their text: that stays.
      if (element.children.length === 0 && !element.classList.contains("material-icons")) {
        var translated = lookup(element.textContent);
        if (translated !== null) element.textContent = translated;
      }
    });
  }

  document.addEventListener("prose-editor:ready", function (event) {
    var view = event.detail.editor.view;
    view.dom.setAttribute("spellcheck", "true");
    var box = view.dom.closest(".prose-editor") || view.dom.parentElement;
    translate(box);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(translate);
      });
    }).observe(box, { childList: true, subtree: true });
  });
})();
