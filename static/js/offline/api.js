// The few API calls field mode makes (see the README's API section and /api/v1/openapi.json).

const API = '/api/v1';

/** No connection (or the response was lost on the way): try again later. */
export class NetworkError extends Error {}
/** The session has ended: the user must sign in again before anything is sent. */
export class SignedOut extends Error {}
/** The server failed (5xx) or answered something that is not the API's JSON. */
export class ServerError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(API + path, {
      credentials: 'same-origin',
      cache: 'no-store',
      // A redirect (to the login page) is never followed: it means the session ended.
      redirect: 'manual',
      ...options,
      headers: { Accept: 'application/json', ...(options.headers || {}) },
    });
  } catch (error) {
    throw new NetworkError('No connection');
  }
  if (response.type === 'opaqueredirect' || response.status === 401) {
    throw new SignedOut('Signed out');
  }
  return response;
}

async function json(response) {
  try {
    return await response.json();
  } catch (error) {
    return null;
  }
}

/** The signed-in user: name, role, team members, and the CSRF token for writes. */
export async function fetchMe() {
  const response = await call('/me');
  const body = await json(response);
  if (!response.ok || !body) {
    throw new ServerError((body && body.detail) || `The server answered ${response.status}.`, response.status);
  }
  return body;
}

/** Every open case the user's team holds (the API pages them; this reads every page). */
export async function fetchCases() {
  const items = [];
  let cursor = '';
  for (let page = 0; page < 100; page += 1) {
    const query = new URLSearchParams({ limit: '200' });
    if (cursor) query.set('cursor', cursor);
    const response = await call(`/cases?${query}`);
    const body = await json(response);
    if (!response.ok || !body) {
      throw new ServerError((body && body.detail) || `The server answered ${response.status}.`, response.status);
    }
    items.push(...body.items);
    if (!body.next) break;
    cursor = body.next;
  }
  return items;
}

/**
 * Send one contact. Resolves to {status, body} for any answer the server gave;
 * throws NetworkError when no answer came back (the contact may or may not be stored:
 * sending it again with the same id is safe).
 */
export async function postContact(payload, csrfToken) {
  const response = await call('/contacts', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken || '' },
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: await json(response) };
}

/**
 * Place a person at a point (PUT /people/{id}/location). Resolves to {status, body} for
 * any answer; throws NetworkError when none came back. Never queued: a position is only
 * worth sending while it is current.
 */
export async function putLocation(personId, payload, csrfToken) {
  const response = await call(`/people/${encodeURIComponent(personId)}/location`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken || '' },
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: await json(response) };
}
