// The counter page's service worker: the page opens without a connection once it was
// opened online (network first, the last copy otherwise), and its static files come
// from the cache. Scans and sync never go through here: offline_counter.js decides.
const CACHE = "comptoir-counter-v1";
const PAGE = "{{ page_path|escapejs }}";
const STATIC = "{{ static_prefix|escapejs }}";
// Days as the counter's clock counts them.
const DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "{{ time_zone|escapejs }}", year: "numeric", month: "2-digit", day: "2-digit",
});

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// The network's page, unless it does not come within NAVIGATION_WAIT_MS or the server
// fails (a proxy's 502): then the copy kept today, if any.
const NAVIGATION_WAIT_MS = 4000;

async function pageFirstFromNetwork(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request);
  network.catch(() => undefined); // its failure is handled below, or is the answer
  try {
    const response = await Promise.race([
      network,
      new Promise((_, reject) => setTimeout(() => reject(new Error("slow")), NAVIGATION_WAIT_MS)),
    ]);
    if (response.status < 500) {
      // A login page after a redirect is not the counter: never keep it in its place.
      if (response.ok && !response.redirected) await cache.put(PAGE, response.clone());
      return response;
    }
  } catch (error) {
    // No network, or too slow: the copy below.
  }
  const kept = await cache.match(PAGE, { ignoreVary: true });
  if (kept && sameDay(kept)) return kept;
  // Yesterday's page holds yesterday's first names: not shown again.
  if (kept) await cache.delete(PAGE, { ignoreVary: true });
  return network;
}

function sameDay(response) {
  return DAY.format(new Date(response.headers.get("Date") || 0)) === DAY.format(new Date());
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
