// On every page of the full site: a badge in the header while contacts wait in this
// tablet's outbox (and an attempt to send them), and the logout guard.

import { guardLogout } from './logout.js';
import * as store from './store.js';
import { status, subscribe, sync } from './sync.js';

const badge = document.querySelector('[data-outbox-badge]');
const form = document.querySelector('form[data-logout-form]');

async function showCount() {
  if (!badge) return 0;
  let count = 0;
  try {
    count = await store.countOutbox();
  } catch (error) {
    count = 0;
  }
  badge.hidden = count === 0;
  badge.textContent = `${count} waiting to send`;
  badge.classList.toggle('signed-out', status.signedOut);
  return count;
}

if (form) {
  guardLogout(form, { slot: document.querySelector('main') || document.body });
}

showCount().then((count) => {
  if (count > 0 && navigator.onLine) {
    subscribe(() => {
      showCount();
    });
    sync();
  }
});
window.addEventListener('online', showCount);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') showCount();
});
