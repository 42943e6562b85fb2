// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function fillTimeZone(root) {
    root.querySelectorAll('input[data-fill="time-zone"]').forEach(function (input) {
      try {
        input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (e) { /* leave empty: the server falls back to UTC */ }
    });
  }

  // After an htmx swap that replaced a form with errors, move focus to the message so
  // screen-reader and keyboard users hear what went wrong.
  function focusErrors(root) {
    var box = root.querySelector && root.querySelector(".form-errors, [aria-invalid=true]");
    if (box) { box.focus({ preventScroll: false }); }
  }

  // A "Print" button works only with JavaScript, so it stays hidden without it.
  function enablePrint(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      if (!button.dataset.printReady) {
        button.dataset.printReady = "1";
        button.addEventListener("click", function () { window.print(); });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fillTimeZone(document); enablePrint(document); });
  document.addEventListener("htmx:load", function (evt) { fillTimeZone(evt.detail.elt); enablePrint(evt.detail.elt); });
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.xhr && evt.detail.xhr.status === 422) { focusErrors(evt.detail.target.parentNode || document); }
  });
  // Checklist ticks are optimistic: the box flips the moment the request leaves (the
  // request already carries the new state), and the server's fragment confirms it.
  // If the request fails, the box flips back.
  function tickButton(elt) {
    var item = elt && elt.closest ? elt.closest(".tick-item") : null;
    return item ? item.querySelector("button[data-tick]") : null;
  }
  function showTicked(button, ticked) {
    button.setAttribute("aria-pressed", ticked ? "true" : "false");
    button.value = ticked ? "0" : "1";  // the next tap asks for the opposite
    var item = button.closest(".tick-item");
    if (item) { item.classList.toggle("is-done", ticked); }
  }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var button = tickButton(evt.detail.elt);
    if (!button) { return; }
    button.dataset.was = button.getAttribute("aria-pressed");
    showTicked(button, button.dataset.was !== "true");
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var button = tickButton(evt.detail.elt);
    if (button && !evt.detail.successful && button.isConnected) {
      showTicked(button, button.dataset.was === "true");
    }
  });
  // A boosted page change moves focus to the new main content, like a real page load.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail.boosted) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
})();

// Mood and measures: after an in-place swap (a questionnaire screen, the check-in
// card), move focus to what the new content marks with data-autofocus (the crisis
// card when it is shown, otherwise the question), so it is what is read first.
(function () {
  "use strict";
  document.addEventListener("htmx:load", function (evt) {
    var root = evt.detail.elt;
    if (!root || !root.querySelector || root === document.body) { return; }
    var target = root.matches("[data-autofocus]") ? root : root.querySelector("[data-autofocus]");
    if (target) { target.focus({ preventScroll: false }); }
  });
})();

// Planning a session: once a route is chosen, offer only the settings its label allows
// (the server refuses the others either way, and says why). A setting that no longer
// applies is unticked; when only one is left, it is chosen.
(function () {
  "use strict";
  function sync(form) {
    var box = form.querySelector("[data-settings-by-route]");
    var route = form.querySelector('input[name="route"]:checked');
    if (!box || !route) { return; }
    var map;
    try { map = JSON.parse(box.getAttribute("data-settings-by-route")); } catch (e) { return; }
    var allowed = map[route.value];
    if (!allowed) { return; }
    box.querySelectorAll("[data-setting]").forEach(function (label) {
      var ok = allowed.indexOf(label.getAttribute("data-setting")) >= 0;
      var input = label.querySelector("input");
      label.hidden = !ok;
      input.disabled = !ok;
      if (!ok) { input.checked = false; }
    });
    if (allowed.length === 1) {
      var only = box.querySelector('[data-setting="' + allowed[0] + '"] input');
      if (only) { only.checked = true; }
    }
  }
  function all(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-settings-by-route]")) { sync(form); }
    });
  }
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.name === "route" && input.form) { sync(input.form); }
  });
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:load", function (evt) { all(evt.detail.elt); });
})();
