// The counter page's service worker: the page opens without a connection once it was
// opened online (network first, the last copy otherwise), and its static files come
// from the cache. Scans and sync never go through here: offline_counter.js decides.
const CACHE = "comptoir-counter-v1";
const PAGE = "{{ page_path|escapejs }}";
const STATIC = "{{ static_prefix|escapejs }}";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function pageFirstFromNetwork(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // A login page after a redirect is not the counter: never keep it in its place.
    if (response.ok && !response.redirected) await cache.put(PAGE, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(PAGE);
    if (kept) return kept;
    throw error;
  }
}

// The kept copy at once, refreshed behind it for the next time (a new release's files).
async function staticFromCache(event) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(event.request);
  const fresh = fetch(event.request).then(async (response) => {
    if (response.ok) await cache.put(event.request, response.clone());
    return response;
  });
  event.waitUntil(fresh.catch(() => undefined));
  return kept || fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(pageFirstFromNetwork(request));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(staticFromCache(event));
  }
});
