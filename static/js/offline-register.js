/* Registers the offline finder's service worker where browsers support one. */
'use strict';

(function register() {
  const script = document.currentScript;
  if (!('serviceWorker' in navigator) || !script || !script.dataset.worker) {
    return;
  }
  window.addEventListener('load', () => {
    if ('switchedOff' in script.dataset) {
      // The kill switch: no new worker; one already here fetches its replacement, which
      // clears everything (offline-off-worker.js).
      navigator.serviceWorker.getRegistrations()
        .then((registrations) => registrations.forEach((registration) => registration.update()))
        .catch(() => {});
      return;
    }
    navigator.serviceWorker
      .register(script.dataset.worker, { scope: '/', updateViaCache: 'none' })
      .then((registration) => registration.update()) // a new copy, or the kill switch, at once
      .catch(() => {});
  });
}());
