// The official-progress form: show only the fields of the level chosen (the whole plan, a
// file, a recommendation). Without this script every field shows, each with its hint; the
// server reads only the chosen level's fields either way.
(function () {
  "use strict";
  var select = document.querySelector("select[data-levels]");
  if (!select) {
    return;
  }
  var parts = document.querySelectorAll("[data-level]");
  function show() {
    Array.prototype.forEach.call(parts, function (part) {
      var levels = part.getAttribute("data-level").split(" ");
      part.hidden = levels.indexOf(select.value) === -1;
    });
  }
  select.addEventListener("change", show);
  show();
}());
