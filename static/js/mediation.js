// Optional enhancement of the mediation screen: when the surviving record changes, the per-field
// choices the user has not touched follow it (the default is "keep the survivor's value").
// Without JavaScript every choice stays explicit and the form works the same.
(function () {
  "use strict";
  var form = document.getElementById("merge-form");
  if (!form) { return; }
  var touched = {};
  var keepRadios = document.querySelectorAll('input[type="radio"][form="merge-form"][name^="keep_"]');
  Array.prototype.forEach.call(keepRadios, function (radio) {
    radio.addEventListener("change", function () { touched[radio.name] = true; });
  });
  Array.prototype.forEach.call(form.querySelectorAll('input[name="survivor"]'), function (survivor) {
    survivor.addEventListener("change", function () {
      if (!survivor.checked) { return; }
      Array.prototype.forEach.call(keepRadios, function (radio) {
        if (!touched[radio.name] && radio.value === survivor.value) { radio.checked = true; }
      });
    });
  });
})();
