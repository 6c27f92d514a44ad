/* Registers the offline finder's service worker where browsers support one. */
'use strict';

(function register() {
  const script = document.currentScript;
  if (!('serviceWorker' in navigator) || !script || !script.dataset.worker) {
    return;
  }
  window.addEventListener('load', () => {
    navigator.serviceWorker
      .register(script.dataset.worker, { scope: '/', updateViaCache: 'none' })
      .then((registration) => registration.update()) // a new copy, or the kill switch, at once
      .catch(() => {});
  });
}());
