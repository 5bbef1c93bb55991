// Quick form of a digital-help session: Enter in the citizen search field searches; Enter anywhere else
// records the session (without this, the browser's default button — the first one, "Rechercher" — would).
(function () {
  "use strict";
  function init(form) {
    var search = form.querySelector("[data-citizen-search]");
    var searchButton = form.querySelector("[data-citizen-search-button]");
    var recordButton = form.querySelector("button[value='record']");
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target.tagName === "TEXTAREA" || event.target.tagName === "BUTTON") return;
      if (event.target.tagName === "SUMMARY") return;
      event.preventDefault();
      (event.target === search ? searchButton : recordButton).click();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-help-session-form]").forEach(init);
  });
})();
