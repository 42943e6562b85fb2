// The installable app in the page: registers the service worker, keeps forms that
// were sent offline in the outbox (outbox-core.js), shows the outbox banner, sends
// what waits when the connection returns, and wipes it all at logout.
(function () {
  "use strict";

  var script = document.currentScript;
  var config = {
    sw: script.getAttribute("data-sw"),
    scope: script.getAttribute("data-scope") || "/",
    token: script.getAttribute("data-token"),
  };
  var Outbox = window.FTOutbox;
  var SYNC_TAG = "fresh-tracks-outbox";
  var lastMessage = "";

  var t = window.FTWords;  // words.js

  if ("serviceWorker" in navigator && config.sw) {
    navigator.serviceWorker.register(config.sw, { scope: config.scope }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-flushed") { report(event.data.result); }
    });
  }
  if (!Outbox || !window.indexedDB || !window.crypto || !window.crypto.subtle) { return; }

  function banner() { return document.getElementById("outbox"); }

  var plural = window.FTPlural;

  var KINDS = {
    "journal.entry": "Journal entry",
    "mood.check_in": "Check-in",
    "integration.prompt_answer": "Prompt answer",
    "mood.measure": "Questionnaire",
  };

  // Why the server refused an item, by its HTTP status (outbox-core.js marks it).
  function refusal(status) {
    if (status === 409) {
      return t("it can no longer be saved where it was written (its session was cancelled,"
        + " or a newer answer was saved since).");
    }
    if (status === 404) { return t("what it belongs to is no longer there."); }
    return t("the server could not take it as it is.");
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Today's date (YYYY-MM-DD) in the user's time zone, or the device's if none is given.
  function today(zone) {
    var now = new Date();
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit",
      }).formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
      if (parts.year && parts.month && parts.day) {
        return parts.year + "-" + parts.month + "-" + parts.day;
      }
    } catch (e) { /* an unknown zone: the device's own day */ }
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function when(ms) {
    try {
      // In the page's language and on a 24-hour clock, as the server writes times.
      return new Date(ms).toLocaleString(document.documentElement.lang || [], {
        weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      });
    } catch (e) { return ""; }
  }

  function button(label, action, id) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary";
    b.textContent = label;
    b.setAttribute("data-outbox-action", action);
    b.setAttribute("data-outbox-id", id);
    return b;
  }

  // Draw the banner from what is stored; `message` is announced in its live region.
  function render(message) {
    if (message !== undefined) { lastMessage = message; }
    var box = banner();
    if (!box) { return Promise.resolve(); }
    return Outbox.list().then(function (items) {
      var list = box.querySelector("#outbox-items");
      list.textContent = "";
      var waiting = 0;
      items.forEach(function (item) {
        var li = document.createElement("li");
        var label = document.createElement("span");
        var kind = t(KINDS[item.kind] || "Something you wrote");
        if (item.state === "rejected") {
          label.textContent = t("{kind} from {when}: {why} Show it to copy the text, then discard it.",
            { kind: kind, when: when(item.createdAt), why: refusal(item.status) });
          li.appendChild(label);
          li.appendChild(button(t("Show"), "show", item.id));
          li.appendChild(button(t("Discard"), "discard", item.id));
        } else {
          waiting += 1;
          label.textContent = t("{kind}, written {when}", { kind: kind, when: when(item.createdAt) });
          li.appendChild(label);
        }
        list.appendChild(li);
      });
      var status = box.querySelector("#outbox-status");
      var summary = waiting
        ? plural(waiting,
          "{n} item is kept on this device, encrypted, and will be sent when you are online.",
          "{n} items are kept on this device, encrypted, and will be sent when you are online.")
        : "";
      var text = [lastMessage, summary].filter(Boolean).join(" ");
      if (status.textContent !== text) { status.textContent = text; }
      box.querySelector("#outbox-send").hidden = !(waiting && navigator.onLine);
      // The heading says what is true (issue 18): "Waiting to be sent" only while
      // something waits; "Not sent" for what the server refused; else "Sent".
      var title = box.querySelector("#outbox-title");
      var heading = t(waiting ? "Waiting to be sent" : (items.length ? "Not sent" : "Sent"));
      if (title && title.textContent !== heading) { title.textContent = heading; }
      box.hidden = !items.length && !lastMessage;
    }).catch(function () {});
  }

  // Say what a flush did; a flush with nothing to say keeps the last message.
  function report(result) {
    if (!result) { return render(); }
    var message = "";
    if (result.sent) {
      message = plural(result.sent, "{n} item was sent and saved.", "{n} items were sent and saved.");
      document.dispatchEvent(new CustomEvent("outbox:sent", { detail: { sent: result.sent } }));
    }
    if (result.state === "ended") {
      message += " " + t("You were signed out, so anything still waiting was deleted from this device.");
    }
    return render(message ? message.trim() : undefined);
  }

  var flushing = null;
  function flush() {
    if (!navigator.onLine || !config.token) { return render(); }
    if (!flushing) {
      flushing = Outbox.flush(config.token)
        .then(report, function () { return render(); })
        .then(function () { flushing = null; });
    }
    return flushing;
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.sync && reg.sync.register(SYNC_TAG);
    }).catch(function () {});
  }

  function fieldsOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { fields[name] = value; }
    });
    return fields;
  }

  // The first question marked data-outbox-required="NAME" that has no answer.
  function unanswered(form, fields) {
    var required = form.querySelectorAll("[data-outbox-required]");
    for (var i = 0; i < required.length; i++) {
      if (!String(fields[required[i].getAttribute("data-outbox-required")] || "").trim()) {
        return required[i];
      }
    }
    return null;
  }

  function keep(form) {
    // A form that belongs to a day (a check-in) keeps the day it was written.
    var days = form.querySelectorAll("input[data-outbox-day]");
    Array.prototype.forEach.call(days, function (input) {
      if (!input.value) { input.value = today(input.getAttribute("data-outbox-day")); }
    });
    var fields = fieldsOf(form);
    Array.prototype.forEach.call(days, function (input) { input.value = ""; });
    // The button the kept form stands for (a questionnaire kept offline is its finish):
    // FormData never holds the button that was pressed.
    var pressed = form.getAttribute("data-outbox-field");
    if (pressed && pressed.indexOf("=") > 0) {
      fields[pressed.slice(0, pressed.indexOf("="))] = pressed.slice(pressed.indexOf("=") + 1);
    }
    // The text a form cannot be kept without: an entry's body, a prompt's answer.
    var text = form.elements.body || form.elements.answer;
    if (text && !String(fields[text.name] || "").trim()) {
      text.focus();
      return render(t("Write something before saving."));
    }
    var missing = unanswered(form, fields);
    if (missing) {
      var first = missing.querySelector("input, select, textarea");
      if (first) { first.focus(); }
      return render(t("Answer the questions not marked optional before saving."));
    }
    return Outbox.add(form.getAttribute("data-outbox"), form.action, fields).then(function () {
      ["title", "body", "answer"].forEach(function (name) { if (form.elements[name]) { form.elements[name].value = ""; } });
      var key = form.elements.idempotency_key;
      if (key) { key.value = ""; }  // the next text gets a new key when it is kept
      if (key && window.crypto.randomUUID) { key.value = window.crypto.randomUUID(); }
      askForSync();
      // Pages that move on once an answer is kept (the right-after flow) listen.
      form.dispatchEvent(new CustomEvent("outbox:kept", { bubbles: true }));
      return render(t("Saved on this device.")).then(function () {
        var box = banner();
        if (box) { box.scrollIntoView({ block: "nearest" }); }
        if (navigator.onLine) { return flush(); }
      });
    }, function (error) {
      if (error && error.message === Outbox.NoOwner) {
        return render(t("This device cannot keep entries yet: log in once while online."));
      }
      return render(t("This browser could not keep the entry. Copy your text somewhere safe."));
    });
  }

  // Capture phase: runs before htmx's own submit handler, so an offline submit is
  // kept instead of being sent into the void.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-outbox-wipe")) {
      event.preventDefault();
      // Issue 18: logging out with words typed and not saved asks first.
      if (form.hasAttribute("data-confirm-unsaved") && hasUnsavedText(form) &&
          !window.confirm(t("Some text on this page is not saved. Log out anyway?"))) { return; }
      logout(form);
      return;
    }
    if (!form.hasAttribute("data-outbox")) { return; }
    if (form.hasAttribute("data-outbox-always") || navigator.onLine === false) {
      event.preventDefault();
      event.stopImmediatePropagation();
      keep(form);
    }
  }, true);

  // The request failed on the way (the connection dropped, or the answer was lost
  // after the server got it): keep it. Its idempotency key makes a repeat harmless.
  document.addEventListener("htmx:sendError", function (event) {
    // Only the form's own submission: a failed autosave from a field inside it is not
    // a finished entry.
    var form = event.detail.elt;
    if (form && form.matches && form.matches("form[data-outbox]")) { keep(form); }
  });

  // Any htmx request the server answers with 401 (the session is over): wipe the
  // outbox before following the server to the login page.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 401) { return; }
    event.preventDefault();
    var target = xhr.getResponseHeader("HX-Redirect") || "/login";
    Outbox.wipe().then(function () { window.location.href = target; },
      function () { window.location.href = target; });
  });

  // Text typed into a form other than `except` that differs from what the page loaded.
  function hasUnsavedText(except) {
    var fields = document.querySelectorAll("form textarea, form input[type=text], form input:not([type])");
    return Array.prototype.some.call(fields, function (field) {
      return field.form !== except && field.value.trim() !== "" && field.value !== field.defaultValue;
    });
  }

  // The server answered but could not take it now (503 while its database restarts,
  // or another 5xx): keep it too. It is sent again later with the same idempotency
  // key, so a write the server did save is not made twice.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 500 && form && form.matches && form.matches("form[data-outbox]")) { keep(form); }
  });

  function logout(form) {
    Outbox.list().then(function (items) {
      var waiting = items.length;
      if (waiting && !window.confirm(
        plural(waiting,
          "{n} item has not been sent yet and will be deleted from this device. Log out anyway?",
          "{n} items have not been sent yet and will be deleted from this device. Log out anyway?")
      )) { return; }
      return Outbox.wipe().then(function () { form.submit(); });
    }, function () { form.submit(); });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target) { return; }
    if (target.id === "outbox-send") { flush(); return; }
    var action = target.getAttribute("data-outbox-action");
    var id = target.getAttribute("data-outbox-id");
    if (action === "discard") {
      Outbox.discard(id).then(function () { render(t("Discarded.")); });
    } else if (action === "show") {
      Outbox.read(id).then(function (fields) {
        var pre = document.createElement("p");
        pre.className = "outbox-text";
        var scores = fields.mood
          ? t("Mood {mood} of 5, anxiety {anxiety} of 5", { mood: fields.mood, anxiety: fields.anxiety || "?" })
          : "";
        pre.textContent = [fields.title, fields.body, fields.answer, scores, fields.note].filter(Boolean).join("\n\n");
        target.parentNode.appendChild(pre);
        target.remove();
      });
    }
  });

  // -- reminders: subscribe this device to Web Push (settings page) ---------------

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("data-hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function serverKey(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function pushBox() { return document.querySelector("[data-push]"); }

  function pushStatus(text) {
    var box = pushBox();
    var status = box && box.querySelector("#push-status");
    if (status) { status.textContent = text; }
  }

  function pushState() {
    var box = pushBox();
    if (!box) { return; }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      pushStatus(t("This browser cannot receive reminders. On an iPhone, add Fresh Tracks to the Home Screen first."));
      return;
    }
    navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        box.querySelector("#push-on").hidden = !!sub;
        box.querySelector("#push-off").hidden = !sub;
      }).catch(function () {});
  }

  function postJson(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data),
    }).then(function (res) { if (!res.ok) { throw new Error(String(res.status)); } });
  }

  function pushOn() {
    var box = pushBox();
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        pushStatus(t("Notifications are blocked for this site. Allow them in the browser's site settings, then try again."));
        return;
      }
      return navigator.serviceWorker.ready.then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: serverKey(box.getAttribute("data-vapid-key")),
        });
      }).then(function (sub) {
        return postJson(box.getAttribute("data-subscribe-url"), sub.toJSON());
      }).then(function () {
        pushStatus(t("This device will receive reminders."));
        pushState();
      });
    }).catch(function () {
      pushStatus(t("Reminders could not be turned on for this device. Try again later."));
    });
  }

  function pushOff() {
    var box = pushBox();
    navigator.serviceWorker.ready.then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) { return; }
        return postJson(box.getAttribute("data-unsubscribe-url"), { endpoint: sub.endpoint })
          .then(function () { return sub.unsubscribe(); });
      }).then(function () {
        pushStatus(t("This device no longer receives reminders."));
        pushState();
      }).catch(function () {
        pushStatus(t("Reminders could not be turned off. Try again later."));
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (target && target.id === "push-on") { pushOn(); }
    if (target && target.id === "push-off") { pushOff(); }
  });
  document.addEventListener("htmx:afterSettle", function () { pushState(); });

  // Read the banner's instructions (whose page this is, or "just logged out"). Runs
  // on every full load and after every boosted page change, since a boosted login
  // or navigation brings a new banner without a new page load.
  function adopt() {
    var box = banner();
    if (box && box.hasAttribute("data-wipe")) {
      Outbox.wipe().then(function () { render(); });
      return;
    }
    var owner = box ? box.getAttribute("data-owner") : "";
    var ready = owner ? Outbox.setOwner(owner) : Promise.resolve();
    ready.then(function () { return Outbox.owner(); }).then(function (known) {
      var note = document.getElementById("offline-writer-note");
      if (note && !known) {
        note.textContent = t("To write while offline, log in once while you have a connection.");
        note.hidden = false;
      }
    }).catch(function () {});
    ready.then(function () { return owner ? flush() : render(); });
    ready.then(function () { return owner ? keepPlanCopy() : showPlanCopy(); }).catch(function () {});
  }

  // The safety plan, readable offline once opened: the Get help page keeps what it
  // shows (sealed, as an outbox copy); the offline page shows it again.
  function keepPlanCopy() {
    var plan = document.querySelector("[data-plan-copy]");
    if (!plan) { return Promise.resolve(); }
    if (plan.getAttribute("data-plan-copy") === "none") { return Outbox.keepCopy("safety-plan", null); }
    var steps = [];
    plan.querySelectorAll("dt").forEach(function (dt) {
      var dd = dt.nextElementSibling;
      var pieces = [];
      Array.prototype.forEach.call(dd ? dd.childNodes : [], function (node) {
        pieces.push([node.textContent, node.nodeName === "A" ? node.getAttribute("href") : null]);
      });
      steps.push({ title: dt.textContent, pieces: pieces });
    });
    return Outbox.keepCopy("safety-plan", { steps: steps });
  }

  function showPlanCopy() {
    var box = document.getElementById("offline-plan");
    if (!box) { return Promise.resolve(); }
    return Outbox.readCopy("safety-plan").then(function (copy) {
      if (!copy || !copy.steps || !copy.steps.length) { return; }
      var list = box.querySelector("dl");
      list.textContent = "";
      copy.steps.forEach(function (step) {
        var dt = document.createElement("dt");
        dt.textContent = step.title;
        var dd = document.createElement("dd");
        dd.className = "plan-text";
        (step.pieces || []).forEach(function (piece) {
          var href = piece[1];
          if (href && /^tel:\+?[0-9]+$/.test(href)) {
            var a = document.createElement("a");
            a.className = "plan-phone";
            a.href = href;
            a.textContent = piece[0];
            dd.appendChild(a);
          } else {
            dd.appendChild(document.createTextNode(piece[0]));
          }
        });
        list.appendChild(dt);
        list.appendChild(dd);
      });
      box.hidden = false;
    });
  }

  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", function () { render(); });
  // The offline page stands in for whatever page could not be reached: put the form
  // for that page first (the "Check in" shortcut opened offline shows the check-in).
  function offlineFirst() {
    var forms = document.querySelector(".offline-forms");
    if (!forms) { return; }
    Array.prototype.forEach.call(forms.querySelectorAll("[data-offline-for]"), function (section) {
      if (location.pathname.indexOf(section.getAttribute("data-offline-for")) === 0) {
        forms.insertBefore(section, forms.firstElementChild);
      }
    });
  }

  function start() {
    offlineFirst();
    pushState();
    adopt();
  }

  // A boosted page change replaces the banner: read it and draw it again.
  document.addEventListener("htmx:afterSettle", function (event) {
    // "1 item was sent and saved" is news once: the next page no longer says it.
    if (event.detail.boosted) { lastMessage = ""; adopt(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
