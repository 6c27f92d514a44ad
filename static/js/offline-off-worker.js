/* The offline finder's kill switch (OFFLINE_FINDER=off): served as /sw.js in place of the
 * worker, it replaces it at once, deletes every copy it kept, and unregisters itself. Pages
 * then come from the network only, as if no worker had ever been installed. */
'use strict';

self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.map((name) => caches.delete(name))))
      .then(() => self.registration.unregister()),
  );
});
