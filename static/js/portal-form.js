/* Procedure forms (portal): conditional fields and steps. Without JavaScript every field and every
   step is shown (the server ignores a field whose condition is not met). No inline script (strict CSP). */
(function () {
  "use strict";
  var form = document.querySelector("form.procedure-form");
  if (!form) {
    return;
  }

  function answer(name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    var values = [];
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) {
          values.push(input.type === "checkbox" && input.value === "on" ? "oui" : input.value);
        }
      } else if (input.value) {
        values.push(input.value);
      }
    });
    return values.map(function (v) { return v.trim().toLowerCase(); });
  }

  function applyConditions() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-condition-field]"), function (input) {
      var expected = (input.getAttribute("data-condition-value") || "").trim().toLowerCase();
      var values = answer(input.getAttribute("data-condition-field"));
      var shown = values.indexOf(expected) !== -1 || (expected === "non" && values.length === 0);
      var block = input.closest(".field, fieldset.field, .field-checkbox-block");
      if (block) {
        block.hidden = !shown;
      }
    });
  }
  form.addEventListener("change", applyConditions);
  applyConditions();

  var steps = form.querySelectorAll("fieldset.form-step");
  if (steps.length < 2) {
    return;
  }
  var current = 0;
  // Start on the first step holding an error, if any.
  Array.prototype.some.call(steps, function (step, index) {
    if (step.querySelector(".field-error")) {
      current = index;
      return true;
    }
    return false;
  });
  var actions = form.querySelector(".form-actions");
  var nav = document.createElement("div");
  nav.className = "step-nav";
  var previous = document.createElement("button");
  previous.type = "button";
  previous.className = "button-secondary";
  previous.textContent = "Étape précédente";
  var next = document.createElement("button");
  next.type = "button";
  next.textContent = "Étape suivante";
  nav.appendChild(previous);
  nav.appendChild(next);
  actions.parentNode.insertBefore(nav, actions);

  function show(index) {
    current = index;
    Array.prototype.forEach.call(steps, function (step, i) {
      step.hidden = i !== index;
    });
    previous.hidden = index === 0;
    next.hidden = index === steps.length - 1;
    actions.querySelector("button[value=review]").hidden = index !== steps.length - 1;
  }
  previous.addEventListener("click", function () {
    show(current - 1);
    steps[current].querySelector("legend").focus();
  });
  next.addEventListener("click", function () {
    show(current + 1);
    steps[current].querySelector("legend").focus();
  });
  Array.prototype.forEach.call(steps, function (step) {
    step.querySelector("legend").setAttribute("tabindex", "-1");
  });
  show(current);
})();
