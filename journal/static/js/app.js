// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  var t = window.FTWords;  // words.js

  function fillTimeZone(root) {
    root.querySelectorAll('input[data-fill="time-zone"]').forEach(function (input) {
      try {
        input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      } catch (e) { /* leave empty: the server falls back to UTC */ }
    });
  }

  // The time-zone picker: this device's zone first in the list, and a button to take
  // it when it is not the zone already shown.
  function offerDeviceZone(root) {
    root.querySelectorAll("form[data-zone-picker]").forEach(function (form) {
      var zone = "";
      try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
      var input = form.querySelector('input[name="time_zone"]');
      var list = input && input.list;
      if (!zone || !list) { return; }
      if (!list.querySelector("option[data-device]")) {
        var option = document.createElement("option");
        option.value = zone;
        option.textContent = t("This device: {zone}", { zone: zone.replace(/_/g, " ") });
        option.setAttribute("data-device", "");
        list.insertBefore(option, list.firstChild);
      }
      var offer = form.querySelector("[data-device-zone]");
      if (offer && input.defaultValue !== zone) {
        var button = offer.querySelector("button");
        button.value = zone;
        button.textContent = t("Use this device's zone: {zone}", { zone: zone.replace(/_/g, " ") });
        offer.hidden = false;
      }
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

  function enhance(root) { fillTimeZone(root); offerDeviceZone(root); enablePrint(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (evt) { enhance(evt.detail.elt); });
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
      // A page that names its first field (autofocus: the two-step code) gets it.
      var wanted = main && main.querySelector("[autofocus]");
      if (wanted) { wanted.focus(); } else if (main) { main.focus({ preventScroll: true }); }
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

// Issue 18: focus is never dropped by an htmx swap. When the focused control was
// replaced (a ticked checklist item, an inline edit, a saved check-in), focus goes to
// its counterpart in the new content (same id, or same name and value, or the same
// words on a button), else to the new content itself, so keyboard and screen-reader
// users stay where they were.
(function () {
  "use strict";
  var was = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var a = document.activeElement;
    was = (a && a !== document.body && !evt.detail.boosted) ? {
      id: a.id, name: a.getAttribute("name"), value: a.getAttribute("value"),
      tag: a.tagName, text: (a.textContent || "").trim()
    } : null;
  });
  function counterpart(root) {
    if (!was || !root || !root.querySelector) { return null; }
    if (was.id) {
      var byId = root.querySelector("#" + CSS.escape(was.id)) || document.getElementById(was.id);
      if (byId) { return byId; }
    }
    if (was.name) {
      var candidates = root.querySelectorAll("[name]");
      for (var i = 0; i < candidates.length; i++) {
        var c = candidates[i];
        if (c.getAttribute("name") === was.name && (was.value === null || c.getAttribute("value") === was.value || c.tagName !== "BUTTON")) { return c; }
      }
    }
    var same = root.querySelectorAll(was.tag.toLowerCase());
    for (var j = 0; j < same.length; j++) {
      if ((same[j].textContent || "").trim() === was.text) { return same[j]; }
    }
    return null;
  }
  function first(root, selector) {
    return root && root.querySelector ? (root.matches(selector) ? root : root.querySelector(selector)) : null;
  }
  // afterSettle fires on each element the swap put in (for outerHTML, the new one).
  document.addEventListener("htmx:afterSettle", function (evt) {
    // Also fired on the text nodes around a swapped element: wait for an element.
    if (evt.detail.boosted || !was || !(evt.target instanceof Element)) { return; }
    var a = document.activeElement;
    if (a && a !== document.body && a.isConnected) { was = null; return; }
    var root = evt.target.isConnected && evt.target !== document.body ? evt.target : document.getElementById("main");
    var next = counterpart(root) ||
      first(root, ".form-errors, .notice, [role=status]:not(:empty)") ||
      first(root, "textarea, input:not([type=hidden]), select") ||
      first(root, "h1, h2, h3") || root;
    if (!next.matches("a[href], button, input, select, textarea, [tabindex]")) { next.setAttribute("tabindex", "-1"); }
    next.focus({ preventScroll: false });
    was = null;
  });
})();

// Issue 18: Copy and Download for a text shown once (the recovery key). Copy uses the
// clipboard; Download builds a text file in memory. Nothing is stored by the page.
(function () {
  "use strict";
  var t = window.FTWords;
  function say(button, text) {
    var status = button.parentNode.querySelector("[role=status]");
    if (status) { status.textContent = text; }
  }
  function textOf(button, attr) {
    var source = document.getElementById(button.getAttribute(attr));
    return source ? source.textContent.trim() : "";
  }
  function enable(root) {
    root.querySelectorAll("[data-copy], [data-download]").forEach(function (button) {
      if (button.dataset.ready) { return; }
      if (button.hasAttribute("data-copy") && !(navigator.clipboard && window.isSecureContext)) { return; }
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        if (button.hasAttribute("data-copy")) {
          navigator.clipboard.writeText(textOf(button, "data-copy")).then(
            function () { say(button, t("Copied. Paste it into your password manager.")); },
            function () { say(button, t("This browser did not allow copying. Select the key and copy it.")); });
          return;
        }
        var blob = new Blob([textOf(button, "data-download") + "\n"], { type: "text/plain" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.getAttribute("data-filename") || "download.txt";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 0);
        say(button, t("Downloaded as {file}.", { file: link.download }));
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  document.addEventListener("htmx:load", function (evt) { if (evt.detail.elt.querySelectorAll) { enable(evt.detail.elt); } });
})();

// Issue 18: a questionnaire moves on when an answer is tapped (a pointer: mouse, touch
// or pen). A choice made with the keyboard or a screen reader (arrow keys, Space)
// never submits by itself; Next and Back stay for everyone.
(function () {
  "use strict";
  var pointerAt = 0;
  document.addEventListener("pointerdown", function (evt) {
    if (evt.target.closest && evt.target.closest("form[data-advance] .answer")) { pointerAt = Date.now(); }
  }, true);
  // "click" (not "change"): tapping the answer already chosen, after Back, moves on too.
  document.addEventListener("click", function (evt) {
    var input = evt.target;
    var form = input && input.closest ? input.closest("form[data-advance]") : null;
    if (!form || input.type !== "radio" || Date.now() - pointerAt > 1500) { return; }
    pointerAt = 0;
    var next = form.querySelector('button[name=go][value=next]');
    if (next && form.requestSubmit) { form.requestSubmit(next); }
  });
})();

// A boosted navigation swaps the body's contents, not the body itself: take the new
// page's body class as well, or a therapist or the clinic's administrator who has just
// signed in would keep the logged-out page's layout (the desktop one hangs on it).
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var html = evt.detail.serverResponse;
    if (evt.detail.target !== document.body || typeof html !== "string") { return; }
    var tag = html.match(/<body\b[^>]*>/i);
    if (!tag) { return; }
    var found = tag[0].match(/\sclass="([^"]*)"/);
    document.body.className = found ? found[1] : "";
  });
})();

// Issue 17: the one-line adaptation rows. Details fold away until asked for (or wrong),
// rows move up and down with buttons (keyboard or pointer) or by dragging a row with
// the pointer, the route chips show the items for one route, and the empty rows for
// new items appear one at a time. Each row's hidden `position` follows its place.
(function () {
  "use strict";
  var t = window.FTWords;
  var plural = window.FTPlural;

  function renumber(list) {
    list.querySelectorAll(":scope > li").forEach(function (li, n) {
      var pos = li.querySelector("[data-position]");
      if (pos) { pos.value = String(n); }
    });
  }

  function say(list, text) {
    var live = list.parentNode.querySelector("[data-adapt-status]");
    if (live) { live.textContent = text; }
  }

  function visibleSibling(li, step) {
    var other = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    while (other && other.hidden) { other = step < 0 ? other.previousElementSibling : other.nextElementSibling; }
    return other;
  }

  function move(button) {
    var li = button.closest("li");
    var list = li.parentNode;
    var step = Number(button.dataset.move);
    var other = visibleSibling(li, step);
    if (!other) { say(list, step < 0 ? t("Already first.") : t("Already last.")); return; }
    list.insertBefore(li, step < 0 ? other : other.nextElementSibling);
    renumber(list);
    button.focus();
    var n = Array.prototype.indexOf.call(list.children, li) + 1;
    say(list, t("Moved to place {n} of {total}.", { n: n, total: list.children.length }));
  }

  function toggle(button, open) {
    var box = document.getElementById(button.getAttribute("aria-controls"));
    if (!box) { return; }
    button.setAttribute("aria-expanded", open ? "true" : "false");
    box.hidden = !open;
  }

  function filter(chips, chosen, quiet) {
    var route = chosen.dataset.route;
    var settings = (chosen.dataset.routeSettings || "").split(" ");
    chips.querySelectorAll(".chip").forEach(function (chip) {
      chip.setAttribute("aria-pressed", chip === chosen ? "true" : "false");
    });
    var list = chips.closest(".adaptation").querySelector(".adapt-lines");
    list.querySelectorAll(":scope > li:not(.is-blank)").forEach(function (li) {
      var routes = (li.dataset.routes || "").split(" ");
      var where = (li.dataset.settings || "").split(" ");
      var fits = !route || (routes.indexOf(route) >= 0 && where.some(function (s) { return settings.indexOf(s) >= 0; }));
      li.hidden = !fits;
    });
    var shown = list.querySelectorAll(":scope > li:not(.is-blank):not([hidden])").length;
    if (quiet) { return; }
    say(list, route ? plural(shown, "{n} item for {route}.", "{n} items for {route}.",
      { route: chosen.textContent }) : t("All items."));
  }

  function moreRows(list) {
    var blanks = list.querySelectorAll(":scope > li.is-blank");
    if (!blanks.length) { return; }
    // All wait behind the button, so that a typical list and Save fit one screen.
    blanks.forEach(function (li) { li.hidden = true; });
    var add = document.createElement("button");
    add.type = "button";
    add.className = "button secondary add-line";
    add.textContent = list.dataset.addLabel || t("Add another item");
    // On a laptop it waits in the side column, beside Save (so the list keeps the
    // page's height); on a phone, after the list.
    var slot = (list.closest(".adaptation") || document).querySelector("[data-add-slot]");
    if (slot && window.matchMedia("(min-width: 64rem)").matches) { slot.appendChild(add); } else { list.after(add); }
    add.addEventListener("click", function () {
      var next = list.querySelector(":scope > li.is-blank[hidden]");
      if (!next) { return; }
      next.hidden = false;
      next.querySelector(".line-text").focus();
      if (!list.querySelector(":scope > li.is-blank[hidden]")) { add.remove(); }
    });
  }

  function draggable(list) {
    var dragged = null;
    list.querySelectorAll(":scope > li").forEach(function (li) {
      var line = li.querySelector(".line");
      line.setAttribute("draggable", "true");
      line.addEventListener("dragstart", function (evt) {
        if (evt.target.closest("input, select, textarea, button") && evt.target !== line) { evt.preventDefault(); return; }
        dragged = li;
        li.classList.add("is-dragged");
        evt.dataTransfer.effectAllowed = "move";
        evt.dataTransfer.setData("text/plain", "");
      });
      line.addEventListener("dragend", function () {
        li.classList.remove("is-dragged");
        dragged = null;
        renumber(list);
      });
      li.addEventListener("dragover", function (evt) {
        if (!dragged || dragged === li) { return; }
        evt.preventDefault();
        var box = li.getBoundingClientRect();
        list.insertBefore(dragged, evt.clientY < box.top + box.height / 2 ? li : li.nextElementSibling);
      });
    });
  }

  function enable(root) {
    root.querySelectorAll(".adapt-lines").forEach(function (list) {
      if (list.dataset.ready) { return; }
      list.dataset.ready = "1";
      var status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      status.setAttribute("data-adapt-status", "");
      list.parentNode.insertBefore(status, list);
      list.querySelectorAll(".line-move, .line-toggle").forEach(function (b) { b.hidden = false; });
      list.querySelectorAll("[data-details]").forEach(function (box) {
        if (!box.hasAttribute("data-open")) { box.hidden = true; }
      });
      list.addEventListener("click", function (evt) {
        var button = evt.target.closest("button");
        if (!button) { return; }
        if (button.classList.contains("line-move")) { move(button); }
        if (button.classList.contains("line-toggle")) { toggle(button, button.getAttribute("aria-expanded") !== "true"); }
      });
      var page = list.closest(".adaptation") || list.parentNode;
      var chips = page.querySelector("[data-route-chips]");
      if (chips) {
        chips.hidden = false;
        // The patient's route, chosen by the server: show its items from the start.
        var chosen = chips.querySelector('.chip[aria-pressed="true"]:not([data-route=""])');
        var note = page.querySelector("[data-route-note]");
        if (chosen) {
          filter(chips, chosen, true);
          if (note) { note.hidden = false; }
        }
        chips.addEventListener("click", function (evt) {
          var chip = evt.target.closest(".chip");
          if (!chip) { return; }
          filter(chips, chip);
          if (note) { note.hidden = true; }
        });
      }
      moreRows(list);
      draggable(list);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  document.addEventListener("htmx:load", function (evt) { if (evt.detail.elt.querySelectorAll) { enable(evt.detail.elt); } });
})();

// Right after a session (issue 18): Skip and Later need the server; offline, say so
// in the flow instead of doing nothing. An answer (Next) is kept by the outbox.
// The words come from the page (#after-offline's data-*), so they are translated.
(function () {
  "use strict";
  document.addEventListener("htmx:sendError", function (evt) {
    var elt = evt.detail.elt;
    if (!elt || !elt.closest || elt.hasAttribute("data-outbox")) { return; }
    var flow = elt.closest("#after-flow");
    var note = flow && flow.querySelector("#after-offline");
    if (!note) { return; }
    note.hidden = false;
    note.textContent = note.getAttribute("data-offline");
  });
  // An answer kept offline with Next: the empty box would look as if it was lost.
  // Put the box away and say plainly where the answer is and what comes next;
  // once the outbox has sent it, offer the next question (the patient moves on when
  // ready: nothing changes on screen by itself).
  document.addEventListener("outbox:kept", function (evt) {
    var form = evt.target;
    var flow = form && form.closest && form.closest("#after-flow");
    var note = flow && flow.querySelector("#after-offline");
    if (!note) { return; }
    flow.setAttribute("data-after-kept", form.elements.next ? form.elements.next.value : "");
    // The question stays as the heading; its box and buttons go.
    flow.querySelectorAll("#after-hint, #after-error, #after-answer, #after-autosave, " +
      ".writing-form .actions, .after-more, #after-skip-hint, #after-later-hint")
      .forEach(function (elt) { elt.hidden = true; });
    note.hidden = false;
    note.textContent = note.getAttribute("data-kept");
    note.setAttribute("tabindex", "-1");
    note.focus();
  });
  document.addEventListener("outbox:sent", function () {
    var flow = document.querySelector("#after-flow[data-after-kept]");
    var note = flow && flow.querySelector("#after-offline");
    if (!note || note.querySelector("a")) { return; }
    note.textContent = note.getAttribute("data-sent") + " ";
    var link = document.createElement("a");
    link.className = "button big";
    link.href = flow.getAttribute("data-after-kept") || window.location.pathname;
    link.textContent = note.getAttribute("data-next");
    note.appendChild(link);
  });
})();

// The check-in's day picker (issue 18): a check-in for a past day does not ask about
// "today". The server writes the words for the day it shows; this follows a change.
(function () {
  "use strict";
  function sync(select) {
    var past = select.value !== select.getAttribute("data-today");
    var form = select.form;
    if (!form) { return; }
    form.querySelectorAll("[data-question-past]").forEach(function (span) {
      span.textContent = span.getAttribute(past ? "data-question-past" : "data-question-today");
    });
  }
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select && select.name === "for_day" && select.form) { sync(select); }
  });
})();
