// Field mode's first screen: the team's open cases (from the API, or the tablet's
// encrypted copy) and the contacts waiting to be sent, each with its state.

import * as api from './api.js';
import { config, dueText, el, formatWhen, initShell, plural } from './shell.js';
import * as store from './store.js';
import { status, sync } from './sync.js';

const caseList = document.querySelector('[data-case-list]');
const casesEmpty = document.querySelector('[data-cases-empty]');
const casesMeta = document.querySelector('[data-cases-meta]');
const outboxPanel = document.querySelector('[data-outbox-panel]');
const outboxList = document.querySelector('[data-outbox-list]');
const savedNote = document.querySelector('[data-saved-note]');

// Items whose "Discard" was pressed once: the second press deletes.
const confirming = new Set();
// "Use my position", per case: {stage: locating | confirm | sending | done | error, text, point}.
// Kept here so a redraw (a sync finishing) does not lose a question or an answer.
const placing = new Map();

function label(kind, value) {
  return (config.labels[kind] && config.labels[kind][value]) || value || '';
}

function dueLine(item) {
  const last = item.brief && item.brief.last_contact;
  if (last) {
    return el('p', { class: 'case-due' },
      `Last contact ${formatWhen(last.occurred_at)}: ${label('types', last.type)} · ${label('outcomes', last.outcome)}`);
  }
  if (item.last_contact_at) {
    return el('p', { class: 'case-due' }, `Last contact ${formatWhen(item.last_contact_at)}`);
  }
  if (item.first_contact_due_at) {
    const overdue = new Date(item.first_contact_due_at) < new Date();
    return el(
      'p',
      { class: overdue ? 'case-due overdue' : 'case-due' },
      `First contact ${dueText(item.first_contact_due_at)} (${formatWhen(item.first_contact_due_at)})`,
    );
  }
  return el('p', { class: 'case-due' }, 'No contact yet');
}

// Before you go: the safety flags, where to find the person, their languages and the
// next planned contact; for clinical readers (the server sends the keys to no one else)
// the latest risk rating and the connections in progress.
function briefBlock(item) {
  const brief = item.brief;
  if (!brief) return null;
  const parts = [];
  if (brief.safety_flags.length) {
    parts.push(el('p', { class: 'case-flags' },
      ...brief.safety_flags.map((flag) => el('span', {
        class: `badge ${(config.labels.safety || []).includes(flag) ? 'danger' : 'warn'}`,
      }, label('flags', flag)))));
  }
  if (brief.whereabouts) parts.push(el('p', { class: 'case-whereabouts' }, brief.whereabouts));
  if (brief.languages.length) {
    parts.push(el('p', { class: 'case-languages' },
      `Speaks ${brief.languages.join(', ')}${brief.needs_interpreter ? ' · needs an interpreter' : ''}`));
  }
  if (brief.next_contact_planned_at) {
    parts.push(el('p', { class: 'case-next' }, `Next contact planned ${formatWhen(brief.next_contact_planned_at)}`));
  }
  if (brief.latest_risk) {
    parts.push(el('p', { class: 'case-risk' }, 'Latest risk: ',
      el('span', { class: `badge risk-${brief.latest_risk}` }, label('risk', brief.latest_risk))));
  }
  if (brief.connections_in_progress) {
    parts.push(el('p', { class: 'case-connections' },
      `${plural(brief.connections_in_progress, 'connection', 'connections')} in progress`));
  }
  return parts.length ? el('div', { class: 'case-brief' }, ...parts) : null;
}

// Most urgent first, as My caseload sorts them: past the first-contact deadline, then
// first contact due soonest, then the longest without a contact.
function urgency(item) {
  const waiting = !item.last_contact_at;
  const due = waiting && item.first_contact_due_at ? Date.parse(item.first_contact_due_at) : Infinity;
  const since = item.last_contact_at ? Date.parse(item.last_contact_at) : Infinity;
  return [waiting ? 0 : 1, due, since, item.id];
}

function byUrgency(a, b) {
  const ua = urgency(a);
  const ub = urgency(b);
  for (let i = 0; i < ua.length; i += 1) {
    if (ua[i] !== ub[i]) return ua[i] < ub[i] ? -1 : 1;
  }
  return 0;
}

function setPlacing(caseId, state) {
  placing.set(caseId, state);
  draw();
}

// The person is where the tablet is: only when the user says so, and only with a
// connection (a position is worth sending only while it is current, so it is never queued).
function locate(item) {
  if (!navigator.onLine) {
    setPlacing(item.id, { stage: 'error', text: 'Setting the person’s location needs a connection: nothing was sent. Try again when you have signal.' });
    return;
  }
  setPlacing(item.id, { stage: 'locating', text: 'Finding this tablet’s position…' });
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const point = {
        latitude: Math.round(position.coords.latitude * 1e6) / 1e6,
        longitude: Math.round(position.coords.longitude * 1e6) / 1e6,
      };
      const within = position.coords.accuracy ? ` (within ${Math.round(position.coords.accuracy)} m)` : '';
      setPlacing(item.id, {
        stage: 'confirm',
        point,
        text: `Set ${item.person_name}’s location to where you are now: ${point.latitude.toFixed(5)}, ${point.longitude.toFixed(5)}${within}?`,
      });
    },
    (error) => {
      setPlacing(item.id, {
        stage: 'error',
        text: error.code === error.PERMISSION_DENIED
          ? 'Location is blocked for CoResponse in this browser’s settings: nothing was sent.'
          : 'No position fix right now: nothing was sent. Try again in a moment.',
      });
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

async function sendPosition(item, point) {
  setPlacing(item.id, { stage: 'sending', text: 'Sending…' });
  try {
    const me = status.me || await api.fetchMe();
    const { status: code, body } = await api.putLocation(item.person_id, point, me.csrf_token);
    if (code === 200 && body) {
      setPlacing(item.id, { stage: 'done', text: `Location saved: ${body.area}.` });
    } else if (code === 401) {
      setPlacing(item.id, { stage: 'error', text: 'Sign in again, then set the location again: nothing was saved.' });
    } else {
      setPlacing(item.id, { stage: 'error', text: `Not saved: ${(body && body.detail) || `the server answered ${code}`}` });
    }
  } catch (error) {
    const text = error instanceof api.SignedOut
      ? 'Sign in again, then set the location again: nothing was saved.'
      : 'No connection: the position was not sent. Try again when you have signal.';
    setPlacing(item.id, { stage: 'error', text });
  }
}

function placeBlock(item) {
  if (!navigator.geolocation) return null;
  const state = placing.get(item.id);
  const busy = state && (state.stage === 'locating' || state.stage === 'sending');
  const children = [];
  if (state && state.stage === 'confirm') {
    children.push(
      el('p', { class: 'place-question' }, state.text),
      el('div', { class: 'button-row' },
        el('button', { type: 'button', class: 'button primary', 'data-place-save': '', onclick: () => sendPosition(item, state.point) }, 'Save this location'),
        el('button', { type: 'button', class: 'button', onclick: () => { placing.delete(item.id); draw(); } }, 'Cancel')),
    );
  } else {
    children.push(el('button', {
      type: 'button', class: 'button', 'data-use-position': '', disabled: busy,
      onclick: () => locate(item),
    }, 'Use my position'));
    if (state) {
      children.push(el('p', { class: `place-status ${state.stage}`, role: state.stage === 'error' ? 'alert' : 'status' }, state.text));
    }
  }
  return el('div', { class: 'case-place', 'data-place': '' }, ...children);
}

function emptyText(message) {
  casesEmpty.textContent = message;
  casesEmpty.hidden = false;
}

async function renderCases(outbox) {
  const cached = await store.loadCached('cases', config.maxAgeMs).catch(() => null);
  casesEmpty.hidden = true;
  if (!cached) {
    caseList.replaceChildren();
    casesMeta.textContent = '';
    if (status.signedOut) emptyText('Sign in again to load your cases.');
    else if (navigator.onLine && (status.syncing || status.lastSyncAt === null)) emptyText('Loading your cases…');
    else emptyText('No case list is kept on this tablet yet. Open field mode once with a connection to keep an encrypted copy for use without signal.');
    return;
  }
  const items = [...cached.value].sort(byUrgency);
  casesMeta.textContent = `${plural(items.length, 'open case', 'open cases')} · list saved on this tablet ${formatWhen(cached.savedAt)}`;
  if (items.length === 0) emptyText('Your team has no open cases. New assignments appear here.');
  const waitingByCase = new Map();
  for (const item of outbox) {
    if (item.case) waitingByCase.set(item.case.id, (waitingByCase.get(item.case.id) || 0) + 1);
  }
  caseList.replaceChildren(
    ...items.map((item) => {
      const waiting = waitingByCase.get(item.id) || 0;
      return el(
        'li',
        { class: 'case-card', 'data-case-id': String(item.id) },
        el('div', { class: 'case-text' },
          el('h2', {}, item.person_name || `Case ${item.id}`),
          el('p', { class: 'case-address' }, item.address || 'No address on record'),
          briefBlock(item),
          dueLine(item),
          waiting ? el('p', { class: 'case-waiting' }, `${plural(waiting, 'contact', 'contacts')} waiting to send`) : null,
        ),
        el('div', { class: 'case-actions' },
          el('a', { class: 'button primary', href: `${config.contact}?case=${encodeURIComponent(item.id)}` }, 'Log contact'),
          placeBlock(item)),
      );
    }),
  );
}

function problemBlock(problem) {
  // A field message that only repeats the detail is not shown twice.
  const errors = (problem.errors || []).filter((e) => e.message && e.message !== problem.detail);
  return el(
    'div',
    { class: 'outbox-problem', role: 'alert' },
    el('p', {}, el('strong', {}, `Not accepted by the server: ${problem.title}`)),
    problem.detail ? el('p', { class: 'problem-detail' }, problem.detail) : null,
    errors.length
      ? el('ul', { class: 'problem-errors' }, ...errors.map((e) => el('li', {}, e.field ? `${e.field.replace(/_/g, ' ')}: ${e.message}` : e.message)))
      : null,
  );
}

function discardControls(item, redraw) {
  if (confirming.has(item.id)) {
    return [
      el('span', { class: 'confirm-text' }, 'Discard this contact for good? It has not reached the server.'),
      el('button', {
        type: 'button',
        class: 'button danger',
        'data-discard-confirm': '',
        onclick: async () => {
          confirming.delete(item.id);
          await store.deleteOutbox(item.id);
          await redraw();
        },
      }, 'Yes, discard it'),
      el('button', { type: 'button', class: 'button', onclick: () => { confirming.delete(item.id); redraw(); } }, 'Keep it'),
    ];
  }
  return [
    el('button', { type: 'button', class: 'button', 'data-discard': '', onclick: () => { confirming.add(item.id); redraw(); } }, 'Discard…'),
  ];
}

function outboxItem(item, me, redraw) {
  if (item.unreadable) {
    return el('li', { class: 'outbox-item refused', 'data-outbox-id': item.id },
      el('p', {}, 'A saved contact that can no longer be opened on this tablet (its key is gone).'),
      el('div', { class: 'button-row' }, ...discardControls(item, redraw)));
  }
  if (me && item.owner && item.owner.username !== me.username) {
    return el('li', { class: 'outbox-item other-user', 'data-outbox-id': item.id },
      el('p', {}, `Saved by ${item.owner.full_name} on this tablet. It is sent when they sign in here again.`));
  }
  const payload = item.payload;
  const head = el('div', { class: 'outbox-head' },
    el('strong', {}, item.case ? item.case.person_name : `Case ${payload.case_id}`),
    el('span', {}, `${label('types', payload.type)} · ${label('outcomes', payload.outcome)}`),
    el('time', { datetime: payload.occurred_at }, formatWhen(payload.occurred_at)));
  const children = [head];
  const buttons = [];
  if (item.state === 'refused' && item.problem) {
    children.push(problemBlock(item.problem));
    buttons.push(
      el('a', { class: 'button', href: `${config.contact}?edit=${encodeURIComponent(item.id)}` }, 'Edit and resend'),
      el('button', { type: 'button', class: 'button', 'data-retry': '', onclick: () => sync({ retryId: item.id }) }, 'Try again'),
      ...discardControls(item, redraw),
    );
  } else {
    let state = navigator.onLine ? 'Waiting to send' : 'Waiting for a connection';
    if (status.signedOut) state = 'Sign in again to send';
    else if (item.lastError) state = item.lastError;
    children.push(el('p', { class: 'outbox-state' }, state,
      item.attempts ? ` (tried ${plural(item.attempts, 'time', 'times')})` : ''));
  }
  if (buttons.length) children.push(el('div', { class: 'button-row' }, ...buttons));
  return el('li', { class: `outbox-item ${item.state === 'refused' ? 'refused' : 'pending'}`, 'data-outbox-id': item.id }, ...children);
}

async function renderOutbox(outbox, redraw) {
  const cachedMe = await store.loadCached('me', config.maxAgeMs).catch(() => null);
  const me = status.me || (cachedMe && cachedMe.value);
  outboxPanel.hidden = outbox.length === 0;
  outboxList.replaceChildren(...outbox.map((item) => outboxItem(item, me, redraw)));
}

let drawing = Promise.resolve();

async function draw() {
  // Draws run one after another so a slow one never overwrites a newer one.
  drawing = drawing.catch(() => {}).then(async () => {
    const outbox = await store.listOutbox().catch(() => []);
    await renderOutbox(outbox, redraw);
    await renderCases(outbox);
  });
  return drawing;
}

if (window.location.hash === '#saved') {
  savedNote.hidden = false;
  history.replaceState(null, '', window.location.pathname);
}
const redraw = initShell({ refreshCases: true, onChange: draw });
