// Saves an evaluation draft in the background, so that a long answer typed on a slow
// connection is not lost with the tab. The form works without it: this only posts the
// same fields to the form's data-autosave-url every data-autosave-seconds while
// something changed, and when the page is hidden (tab switched or closed).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("autosave-status");
  var seconds = parseInt(form.getAttribute("data-autosave-seconds"), 10) || 30;
  var changed = false;
  var saving = false;
  var stopped = false;
  var waitingSubmit = null; // a button pressed while a background save was on its way

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function markChanged() {
    changed = true;
  }

  function save(leaving) {
    if (!changed || saving || stopped) {
      return null;
    }
    saving = true;
    changed = false;
    var body = new FormData(form);
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.type === "file") {
        body.delete(element.name); // documents go with the Attach button only
      }
    });
    return fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"Accept": "application/json"},
      keepalive: Boolean(leaving)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error("not an autosave answer"); // e.g. signed out: the sign-in page
      }
      return response.json();
    }).then(function (answer) {
      if (answer.csrf_token) {
        form.elements.csrf_token.value = answer.csrf_token; // for a page open for days
      }
      if (answer.retry) {
        changed = true;
      }
      if (answer.saved) {
        // A first save started the evaluation: from now on the page saves into it.
        form.action = answer.save_url;
        form.setAttribute("data-autosave-url", answer.autosave_url);
        form.elements.version.value = answer.version;
        var shown = document.getElementById("version");
        if (shown) {
          shown.textContent = answer.version;
        }
      } else if (answer.stop) {
        stopped = true; // a conflict or a closed period: the button shows why
      }
      say(answer.message);
    }).catch(function () {
      changed = true; // try again at the next turn
      say(form.getAttribute("data-autosave-failed"));
    }).then(function () {
      saving = false;
      if (waitingSubmit) {
        // Now with the version the background save returned, so that it is not stale.
        var button = waitingSubmit;
        waitingSubmit = null;
        form.requestSubmit(button);
      }
    });
  }

  if (form.hasAttribute("data-unsaved")) {
    changed = true; // the page answered a form that was not saved
  }

  // Switching language: what was typed is saved first.
  Array.prototype.forEach.call(document.querySelectorAll(".langs a[href]"), function (link) {
    link.addEventListener("click", function (event) {
      var pending = save(false);
      if (pending) {
        event.preventDefault();
        pending.then(function () {
          window.location.assign(link.href);
        });
      }
    });
  });

  form.addEventListener("input", markChanged);
  form.addEventListener("change", markChanged);
  form.addEventListener("submit", function (event) {
    stopped = true; // the button's own save goes with the form's version
    if (saving && form.requestSubmit) {
      event.preventDefault();
      waitingSubmit = event.submitter || form.querySelector("button[type=submit]");
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.setInterval(save, seconds * 1000);
}());
