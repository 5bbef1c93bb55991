/* Autosave of a procedure form's draft (portal): the text answers are posted a moment after the
   citizen stops typing. Files go with the buttons only. Without JavaScript, the "Enregistrer le
   brouillon" button does the same. No inline script (strict CSP). */
(function () {
  "use strict";
  // After a refused submit, move focus to the error summary so it is read first (it links to each field).
  var summary = document.querySelector(".procedure .error-summary");
  if (summary) {
    summary.focus();
  }
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("etat-brouillon");
  var timer = null;
  var inflight = false;
  var submitting = false;

  function save() {
    if (submitting) {
      return;
    }
    if (inflight) {
      timer = window.setTimeout(save, 1000);
      return;
    }
    inflight = true;
    var data = new FormData(form);
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
      data.delete(input.name);
    });
    data.set("action", "autosave");
    window.fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (json) {
      if (json && json.saved && status) {
        status.textContent = json.message;
      }
    }).catch(function () {
      /* Offline or server error: the buttons still save the draft. */
    }).then(function () {
      inflight = false;
    });
  }

  function schedule(event) {
    if (event && event.target && event.target.type === "file") {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 2000);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () {
    submitting = true;
    window.clearTimeout(timer);
  });
})();
