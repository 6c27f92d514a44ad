/* The finder offline: keeps one whole copy of the public directory for when the network drops.
 *
 * Served by /sw.js, which puts `OFFLINE` ({version, taken_on, manifest}) in front of this file. A new
 * version is copied whole into a cache of its own while the old one keeps serving; only once
 * every address is in does the new worker take over and delete the old cache. A copy that
 * fails half-way is deleted, and the old one stays.
 *
 * Only the public pages and files the manifest lists are ever stored, fetched without cookies.
 * Everything else (sign-in, accounts, providers' pages, review, imports, referrals, admin, the
 * API) is left to the network: this worker does not answer for it at all.
 */
'use strict';

const CACHE_PREFIX = 'offline-finder-';
const CACHE = CACHE_PREFIX + OFFLINE.version;
const KEPT = [
  /^\/$/,
  /^\/find$/,
  /^\/boroughs$/,
  /^\/boroughs\/E09\d{6}$/,
  /^\/services\/[a-z0-9-]+$/,
  /^\/offline\/(snapshot|postcodes)\.json$/,
  /^\/static\/(?!js\/offline-(off-)?worker\.js$)[A-Za-z0-9_./-]+$/,
];
const SEARCH_IGNORED = [/^\/find$/, /^\/static\//];
const AT_ONCE = 4;
const PAGE_PATIENCE_MS = 8000;

function kept(path) {
  return KEPT.some((pattern) => pattern.test(path));
}

async function fetchWhole(url) {
  const response = await fetch(url, { cache: 'no-store', credentials: 'omit', redirect: 'error' });
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status}`);
  }
  return response;
}

async function copyDirectory() {
  const manifest = await (await fetchWhole(OFFLINE.manifest)).json();
  if (manifest.version !== OFFLINE.version) {
    throw new Error('The directory changed while it was being copied.');
  }
  const urls = [...manifest.pages, ...manifest.data, ...manifest.assets];
  const refused = urls.filter((url) => !kept(new URL(url, self.location.origin).pathname));
  if (refused.length) {
    throw new Error(`Not kept offline: ${refused.join(', ')}`);
  }
  await caches.delete(CACHE);
  const cache = await caches.open(CACHE);
  try {
    let next = 0;
    const work = async () => {
      while (next < urls.length) {
        const url = urls[next++];
        const response = await fetchWhole(url);
        if (url.endsWith('/snapshot.json')) {
          const copy = await response.clone().json();
          if (copy.version !== OFFLINE.version) {
            throw new Error('The directory changed while it was being copied.');
          }
        }
        await cache.put(url, response);
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, work));
  } catch (error) {
    await caches.delete(CACHE);
    throw error;
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(copyDirectory().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name !== CACHE).map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];

function describe(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/* A page from the copy says so at its top: what it shows is as of the day the copy was taken. */
async function markedAsCopy(copy) {
  const banner = '<aside class="offline-banner" aria-label="Offline copy"><p><strong>Offline: '
    + `directory as of ${describe(OFFLINE.taken_on)}.</strong> This page is the copy kept on this `
    + 'device: services, statuses and contacts may have changed since. Check with the service, '
    + 'and search again when back online.</p></aside>';
  const html = (await copy.text()).replace(/<body[^>]*>/, (tag) => tag + banner);
  const headers = new Headers(copy.headers);
  headers.delete('Content-Length');
  return new Response(html, { status: copy.status, statusText: copy.statusText, headers });
}

async function keptCopy(request, path) {
  const cache = await caches.open(CACHE);
  const ignoreSearch = SEARCH_IGNORED.some((pattern) => pattern.test(path));
  const copy = await cache.match(ignoreSearch ? path : request, { ignoreSearch });
  if (copy && request.mode === 'navigate') {
    return markedAsCopy(copy);
  }
  return copy;
}

function patience() {
  return new Promise((resolve) => { setTimeout(() => resolve(null), PAGE_PATIENCE_MS); });
}

/* From the network; from the copy when the network fails, or when a page has not begun to
 * arrive within PAGE_PATIENCE_MS (a signal that comes and goes rarely fails outright). */
async function networkElseCopy(request, path) {
  const network = fetch(request);
  network.catch(() => {}); // a late failure, once the copy has answered, is nobody's concern
  try {
    const first = request.mode === 'navigate' ? await Promise.race([network, patience()]) : await network;
    if (first) {
      return first;
    }
    return (await keptCopy(request, path)) || (await network);
  } catch (offline) {
    const copy = await keptCopy(request, path);
    if (!copy) {
      throw offline;
    }
    return copy;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !kept(url.pathname)) {
    return;
  }
  event.respondWith(networkElseCopy(request, url.pathname));
});
