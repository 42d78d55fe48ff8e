/* Offline scanner: keeps the page and its scripts; the API is never cached (the page keeps its
   bundle and queue in IndexedDB). Network first, cache when offline, when the server fails (5xx)
   or when the network does not answer within a few seconds (a door's weak Wi-Fi). The page is
   kept under its path alone: /checkin/scan/?list=N is served from the copy of /checkin/scan/. */
const CACHE = "checkin-v{{ version }}";
const FILES = {{ files_json|safe }};
const NETWORK_WAIT = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("checkin-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function fromNetwork(request, path) {
  return fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(path, copy));
    }
    return response;
  });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) {
    return;
  }
  const network = fromNetwork(event.request, url.pathname);
  event.waitUntil(network.catch(() => null)); // a slow answer still refreshes the cache
  const slow = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT));
  event.respondWith((async () => {
    const response = await Promise.race([network.catch(() => null), slow.then(() => null)]);
    if (response && response.status < 500) return response;
    const cached = await caches.match(url.pathname);
    if (cached) return cached;
    return response || network; // nothing cached yet: wait for the network after all
  })());
});
