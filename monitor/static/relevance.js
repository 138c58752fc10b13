// Questions asked only when an earlier choice holds (a question's "relevant" condition,
// services.evaluation.questionnaire): hidden while it does not. Without this script every
// question shows; the server drops the answers of questions not asked either way.
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form || !form.querySelector("[data-relevant]")) {
    return;
  }
  var parts = form.querySelectorAll(".question[data-name]");
  var unasked = {};
  function chosen(name) {
    var out = [];
    if (unasked[name]) {
      return out; // a question not asked reads as unanswered
    }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name === "q." + name && field.checked) {
        out.push(field.value);
      }
    });
    return out;
  }
  function holds(rule) {
    if (rule.not) {
      return !holds(rule.not);
    }
    if (rule.all) {
      return rule.all.every(holds);
    }
    if (rule.any) {
      return rule.any.some(holds);
    }
    var values = chosen(rule.question);
    if (rule.op === "selected") {
      return values.indexOf(rule.value) !== -1;
    }
    var equal = values.join(" ") === rule.value;
    return rule.op === "=" ? equal : !equal;
  }
  function show() {
    unasked = {};
    Array.prototype.forEach.call(parts, function (part) {
      var rule = part.getAttribute("data-relevant");
      part.hidden = Boolean(rule) && !holds(JSON.parse(rule));
      if (part.hidden) {
        unasked[part.getAttribute("data-name")] = true;
      }
    });
  }
  form.addEventListener("change", show);
  show();
}());
