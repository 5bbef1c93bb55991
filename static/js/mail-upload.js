// Mailroom batch upload: drag and drop onto the file input's zone (the plain multiple file input
// keeps working without this script). Dropped files are put into the input, then the agent submits.
(function () {
  "use strict";
  function init(form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    var hint = form.querySelector("[data-dropzone-hint]");
    var count = form.querySelector("[data-dropzone-count]");
    if (!zone || !input) return;
    if (hint) hint.hidden = false;
    function show() {
      var n = input.files ? input.files.length : 0;
      if (count) count.textContent = n ? n + (n > 1 ? " fichiers sélectionnés" : " fichier sélectionné") : "";
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      var transfer = new DataTransfer();
      Array.prototype.forEach.call(input.files || [], function (file) { transfer.items.add(file); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      show();
    });
    input.addEventListener("change", show);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-mail-upload]").forEach(init);
  });
})();
