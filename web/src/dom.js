// Small DOM helpers: element building, the status line (loading, messages, errors) and
// focus handling. Everything the viewer writes to the page goes through `el` or `text`, never
// through innerHTML, so server text (names, reasons) can never become markup.

/** Builds an element: `el('button.primary#find', {onclick, title}, 'text', child)`. */
export function el(spec, attrs = {}, ...children) {
  const [head, id] = spec.split('#');
  const [tag, ...classes] = head.split('.');
  const node = document.createElement(tag || 'div');
  if (id) node.id = id;
  if (classes.length) node.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style' && typeof value === 'object') {
      for (const [prop, v] of Object.entries(value)) {
        if (prop.startsWith('--')) node.style.setProperty(prop, v);
        else node.style[prop] = v;
      }
    }
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

let busy = 0;
let statusTimer = null;

/** Runs `work` with the loading indicator on; errors are shown and rethrown. */
export async function loading(label, work) {
  busy += 1;
  setBusy(label);
  try {
    return await work();
  } finally {
    busy -= 1;
    setBusy(null);
  }
}

function setBusy(label) {
  const bar = $('#busy');
  if (!bar) return;
  bar.hidden = busy === 0;
  if (label) bar.setAttribute('aria-label', `Loading: ${label}`);
  document.body.classList.toggle('is-busy', busy > 0);
  if (label) say(`${label}…`, 'info', 0);
  else if (busy === 0 && $('#status')?.dataset.kind === 'info' && $('#status')?.dataset.sticky !== '1') clearStatus();
}

/** Shows a message in the status line; `kind` is info, ok or error. Errors stay until dismissed. */
export function say(message, kind = 'info', ms = 4000) {
  const status = $('#status');
  if (!status) return;
  clearTimeout(statusTimer);
  status.dataset.kind = kind;
  status.dataset.sticky = kind === 'error' ? '1' : '0';
  status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  fill(
    status,
    el('span.msg', {}, message),
    el('button.close', { type: 'button', title: 'Dismiss (Esc)', 'aria-label': 'Dismiss message', onclick: clearStatus }, '×'),
  );
  status.hidden = false;
  if (kind !== 'error' && ms > 0) statusTimer = setTimeout(clearStatus, ms);
}

export function clearStatus() {
  const status = $('#status');
  if (!status) return;
  status.hidden = true;
  status.dataset.kind = '';
  status.dataset.sticky = '0';
  status.replaceChildren();
}

/** Shows an error from a failed request or action in the status line. */
export function showError(err, what) {
  const message = err && err.message ? err.message : String(err);
  say(what ? `${what}: ${message}` : message, 'error');
}

/** Puts a file in the user's downloads. */
export function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Whether a keyboard event comes from a place where typing text is expected. */
export function typing(event) {
  const t = event.target;
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}
