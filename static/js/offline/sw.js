// Field mode's service worker, served at /sw.js after a line setting self.FIELD_CONFIG
// (the cache version and the files to keep; see coresponse/offline/assets.py).
//
// It keeps only the field mode shell pages (which hold no person's data) and static
// files. It never answers for /api/ or for any other page: those go to the network as
// if there were no worker, and nothing with personal data is cached here.

const CONFIG = self.FIELD_CONFIG;
const PREFIX = 'coresponse-field-';
const CACHE = PREFIX + CONFIG.version;
const SHELLS = new Set(CONFIG.shells);
const ASSETS = new Set([...CONFIG.assets, CONFIG.manifest]);
// On a weak signal the kept shell is shown rather than waiting on the network forever.
const NETWORK_TIMEOUT_MS = 5000;
const MATCH = { ignoreSearch: true, ignoreVary: true };

async function keepShell(cache, path) {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  // A redirect (to the login page) or a refusal is never kept in place of the shell.
  if (response.ok && !response.redirected && response.type === 'basic') {
    await cache.put(path, response);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...ASSETS].map((url) => new Request(url, { cache: 'no-cache' })));
      await Promise.all([...SHELLS].map((path) => keepShell(cache, path)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

async function shell(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await Promise.race([fetch(request), timeout(NETWORK_TIMEOUT_MS)]);
    if (response.ok && !response.redirected && response.type === 'basic') {
      await cache.put(path, response.clone());
    }
    // Anything else (the login page's redirect, a 403) is the server's answer: shown as is.
    return response;
  } catch (error) {
    const kept = await cache.match(path, MATCH);
    if (kept) return kept;
    throw error;
  }
}

async function asset(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path, MATCH);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(path, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The API is never answered from here (and never cached): the page handles being offline.
  if (url.pathname.startsWith('/api/')) return;
  if (SHELLS.has(url.pathname) && request.mode === 'navigate') {
    event.respondWith(shell(request, url.pathname));
  } else if (ASSETS.has(url.pathname)) {
    event.respondWith(asset(request, url.pathname));
  }
});
