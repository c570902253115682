// Logging out on a tablet. With contacts still waiting to be sent, the user is warned
// and the contacts stay (encrypted) for the next sign-in; only the case list is removed.
// With nothing waiting, the device's field data, key, caches and service worker are
// deleted before the session ends.

import { NetworkError, SignedOut, fetchMe } from './api.js';
import * as store from './store.js';

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((resolve, reject) => setTimeout(() => reject(new Error('timed out')), ms)),
  ]);
}

function element(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/**
 * Hook a logout form. `slot` is where the in-page warning goes. With `tokenFromApi`
 * the form's CSRF token is fetched at the moment of logout (the cached field pages
 * carry none).
 */
export function guardLogout(form, { slot, tokenFromApi = false, loginUrl = '/login' }) {
  const button = form.querySelector('button[type=submit]');
  let panel = null;

  function clearPanel() {
    if (panel) panel.remove();
    panel = null;
  }

  function notice(text) {
    clearPanel();
    panel = element('div', { class: 'flash flash-error logout-warning', role: 'alert' });
    panel.append(element('p', {}, text));
    const close = element('button', { type: 'button', class: 'button' }, 'OK');
    close.addEventListener('click', clearPanel);
    panel.append(close);
    slot.prepend(panel);
  }

  async function submit() {
    if (tokenFromApi) {
      try {
        const me = await fetchMe();
        form.querySelector('input[name=csrf_token]').value = me.csrf_token || '';
      } catch (error) {
        if (error instanceof SignedOut) {
          window.location.assign(loginUrl);
          return false;
        }
        throw error;
      }
    }
    form.submit();
    return true;
  }

  function warn(count) {
    clearPanel();
    panel = element('section', {
      class: 'panel logout-warning',
      role: 'alertdialog',
      'aria-labelledby': 'logout-warning-title',
    });
    panel.append(
      element('h2', { id: 'logout-warning-title' }, `${plural(count, 'contact has', 'contacts have')} not been sent yet`),
      element(
        'p',
        {},
        `If you log out now ${count === 1 ? 'it stays' : 'they stay'} on this tablet, encrypted, ` +
          `and ${count === 1 ? 'is' : 'are'} sent the next time you sign in and open field mode ` +
          'with a connection. The case list is removed from the tablet. Better: stay signed in ' +
          `and send ${count === 1 ? 'it' : 'them'} first.`,
      ),
    );
    const row = element('div', { class: 'button-row' });
    const stay = element('button', { type: 'button', class: 'button primary' }, 'Stay signed in');
    const leave = element('button', { type: 'button', class: 'button danger', 'data-logout-keep': '' }, `Log out and keep ${count === 1 ? 'it' : 'them'} on this tablet`);
    stay.addEventListener('click', clearPanel);
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      try {
        await store.clearCached();
        await submit();
      } catch (error) {
        leave.disabled = false;
        notice(
          error instanceof NetworkError
            ? 'There is no connection, so the server cannot end your session now. Try again when you are back online.'
            : `Logging out failed: ${error.message}`,
        );
      }
    });
    row.append(stay, leave);
    panel.append(row);
    slot.prepend(panel);
    stay.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      let count = 0;
      try {
        count = await store.countOutbox();
      } catch (error) {
        count = 0;
      }
      if (count > 0) {
        warn(count);
        return;
      }
      if (tokenFromApi) {
        // Offline nothing is cleared: the user stays in field mode with the data.
        try {
          await fetchMe();
        } catch (error) {
          if (error instanceof NetworkError) {
            notice('There is no connection, so the server cannot end your session now. Try again when you are back online.');
            return;
          }
        }
      }
      try {
        await withTimeout(store.wipeDevice(), 5000);
      } catch (error) {
        console.error('Clearing field data failed', error);
      }
      await submit();
    } catch (error) {
      notice(`Logging out failed: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  });
}
