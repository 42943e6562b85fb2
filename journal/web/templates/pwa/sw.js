// Fresh Tracks service worker, version {{ version }}.
// Caches only versioned static files and the offline page. Pages are fetched from
// the network every time and never stored: authenticated HTML may hold health data.
"use strict";

const VERSION = {{ version | tojson }};
const CACHE = "fresh-tracks-static-" + VERSION;
const PRECACHE = {{ precache | tojson }};
const OFFLINE_URL = {{ offline_url | tojson }};
const TOKEN_URL = {{ token_url | tojson }};
const HOME_URL = {{ home_url | tojson }};
const SYNC_TAG = "fresh-tracks-outbox";

importScripts({{ core_url | tojson }});

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "default" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name !== CACHE).map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

function isVersionedStatic(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/static/")
    && url.searchParams.has("v");
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // writes always go to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    // Network first; the offline page only when the network fails. The response is
    // handed to the page and never stored.
    event.respondWith(
      fetch(request).catch(() => caches.match(OFFLINE_URL).then((hit) => hit || Response.error()))
    );
    return;
  }
  if (isVersionedStatic(url)) {
    // A hashed URL never changes content: cache first, and keep what was fetched.
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(request).then((hit) => hit
        || fetch(request).then((response) => {
          if (response.ok && response.type === "basic") cache.put(request, response.clone());
          return response;
        })))
    );
  }
  // Anything else (fragments, JSON, unversioned files) goes to the network as usual.
});

async function flushOutbox() {
  const result = await self.FTOutbox.flush(TOKEN_URL);
  const clients = await self.clients.matchAll({ type: "window" });
  clients.forEach((client) => client.postMessage({ type: "outbox-flushed", result }));
  if (result.state === "offline" || result.state === "error") {
    throw new Error("outbox not sent yet");  // Background Sync tries again later
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(flushOutbox());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "flush-outbox") event.waitUntil(flushOutbox().catch(() => {}));
});

// Reminders: the payload is generic on purpose and never names anything personal.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Fresh Tracks", {
    body: data.body || "Something is waiting for you in Fresh Tracks",
    icon: PRECACHE.find((u) => u.includes("icon-192")),
    badge: PRECACHE.find((u) => u.includes("icon-maskable-192")),
    tag: "fresh-tracks-reminder",
    data: { url: data.url || HOME_URL },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || HOME_URL,
    self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then((clients) => {
      const open = clients.find((c) => new URL(c.url).origin === target.origin);
      if (open) return open.focus().then((c) => c.navigate(target.href));
      return self.clients.openWindow(target.href);
    }));
});
