// Signing in: find out whether the server wants a token (its /health says so, or an
// anonymous /stats answers 401), ask for one in a dialog if it does, and learn the caller's
// role (from /whoami where the server has it; otherwise a viewer is recognised by the masked,
// pseudonymised data it is sent).

import { ApiError, endpoints, hasToken, setToken } from './api.js';
import { $, el, fill } from './dom.js';

export const caller = { auth: 'unknown', role: null, id: null, masked: false };
const listeners = new Set();

export function onCallerChange(fn) {
  listeners.add(fn);
}

function changed() {
  for (const fn of listeners) fn(caller);
}

/** Resolves once the viewer may call the API. */
export async function signIn() {
  const health = await endpoints.health();
  let needsToken;
  if (health.auth === 'none' || health.auth === 'tokens') {
    needsToken = health.auth === 'tokens';
  } else if (hasToken()) {
    needsToken = true;
  } else {
    // An older server does not say; an anonymous call tells.
    try {
      await endpoints.stats({ anonymous: true });
      needsToken = false;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      needsToken = true;
    }
  }
  if (!needsToken) {
    setToken(null);
    Object.assign(caller, { auth: 'none', role: 'admin', id: 'anonymous', masked: false });
    changed();
    return;
  }
  caller.auth = 'tokens';
  if (hasToken()) {
    try {
      await endpoints.stats();
      await learnRole();
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
      setToken(null);
    }
  }
  await askForToken();
  await learnRole();
}

async function learnRole() {
  let whoami = null;
  try {
    const spec = await endpoints.openapi();
    if (spec?.paths?.['/whoami']) whoami = await endpoints.whoami();
  } catch {
    whoami = null;
  }
  caller.id = whoami?.token_id ?? null;
  caller.role = whoami?.role ?? null;
  caller.masked = whoami ? whoami.role === 'viewer' : false;
  changed();
}

/** Called with every node the server sends: a pseudonym means this caller sees masked data. */
export function noteNode(data) {
  if (data?.pseudonym && !caller.masked) {
    caller.masked = true;
    if (!caller.role) caller.role = 'viewer';
    changed();
  }
}

function askForToken(message) {
  const dialog = $('#login');
  const input = $('#login-token');
  const error = $('#login-error');
  fill(error, message || '');
  error.hidden = !message;
  input.value = '';
  return new Promise((resolve) => {
    const form = $('#login-form');
    const submit = async (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) {
        fill(error, 'Paste the token you were given.');
        error.hidden = false;
        return;
      }
      setToken(token);
      form.querySelector('button[type=submit]').disabled = true;
      try {
        await endpoints.stats();
        form.removeEventListener('submit', submit);
        dialog.close();
        resolve();
      } catch (err) {
        setToken(null);
        fill(error, err.status === 401 ? 'This token is not valid on this server.' : `Sign-in failed: ${err.message}`);
        error.hidden = false;
        input.select();
      } finally {
        form.querySelector('button[type=submit]').disabled = false;
      }
    };
    form.addEventListener('submit', submit);
    dialog.addEventListener('cancel', (e) => e.preventDefault());
    dialog.showModal();
    input.focus();
  });
}

/** The role badge and sign-out button in the top bar. */
export function renderCaller(root) {
  const role = caller.role || (caller.auth === 'tokens' ? 'signed in' : '…');
  const title =
    caller.auth === 'none'
      ? 'The server runs without authentication (--no-auth): everyone sees everything.'
      : caller.masked
        ? 'Viewer: personal data is masked; pseudonyms (p:…) still show shared identifiers.'
        : 'Personal data is shown unmasked to this role.';
  fill(
    root,
    el('span.role', { 'data-role': caller.role || 'unknown', title }, caller.auth === 'none' ? 'no auth · admin' : role),
    caller.masked ? el('span.masked', { title }, 'masked') : null,
    caller.auth === 'tokens'
      ? el('button.link', { type: 'button', onclick: signOut, title: 'Forget the token in this tab' }, 'Sign out')
      : null,
  );
}

export function signOut() {
  setToken(null);
  location.hash = '';
  location.reload();
}

/** A token refused in the middle of a session: ask again, then carry on. */
export async function reauthenticate() {
  if ($('#login').open) return;
  setToken(null);
  await askForToken('Your session ended or the token was revoked; sign in again.');
  await learnRole();
}
