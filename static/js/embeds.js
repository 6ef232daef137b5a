// Embeds (articles/embeds.py): the page shows the site's own placeholder, a link to the original;
// the provider's frame is put in its place only when the reader clicks it, so nothing is asked
// of the provider before. Without JavaScript the link simply opens the original.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".embed-link");
    var figure = link && link.closest("figure[data-embed-frame]");
    if (!figure || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return;
    }
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = figure.dataset.embedFrame;
    frame.title = link.querySelector(".embed-provider").textContent;
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.allowFullscreen = true;
    frame.className = "embed-frame";
    link.replaceWith(frame);
    figure.classList.add("embed-shown");
  });
})();
