// Pages waiting for background work (access-right archive, erasure, retention dry run) reload themselves
// every few seconds (<meta name="grc-refresh" content="seconds">). location.reload() keeps the URL's
// #section and the scroll position, where a meta refresh to a URL with a fragment only jumps to it.
// A page on which something has been typed or chosen since it loaded is not reloaded, so nothing typed
// is lost: it tries again later. Without JavaScript, the <noscript> refresh reloads to the top of the page.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="grc-refresh"]');
  if (!meta) { return; }
  var delay = (parseInt(meta.getAttribute("content"), 10) || 5) * 1000;

  function value(field) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") { return ""; }
    if (field.type === "checkbox" || field.type === "radio") { return field.checked ? "1" : "0"; }
    if (field.tagName === "SELECT") {
      return Array.prototype.map.call(field.options, function (option) { return option.selected ? "1" : "0"; }).join("");
    }
    return field.value;
  }

  function state() {
    return Array.prototype.map.call(document.querySelectorAll("input, textarea, select"), value).join("\u0000");
  }

  var initial = state();  // deferred: the page is parsed, nothing typed yet

  function tick() {
    if (state() !== initial) {
      window.setTimeout(tick, delay);
      return;
    }
    window.location.reload();
  }

  window.setTimeout(tick, delay);
})();
