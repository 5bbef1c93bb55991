// Scan viewer of the qualification and letter pages: one page at a time with previous/next and
// zoom (keyboard: PageUp/PageDown, + and -), and Enter in the citizen search runs the search instead
// of confirming. Without this script every page is shown one under the other at full width.
(function () {
  "use strict";
  var ZOOMS = ["zoom-75", "", "zoom-150", "zoom-200"];
  function initViewer(viewer) {
    var pages = viewer.querySelectorAll("[data-viewer-page]");
    var toolbar = viewer.querySelector("[data-viewer-toolbar]");
    var status = viewer.querySelector("[data-viewer-status]");
    if (!pages.length || !toolbar) return;
    var current = 0;
    var zoom = 1;
    toolbar.hidden = false;
    viewer.classList.add("is-paged");
    function render() {
      pages.forEach(function (page, index) { page.classList.toggle("is-current", index === current); });
      ZOOMS.forEach(function (name) { if (name) viewer.classList.remove(name); });
      if (ZOOMS[zoom]) viewer.classList.add(ZOOMS[zoom]);
      if (status) status.textContent = "Page " + (current + 1) + " / " + pages.length;
    }
    function go(step) { current = Math.max(0, Math.min(pages.length - 1, current + step)); render(); }
    function zoomBy(step) { zoom = Math.max(0, Math.min(ZOOMS.length - 1, zoom + step)); render(); }
    viewer.querySelector("[data-viewer-prev]").addEventListener("click", function () { go(-1); });
    viewer.querySelector("[data-viewer-next]").addEventListener("click", function () { go(1); });
    viewer.querySelector("[data-viewer-zoom-in]").addEventListener("click", function () { zoomBy(1); });
    viewer.querySelector("[data-viewer-zoom-out]").addEventListener("click", function () { zoomBy(-1); });
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select") return;
      if (event.key === "PageDown") { go(1); event.preventDefault(); }
      else if (event.key === "PageUp") { go(-1); event.preventDefault(); }
      else if (event.key === "+") { zoomBy(1); }
      else if (event.key === "-") { zoomBy(-1); }
    });
    render();
  }
  function initSearch(form) {
    var field = form.querySelector("[data-citizen-search]");
    var button = form.querySelector("[data-citizen-search-button]");
    if (!field || !button) return;
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); button.click(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-mail-viewer]").forEach(initViewer);
    document.querySelectorAll("[data-qualify-form]").forEach(initSearch);
  });
})();
