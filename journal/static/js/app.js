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

  // The printable export's Print button (without JavaScript, the browser's menu prints).
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-print]");
    if (button) { window.print(); }
  });

  document.addEventListener("DOMContentLoaded", function () { fillTimeZone(document); });
  document.addEventListener("htmx:load", function (evt) { fillTimeZone(evt.detail.elt); });
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.xhr && evt.detail.xhr.status === 422) { focusErrors(evt.detail.target.parentNode || document); }
  });
  // A boosted page change moves focus to the new main content, like a real page load.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (evt.detail.boosted) {
      var main = document.getElementById("main");
      if (main) { main.focus({ preventScroll: true }); }
    }
  });
})();
