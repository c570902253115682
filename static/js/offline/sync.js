// Sending the outbox: one contact at a time, each with its own UUID, so a retry after a
// lost response is stored once by the server. Runs on page load, when the connection
// comes back, when the page becomes visible again, every 30 seconds, and on "Sync now".
// (No Background Sync: iPad Safari lacks it, so sending happens while the app is open.)

import * as api from './api.js';
import * as store from './store.js';

const TIMER_MS = 30000;
const RETRYABLE = new Set([408, 425, 429]);

export const status = {
  online: navigator.onLine,
  syncing: false,
  signedOut: false,
  lastSyncAt: null,
  lastError: null,
  me: null,
};

const listeners = new Set();

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit() {
  for (const listener of listeners) {
    try {
      listener(status);
    } catch (error) {
      console.error(error);
    }
  }
}

function problemOf(code, body) {
  return {
    status: code,
    title: (body && body.title) || `Refused (${code})`,
    detail: (body && body.detail) || '',
    errors: (body && Array.isArray(body.errors) ? body.errors : []).map((e) => ({
      field: String(e.field || ''),
      message: String(e.message || ''),
    })),
  };
}

async function sendOne(item, me) {
  const { status: code, body } = await api.postContact(item.payload, me.csrf_token);
  if (code === 200 || code === 201) {
    await store.deleteOutbox(item.id);
    return;
  }
  if (code === 401) throw new api.SignedOut('Signed out');
  item.attempts = (item.attempts || 0) + 1;
  item.lastTriedAt = Date.now();
  if (code >= 500 || RETRYABLE.has(code) || body === null) {
    item.state = 'pending';
    item.lastError = `The server could not take it just now (${code}); it will be tried again.`;
  } else {
    // Refused (409, 422, 403, 404...): kept, with the server's reason, until the user acts.
    item.state = 'refused';
    item.problem = problemOf(code, body);
    item.lastError = null;
  }
  await store.putOutbox(item);
}

async function run({ refreshCases, retryId }) {
  const me = await api.fetchMe();
  status.signedOut = false;
  status.me = me;
  if (refreshCases) {
    const cases = await api.fetchCases();
    const { csrf_token: _token, ...profile } = me;
    await store.saveCached('me', profile);
    await store.saveCached('cases', cases);
  }
  for (const item of await store.listOutbox()) {
    if (item.unreadable || !item.owner || item.owner.username !== me.username) continue;
    if (item.state === 'refused' && item.id !== retryId) continue;
    try {
      await sendOne(item, me);
    } catch (error) {
      if (error instanceof api.NetworkError) {
        item.attempts = (item.attempts || 0) + 1;
        item.lastTriedAt = Date.now();
        item.state = 'pending';
        item.lastError = 'No answer from the server; it will be tried again.';
        await store.putOutbox(item);
      }
      throw error;
    }
    emit();
  }
}

let again = null;

/**
 * Run a sync now (or right after the one in progress). Never throws: the outcome is
 * in `status` and told to subscribers.
 */
export async function sync({ refreshCases = false, retryId = null } = {}) {
  if (status.syncing) {
    again = { refreshCases: refreshCases || (again && again.refreshCases), retryId: retryId || (again && again.retryId) };
    return;
  }
  status.syncing = true;
  status.online = navigator.onLine;
  emit();
  try {
    const work = () => run({ refreshCases, retryId });
    // One tab sends at a time; another tab's sync in progress means this one waits.
    if (navigator.locks) await navigator.locks.request('coresponse-field-sync', work);
    else await work();
    status.lastSyncAt = Date.now();
    status.lastError = null;
  } catch (error) {
    if (error instanceof api.SignedOut) {
      status.signedOut = true;
      status.lastError = null;
    } else if (error instanceof api.NetworkError) {
      status.lastError = 'offline';
    } else {
      status.lastError = error.message || String(error);
      console.error(error);
    }
  } finally {
    status.syncing = false;
    status.online = navigator.onLine;
    emit();
    if (again) {
      const next = again;
      again = null;
      sync(next);
    }
  }
}

let started = false;

/** Sync now and from now on: on reconnect, on return to the page, and on a timer. */
export function startAutoSync({ refreshCases = false } = {}) {
  if (started) return;
  started = true;
  window.addEventListener('online', () => {
    status.online = true;
    sync({ refreshCases });
  });
  window.addEventListener('offline', () => {
    status.online = false;
    emit();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') sync({ refreshCases });
  });
  setInterval(() => {
    if (document.visibilityState === 'visible') sync();
  }, TIMER_MS);
  sync({ refreshCases });
}
