// Field mode's "Log contact" screen. The contact is checked here for the obvious
// mistakes (the server judges), sealed into the outbox with a fresh UUID, and sent by
// the sync as soon as there is a connection.

import { chooseNotFoundForAttempts } from '../contacts/attempt.js';
import { config, el, initShell } from './shell.js';
import * as store from './store.js';

const form = document.querySelector('[data-contact-form]');
const unavailable = document.querySelector('[data-unavailable]');
const formProblem = document.querySelector('[data-form-problem]');
const caseName = document.querySelector('[data-case-name]');
const caseAddress = document.querySelector('[data-case-address]');
const participantsList = document.querySelector('[data-participants]');
let clinical = document.querySelector('[data-clinical]');
const transportField = document.querySelector('[data-transport-only]');
const transportOutcomes = new Set(JSON.parse(transportField.dataset.transportOutcomes));
const geoButton = document.querySelector('[data-geo]');
const geoClear = document.querySelector('[data-geo-clear]');
const geoStatus = document.querySelector('[data-geo-status]');

// Tablets' clocks drift; the server allows a contact five minutes "ahead".
const CLOCK_SKEW_MS = 5 * 60 * 1000;
// The lengths come from the server (coresponse/contacts/limits.py, on the form's
// data-limits), so the tablet checks exactly what the API will.
const MAX_LENGTHS = JSON.parse(form.dataset.limits);
const FIELD_NAMES = {
  location: 'The place',
  others_present: 'Others present',
  transport_destination: 'The destination',
  operational_note: 'The operational note',
  clinical_note: 'The clinical note',
};

let me = null;
let theCase = null;
let editing = null;
let point = null;

const pad = (n) => String(n).padStart(2, '0');

/** A Date as the value of a datetime-local input (the tablet's local time). */
function localInputValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value as ISO 8601 with the tablet's UTC offset, or null. */
function isoWithOffset(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value || '')) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${localInputValue(date)}:${pad(date.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function showUnavailable(message) {
  form.hidden = true;
  unavailable.textContent = message;
  unavailable.hidden = false;
}

function clearErrors() {
  formProblem.hidden = true;
  formProblem.replaceChildren();
  for (const node of form.querySelectorAll('[data-error-for]')) {
    node.hidden = true;
    node.textContent = '';
  }
  for (const node of form.querySelectorAll('.has-error')) node.classList.remove('has-error');
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
}

/** Show a message on its field; messages for no known field go to the top. */
function showError(field, message) {
  const slot = field && form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  if (!slot) {
    formProblem.append(el('p', {}, message));
    formProblem.hidden = false;
    return;
  }
  slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
  slot.hidden = false;
  const wrapper = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
  if (wrapper) wrapper.classList.add('has-error');
  for (const input of form.querySelectorAll(`[name="${CSS.escape(field)}"]`)) input.setAttribute('aria-invalid', 'true');
}

function checked(name) {
  const input = form.querySelector(`input[name="${name}"]:checked`);
  return input ? input.value : '';
}

function text(name) {
  const value = form.elements[name].value.trim();
  return value === '' ? null : value;
}

function selfId() {
  if (me.id) return me.id;
  const members = (me.team && me.team.members) || [];
  const same = members.filter((m) => m.full_name === me.full_name && m.role === me.role);
  return same.length === 1 ? same[0].id : null;
}

/** The API payload from the form, and the problems the server would obviously refuse. */
function readForm() {
  const problems = [];
  const type = checked('type');
  const outcome = checked('outcome');
  if (!type) problems.push(['type', 'Choose the type of contact.']);
  if (!outcome) problems.push(['outcome', 'Choose how the contact went.']);
  const occurredAt = isoWithOffset(form.elements.occurred_at.value);
  if (!occurredAt) problems.push(['occurred_at', 'Enter when the contact happened.']);
  else if (new Date(occurredAt).getTime() > Date.now() + CLOCK_SKEW_MS) {
    problems.push(['occurred_at', 'The contact time is in the future. Enter when the contact happened.']);
  }
  if (type === 'attempt' && outcome && outcome !== 'not_found') {
    problems.push(['outcome', 'An attempt that found nobody has the outcome “Not found”. If you reached the person, choose how you met them as the type.']);
  }
  const destination = text('transport_destination');
  if (transportOutcomes.has(outcome) && !destination) {
    problems.push(['transport_destination', 'Say where the person was transported (hospital or center).']);
  }
  const rawPlanned = form.elements.next_contact_planned_at.value;
  const planned = rawPlanned ? isoWithOffset(rawPlanned) : null;
  if (rawPlanned && !planned) problems.push(['next_contact_planned_at', 'Enter a date and time, e.g. 2026-03-14 15:30.']);
  if (planned && occurredAt && new Date(planned) <= new Date(occurredAt)) {
    problems.push(['next_contact_planned_at', 'The next planned contact must be after this contact.']);
  }
  for (const [name, max] of Object.entries(MAX_LENGTHS)) {
    const what = FIELD_NAMES[name] || name;
    const value = form.elements[name] ? form.elements[name].value.trim() : '';
    if (value.length > max) problems.push([name, `${what} is too long (at most ${max} characters).`]);
  }
  const me_ = selfId();
  const others = [...form.querySelectorAll('input[name=participants]:checked')].map((i) => Number(i.value));
  const payload = {
    case_id: theCase.id,
    type,
    occurred_at: occurredAt,
    outcome,
    location: text('location'),
    latitude: point ? point.latitude : null,
    longitude: point ? point.longitude : null,
    participants: me_ ? [me_, ...others.filter((id) => id !== me_)] : others,
    others_present: text('others_present'),
    transport_destination: transportOutcomes.has(outcome) ? destination : null,
    operational_note: text('operational_note'),
    next_contact_planned_at: planned,
  };
  if (me.can_read_clinical && clinical) {
    payload.clinical_note = text('clinical_note');
    payload.risk_level = checked('risk_level') || null;
    payload.risk_factors = [...form.querySelectorAll('input[name=risk_factors]:checked')].map((i) => i.value);
  }
  return { payload, problems };
}

function showTransport() {
  transportField.hidden = !transportOutcomes.has(checked('outcome'));
}

function setPoint(value) {
  point = value;
  geoClear.hidden = !point;
  geoStatus.textContent = point
    ? `Location recorded: ${point.latitude.toFixed(5)}, ${point.longitude.toFixed(5)}${point.accuracy ? ` (within ${Math.round(point.accuracy)} m)` : ''}.`
    : 'Optional: records where you are now with the visit.';
}

function locate() {
  geoButton.disabled = true;
  geoStatus.textContent = 'Finding your location…';
  navigator.geolocation.getCurrentPosition(
    (position) => {
      geoButton.disabled = false;
      setPoint({
        latitude: Math.round(position.coords.latitude * 1e6) / 1e6,
        longitude: Math.round(position.coords.longitude * 1e6) / 1e6,
        accuracy: position.coords.accuracy,
      });
    },
    (error) => {
      geoButton.disabled = false;
      geoStatus.textContent =
        error.code === error.PERMISSION_DENIED
          ? 'Location is blocked for CoResponse in this browser’s settings; the contact is saved without it.'
          : 'No location fix right now; try again, or save the contact without it.';
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

function fillParticipants() {
  const own = selfId();
  const members = ((me.team && me.team.members) || []).filter((m) => m.id !== own);
  const roles = config.labels.roles || {};
  participantsList.replaceChildren(
    ...members.map((m) =>
      el('li', {},
        el('input', { type: 'checkbox', id: `p-${m.id}`, name: 'participants', value: String(m.id) }),
        el('label', { for: `p-${m.id}` }, `${m.full_name} (${(roles[m.role] || m.role).toLowerCase()})`)),
    ),
  );
  if (members.length === 0) participantsList.replaceChildren(el('li', { class: 'empty' }, 'No one else is on your team.'));
}

function fillFromPayload(payload) {
  const setRadio = (name, value) => {
    for (const input of form.querySelectorAll(`input[name="${name}"]`)) input.checked = input.value === (value || '');
  };
  setRadio('type', payload.type);
  setRadio('outcome', payload.outcome);
  form.elements.occurred_at.value = payload.occurred_at ? localInputValue(new Date(payload.occurred_at)) : '';
  form.elements.next_contact_planned_at.value = payload.next_contact_planned_at ? localInputValue(new Date(payload.next_contact_planned_at)) : '';
  for (const name of ['location', 'others_present', 'transport_destination', 'operational_note']) {
    form.elements[name].value = payload[name] || '';
  }
  const present = new Set(payload.participants || []);
  for (const input of form.querySelectorAll('input[name=participants]')) input.checked = present.has(Number(input.value));
  if (me.can_read_clinical && clinical) {
    form.elements.clinical_note.value = payload.clinical_note || '';
    setRadio('risk_level', payload.risk_level);
    const factors = new Set(payload.risk_factors || []);
    for (const input of form.querySelectorAll('input[name=risk_factors]')) input.checked = factors.has(input.value);
  }
  if (payload.latitude !== null && payload.latitude !== undefined) {
    setPoint({ latitude: payload.latitude, longitude: payload.longitude });
  }
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const { payload, problems } = readForm();
  if (problems.length) {
    for (const [field, message] of problems) showError(field, message);
    const first = form.querySelector('.has-error input, .has-error textarea');
    if (first) first.focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    // A contact the server already holds under this id with other content (409) is
    // sent again as a new contact; any other refusal stored nothing, so the id stays.
    const keepId = editing && !(editing.problem && editing.problem.status === 409);
    const id = keepId ? editing.id : store.newUuid();
    await store.putOutbox({
      id,
      created: editing ? editing.created : Date.now(),
      owner: { username: me.username, full_name: me.full_name },
      case: { id: theCase.id, person_name: theCase.person_name, address: theCase.address },
      payload: { id, ...payload },
      state: 'pending',
      problem: null,
      attempts: 0,
      lastError: null,
    });
    if (editing && !keepId) await store.deleteOutbox(editing.id);
    window.location.assign(`${config.home}#saved`);
  } catch (error) {
    button.disabled = false;
    showError(null, `The contact could not be saved on this tablet: ${error.message}`);
  }
}

async function load() {
  const params = new URLSearchParams(window.location.search);
  const [cachedMe, cachedCases] = await Promise.all([
    store.loadCached('me', config.maxAgeMs).catch(() => null),
    store.loadCached('cases', config.maxAgeMs).catch(() => null),
  ]);
  if (!cachedMe || !cachedCases) {
    showUnavailable('No case list is kept on this tablet. Open field mode once with a connection, then log contacts with or without signal.');
    return;
  }
  me = cachedMe.value;
  if (params.has('edit')) {
    editing = await store.getOutboxItem(params.get('edit')).catch(() => null);
    if (!editing || !editing.payload) {
      showUnavailable('This contact is no longer waiting on this tablet: it was sent or discarded.');
      return;
    }
    if (editing.owner.username !== me.username) {
      showUnavailable(`This contact was saved by ${editing.owner.full_name}; only they can change it.`);
      return;
    }
    const p = editing.payload;
    if (!clinical && (p.clinical_note || p.risk_level || (p.risk_factors && p.risk_factors.length))) {
      // Saving from a page without the clinical fields would drop them.
      showUnavailable('This contact has clinical content, and this tablet’s copy of field mode has no clinical fields. Reload with a connection to edit it.');
      return;
    }
    theCase = editing.case;
  } else {
    const id = Number(params.get('case'));
    theCase = cachedCases.value.find((c) => c.id === id) || null;
    if (!theCase) {
      showUnavailable('This case is not in the list kept on this tablet. Go back to your cases.');
      return;
    }
  }
  caseName.textContent = `with ${theCase.person_name}`;
  caseAddress.textContent = theCase.address || 'No address on record';
  fillParticipants();
  if (clinical && me.can_read_clinical) {
    clinical.hidden = false;
    clinical.disabled = false;
  } else if (clinical) {
    clinical.remove();
    clinical = null;
  } else if (me.can_read_clinical) {
    // The copy of this page kept on the tablet was loaded by someone without clinical access.
    showError(null, 'This tablet’s copy of field mode has no clinical fields. Reload the page with a connection to add a clinical note; you can save the operational part now.');
  }
  if (!navigator.geolocation) geoButton.closest('.geo-field').hidden = true;
  form.elements.occurred_at.value = localInputValue(new Date());
  form.elements.location.value = theCase.address || '';
  if (editing) {
    fillFromPayload(editing.payload);
    if (editing.problem) {
      formProblem.append(el('p', {}, el('strong', {}, `The server did not accept this contact: ${editing.problem.title}.`), ' ', editing.problem.detail || ''));
      formProblem.hidden = false;
      for (const error of editing.problem.errors || []) showError(error.field, error.message);
    }
  }
  showTransport();
  form.hidden = false;
}

form.addEventListener('submit', save);
chooseNotFoundForAttempts(form);
form.addEventListener('change', (event) => {
  if (event.target.name === 'outcome') showTransport();
});
geoButton.addEventListener('click', locate);
geoClear.addEventListener('click', () => setPoint(null));
initShell({ refreshCases: false });
load();
