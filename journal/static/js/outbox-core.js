// The outbox: things written offline, kept on this device until the server has them.
// Shared by the pages (pwa.js) and the service worker (Background Sync), so it uses
// nothing but IndexedDB, WebCrypto and fetch.
//
// Each item is encrypted with AES-GCM under one key that never leaves the browser:
// it is made non-extractable and kept in IndexedDB as a CryptoKey, so script can use
// it but not read it, and the stored items are not readable text. Each item carries
// its idempotency key (also its id), so sending it twice still makes one record; it
// is deleted only after the server answered 2xx. A logout deletes everything, and so
// does any answer saying the session is over (401).
(function (global) {
  "use strict";

  var DB_NAME = "fresh-tracks-outbox";
  var DB_VERSION = 1;
  var LOCK = "fresh-tracks-outbox";
  var dbPromise = null;

  function request(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function openDb() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      var r = global.indexedDB.open(DB_NAME, DB_VERSION);
      r.onupgradeneeded = function () {
        r.result.createObjectStore("items", { keyPath: "id" });
        r.result.createObjectStore("meta");
      };
      r.onsuccess = function () {
        var db = r.result;
        // Another tab or the worker wants to delete the database (a logout): let it.
        db.onversionchange = function () { db.close(); dbPromise = null; };
        db.onclose = function () { dbPromise = null; };
        resolve(db);
      };
      r.onerror = function () { dbPromise = null; reject(r.error); };
    });
    return dbPromise;
  }

  function run(storeName, mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(storeName, mode);
        var result;
        request(action(t.objectStore(storeName))).then(function (v) { result = v; }, reject);
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }

  function getMeta(name) { return run("meta", "readonly", function (s) { return s.get(name); }); }
  function setMeta(name, value) {
    return run("meta", "readwrite", function (s) { return s.put(value, name); });
  }

  function deviceKey() {
    return getMeta("key").then(function (key) {
      if (key) { return key; }
      return global.crypto.subtle
        .generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
        .then(function (fresh) {
          // `add`, not `put`: if another tab made a key meanwhile, keep that one.
          return run("meta", "readwrite", function (s) { return s.add(fresh, "key"); })
            .then(function () { return fresh; }, function () { return getMeta("key"); });
        });
    });
  }

  var encoder = new TextEncoder();
  var decoder = new TextDecoder();

  function associated(item) {
    // Binds the ciphertext to its item, so it cannot be moved to another one.
    return encoder.encode(item.id + "\n" + item.kind + "\n" + item.action + "\n" + item.owner);
  }

  function seal(item, fields) {
    return deviceKey().then(function (key) {
      var iv = global.crypto.getRandomValues(new Uint8Array(12));
      var data = encoder.encode(JSON.stringify(fields));
      return global.crypto.subtle
        .encrypt({ name: "AES-GCM", iv: iv, additionalData: associated(item) }, key, data)
        .then(function (sealed) { item.iv = iv; item.sealed = sealed; return item; });
    });
  }

  function open(item) {
    return deviceKey().then(function (key) {
      return global.crypto.subtle.decrypt(
        { name: "AES-GCM", iv: item.iv, additionalData: associated(item) }, key, item.sealed
      );
    }).then(function (plain) { return JSON.parse(decoder.decode(plain)); });
  }

  function newId() {
    if (global.crypto.randomUUID) { return global.crypto.randomUUID(); }
    var b = global.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function list() {
    return run("items", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }

  function remove(id) { return run("items", "readwrite", function (s) { return s.delete(id); }); }

  // Serialise flushes across tabs and the worker where the browser can; the server's
  // idempotency keys make an overlap harmless where it cannot.
  function exclusive(task) {
    var locks = global.navigator && global.navigator.locks;
    if (locks && locks.request) { return locks.request(LOCK, task); }
    return task();
  }

  var Outbox = {
    NoOwner: "no-owner",

    // Remember whose items this device may hold (an opaque tag from the server).
    setOwner: function (owner) { return setMeta("owner", owner); },
    owner: function () { return getMeta("owner"); },

    // Keep a form's fields to send later. `fields.idempotency_key`, if given, is used
    // as the item's id, so a send that already reached the server is not repeated.
    add: function (kind, action, fields) {
      return getMeta("owner").then(function (owner) {
        if (!owner) { throw new Error(Outbox.NoOwner); }
        var id = fields.idempotency_key || newId();
        var copy = Object.assign({}, fields, { idempotency_key: id });
        delete copy.csrf_token;
        var item = { id: id, kind: kind, action: action, owner: owner,
                     createdAt: Date.now(), state: "waiting", status: 0 };
        return seal(item, copy).then(function (sealed) {
          return run("items", "readwrite", function (s) { return s.put(sealed); });
        }).then(function () { return id; });
      });
    },

    // A copy of something the person may need to read offline (their safety plan):
    // sealed like an item, under the same key and owner, kept beside the items, never
    // sent, deleted at logout with everything else. `fields` null deletes it.
    keepCopy: function (name, fields) {
      if (fields === null) {
        return run("meta", "readwrite", function (s) { return s.delete("copy:" + name); });
      }
      return getMeta("owner").then(function (owner) {
        if (!owner) { throw new Error(Outbox.NoOwner); }
        var item = { id: "copy:" + name, kind: "copy", action: name, owner: owner };
        return seal(item, fields).then(function (sealed) { return setMeta("copy:" + name, sealed); });
      });
    },
    // The copy, or null: none kept, or kept under another login on this device.
    readCopy: function (name) {
      return Promise.all([getMeta("copy:" + name), getMeta("owner")]).then(function (found) {
        var item = found[0];
        if (!item || !found[1] || item.owner !== found[1]) { return null; }
        return open(item);
      });
    },

    list: list,
    read: function (id) {
      return run("items", "readonly", function (s) { return s.get(id); }).then(open);
    },
    discard: remove,

    // Send everything waiting. Resolves to {state, sent, left}: state is "done",
    // "offline", "ended" (the session is over: everything was wiped) or "error"
    // (try later).
    flush: function (tokenUrl) {
      return exclusive(function () {
        return list().then(function (items) {
          if (!items.length) { return { state: "done", sent: 0 }; }
          return sendAll(tokenUrl, items);
        });
      }).then(function (result) {
        return list().then(function (left) {
          result.left = left.filter(function (i) { return i.state === "waiting"; }).length;
          return result;
        });
      });
    },

    // Delete the items, the key and the database (logout).
    wipe: function () {
      var cleared = openDb().then(function (db) {
        return new Promise(function (resolve) {
          var t = db.transaction(["items", "meta"], "readwrite");
          t.objectStore("items").clear();
          t.objectStore("meta").clear();
          t.oncomplete = t.onerror = t.onabort = function () { resolve(); };
        }).then(function () { db.close(); dbPromise = null; });
      }).catch(function () { dbPromise = null; });
      return cleared.then(function () {
        return new Promise(function (resolve) {
          var r = global.indexedDB.deleteDatabase(DB_NAME);
          r.onsuccess = r.onerror = function () { resolve(); };
          // Blocked by a connection that has not closed yet: the stores are empty
          // already, and the deletion completes when it closes.
          r.onblocked = function () { setTimeout(resolve, 200); };
        });
      });
    },
  };

  // The server says this device's session is over (idle or absolute expiry, signed
  // out elsewhere, password changed): whoever holds the device now may not be the
  // person who wrote, so the items and their key go, as at a tapped logout.
  function sessionOver(sent) {
    return Outbox.wipe().then(function () { return { state: "ended", sent: sent }; });
  }

  function sendAll(tokenUrl, items) {
    var ajax = { "HX-Request": "true", "Accept": "application/json" };
    return global.fetch(tokenUrl, { credentials: "same-origin", cache: "no-store", headers: ajax })
      .then(function (res) {
        if (res.status === 401) { return sessionOver(0); }
        if (!res.ok) { return { state: "error", sent: 0 }; }
        return res.json().then(function (token) {
          return setMeta("owner", token.owner).then(function () {
            return sendEach(items, token, 0, 0);
          });
        });
      }, function () { return { state: "offline", sent: 0 }; });
  }

  function sendEach(items, token, index, sent) {
    if (index >= items.length) { return Promise.resolve({ state: "done", sent: sent }); }
    var item = items[index];
    var next = function (n) { return sendEach(items, token, index + 1, n); };
    if (item.owner !== token.owner) {
      // Written under another login on this device: never sent as someone else.
      return remove(item.id).then(function () { return next(sent); });
    }
    if (item.state !== "waiting") { return next(sent); }
    return open(item).then(function (fields) {
      var body = new URLSearchParams(fields);
      body.set("csrf_token", token.csrf_token);
      return global.fetch(item.action, {
        method: "POST", body: body, credentials: "same-origin", cache: "no-store",
        headers: { "X-CSRFToken": token.csrf_token, "HX-Request": "true" },
      }).then(function (res) {
        if (res.ok) { return remove(item.id).then(function () { return next(sent + 1); }); }
        if (res.status === 401) { return sessionOver(sent); }
        // The server will never take this one as it is (too long, empty, gone, or
        // no longer possible: a prompt of a session cancelled since): keep it,
        // marked, so the person can copy it out or discard it.
        if (res.status === 404 || res.status === 409 || res.status === 413 || res.status === 422) {
          item.state = "rejected";
          item.status = res.status;
          return run("items", "readwrite", function (s) { return s.put(item); })
            .then(function () { return next(sent); });
        }
        return { state: "error", sent: sent };  // 400 (token), 429, 5xx: try later
      }, function () { return { state: "offline", sent: sent }; });
    }, function () {
      // Cannot be opened (its key is gone): it can never be sent or read.
      return remove(item.id).then(function () { return next(sent); });
    });
  }

  global.FTOutbox = Outbox;
})(self);
