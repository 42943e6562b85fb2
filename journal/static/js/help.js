// Help that does not wait for the network. Every page works without this file.
//
// - A questionnaire's safety item answered above 0 shows the crisis card the moment
//   the answer is given: the page already holds the card and the lines, so it does not
//   matter whether the request reaches the server (pwa.js keeps the answers in the
//   encrypted outbox when it does not).
// - A request htmx could not send (offline, the connection dropped) says so in the
//   page instead of failing silently; a page change that could not be fetched is
//   loaded as a real navigation, which the service worker answers with the offline
//   page (and its crisis lines).
(function () {
  "use strict";

  var t = window.FTWords;  // words.js

  function showCrisisCard(form) {
    var name = form.getAttribute("data-safety-item");
    var flow = form.closest(".measure-flow");
    var pending = flow && flow.querySelector("[data-crisis-for]");
    if (!name || !pending || !pending.hidden) { return; }
    var chosen = form.querySelector('input[name="' + name + '"]:checked');
    if (!chosen || !(parseInt(chosen.value, 10) > 0)) { return; }
    pending.hidden = false;
    var card = pending.querySelector(".crisis-card");
    if (card) { card.focus({ preventScroll: false }); }
  }

  function offlineNote(form) {
    var flow = form.closest(".measure-flow");
    var note = flow && flow.querySelector("[data-offline-note]");
    if (note && form.hasAttribute("data-outbox")) { note.hidden = false; }
  }

  // Window, capture phase: before pwa.js keeps an offline form and before htmx sends.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-safety-item")) { return; }
    var submitter = event.submitter;
    if (submitter && submitter.name === "go" && submitter.value === "back") { return; }
    showCrisisCard(form);
    if (navigator.onLine === false) { offlineNote(form); }
  }, true);

  function say(text) {
    var alerts = document.getElementById("alerts");
    if (!alerts) { return; }
    var p = document.createElement("p");
    p.className = "notice notice-offline";
    p.setAttribute("data-send-error", "");
    p.textContent = text;
    var old = alerts.querySelector("[data-send-error]");
    if (old) { old.remove(); }
    alerts.appendChild(p);
  }

  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    var config = event.detail.requestConfig || {};
    if (event.detail.boosted || (config.boosted && config.verb === "get")) {
      // A page change: fetch it as a real page, so the service worker can answer.
      var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
      if (path) { window.location.assign(path); return; }
    }
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (form && form.hasAttribute("data-outbox")) {
      offlineNote(form);  // pwa.js keeps it; the banner says so
      return;
    }
    say(t("This could not be sent: you seem to be offline. Nothing on this screen is lost;"
      + " try again when you are back online. Get help works offline."));
  });

  // Back online, or a new screen: the message no longer applies.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) { return; }
    var old = document.querySelector("#alerts [data-send-error]");
    if (old) { old.remove(); }
  });
})();
