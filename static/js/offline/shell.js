// What every field mode page shares: the header (connection, pending count, Sync now,
// logout), the service worker, and small DOM helpers. Person data only ever enters the
// page through textContent, never as HTML.

import { guardLogout } from './logout.js';
import * as store from './store.js';
import { startAutoSync, status, subscribe, sync } from './sync.js';

const body = document.body;

export const config = {
  labels: JSON.parse(body.dataset.labels || '{}'),
  maxAgeMs: Number(body.dataset.caseMaxAgeHours || 12) * 3600 * 1000,
  home: body.dataset.fieldHome,
  contact: body.dataset.fieldContact,
  login: body.dataset.loginUrl,
  serviceWorker: body.dataset.serviceWorker,
};

/** A DOM element with attributes and children (strings become text, never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Times as the rest of the site shows them: "Sun 6 Dec 2026, 13:40" in the program's
// time zone (not the tablet's own zone or format).
const whenFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: body.dataset.timezone || undefined,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function siteFormat(date) {
  const part = Object.fromEntries(whenFormat.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.weekday} ${part.day} ${part.month} ${part.year}, ${part.hour}:${part.minute}`;
}

/** How far a deadline is from now, as the site says it: "due in 3 h", "overdue by 2 days". */
export function dueText(value, now = new Date()) {
  const due = value instanceof Date ? value : new Date(value);
  const gap = Math.abs(due - now);
  const minutes = Math.floor(gap / 60000);
  let amount;
  if (minutes < 60) amount = `${Math.max(minutes, 1)} min`;
  else if (minutes < 48 * 60) amount = `${Math.floor(minutes / 60)} h`;
  else amount = `${Math.floor(minutes / 1440)} days`;
  return due < now ? `overdue by ${amount}` : `due in ${amount}`;
}

export function formatWhen(value) {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? '' : siteFormat(date);
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

const net = document.querySelector('[data-net]');
const pending = document.querySelector('[data-pending]');
const banner = document.querySelector('[data-banner]');
const syncButton = document.querySelector('[data-sync-now]');
const who = document.querySelector('[data-who]');
const ready = document.querySelector('[data-offline-ready]');

function showBanner(kind, ...content) {
  banner.replaceChildren(...content);
  banner.className = `field-banner ${kind}`;
  banner.hidden = content.length === 0;
}

/** Redraw the header from the sync status and the outbox count. */
export async function refreshHeader() {
  let count = 0;
  try {
    count = await store.countOutbox();
  } catch (error) {
    count = 0;
  }
  const online = navigator.onLine;
  let label = 'Online';
  let state = 'online';
  if (!online) {
    label = 'Offline';
    state = 'offline';
  } else if (status.signedOut) {
    label = 'Signed out';
    state = 'signed-out';
  } else if (status.syncing) {
    label = 'Sending…';
    state = 'syncing';
  } else if (status.lastError === 'offline') {
    label = 'No connection';
    state = 'offline';
  }
  net.textContent = label;
  net.dataset.state = state;
  pending.textContent = count === 0 ? 'Nothing waiting to send' : `${count} waiting to send`;
  pending.dataset.count = String(count);
  pending.classList.toggle('has-pending', count > 0);
  syncButton.disabled = status.syncing;

  if (status.signedOut) {
    showBanner(
      'warn',
      el('p', {}, count > 0
        ? `Your session has ended. Sign in again to send the ${plural(count, 'contact', 'contacts')} waiting on this tablet; they stay here until then.`
        : 'Your session has ended. Sign in again to refresh your cases.'),
      el('a', { class: 'button primary', href: config.login }, 'Sign in again to send'),
    );
  } else if (status.lastError && status.lastError !== 'offline') {
    showBanner('error', el('p', {}, `Could not reach CoResponse properly: ${status.lastError} Contacts stay on this tablet and are tried again.`));
  } else {
    showBanner('');
  }
  return count;
}

async function showWho() {
  const cached = await store.loadCached('me', config.maxAgeMs).catch(() => null);
  const me = status.me || (cached && cached.value);
  if (!me) {
    who.textContent = '';
    return;
  }
  const role = config.labels.roles ? config.labels.roles[me.role] || me.role : me.role;
  who.textContent = `Signed in as ${me.full_name} (${role.toLowerCase()})${me.team ? ` · ${me.team.name}` : ''}`;
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) {
    ready.textContent = 'This browser cannot keep field mode for use without signal.';
    return;
  }
  const markReady = () => {
    if (navigator.serviceWorker.controller) {
      ready.textContent = 'Ready for use without signal.';
      body.dataset.offlineReady = 'true';
    }
  };
  navigator.serviceWorker.addEventListener('controllerchange', markReady);
  navigator.serviceWorker
    .register(config.serviceWorker, { scope: '/' })
    .then(() => navigator.serviceWorker.ready)
    .then(markReady)
    .catch((error) => {
      ready.textContent = 'Field mode could not be kept for use without signal on this browser.';
      console.error(error);
    });
  markReady();
}

/** Wire the header and start syncing; `onChange` redraws the page after every change. */
export function initShell({ refreshCases = false, onChange = null } = {}) {
  guardLogout(document.querySelector('form[data-logout-form]'), {
    slot: document.querySelector('[data-logout-warning-slot]'),
    tokenFromApi: true,
    loginUrl: config.login,
  });
  syncButton.addEventListener('click', () => sync({ refreshCases: true }));
  const redraw = async () => {
    await refreshHeader();
    await showWho();
    if (onChange) await onChange();
  };
  subscribe(redraw);
  registerServiceWorker();
  redraw();
  startAutoSync({ refreshCases });
  return redraw;
}
