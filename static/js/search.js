// Global search of the back office: "/" or Ctrl+K (Cmd+K) puts the cursor in the header search box,
// Escape clears the instant results. The box works without JavaScript (a POST form to the results
// page); htmx (loaded by the base template) adds instant results as one types.
(function () {
  "use strict";
  var input = document.getElementById("header-q");
  if (!input) { return; }
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    var ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
    if (ctrlK || (event.key === "/" && !typing(event.target))) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var box = document.getElementById("header-search-results");
      if (box) { box.textContent = ""; }
      input.blur();
    }
  });
})();
