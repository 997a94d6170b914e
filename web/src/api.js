// The HTTP API of `clew serve` (/api/v1): one `api()` call that adds the bearer token, turns
// the server's `{"error":{"code","message"}}` into an ApiError, and names the endpoints the
// viewer uses.

const BASE = '/api/v1';
const TOKEN_KEY = 'clew.token';

let token = sessionStorage.getItem(TOKEN_KEY);
let onUnauthorized = null;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setToken(value) {
  token = value || null;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export const hasToken = () => Boolean(token);

/** Called when a request is refused for want of a valid token (the session ended). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** Calls an endpoint; `query` is an object of parameters (arrays are joined with commas). */
export async function api(path, { query, method = 'GET', body, anonymous = false, signal } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    url.searchParams.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const headers = { Accept: 'application/json' };
  if (token && !anonymous) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'the server cannot be reached; is `clew serve` still running?');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const code = json?.error?.code || `http_${response.status}`;
    const message = json?.error?.message || `${response.status} ${response.statusText}`;
    const err = new ApiError(response.status, code, message);
    if (response.status === 401 && !anonymous && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  if (json === null) throw new ApiError(response.status, 'bad_answer', 'the server sent an answer that is not JSON');
  return json;
}

/** Downloads a file answer (an export) as a Blob with its file name. */
export async function apiFile(path, query) {
  const url = new URL(BASE + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) url.searchParams.set(key, String(value));
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let response;
  try {
    response = await fetch(url, { headers });
  } catch {
    throw new ApiError(0, 'network', 'the server cannot be reached; is `clew serve` still running?');
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error.message || message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, 'export_failed', message);
  }
  const disposition = response.headers.get('Content-Disposition') || '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1];
  return { blob: await response.blob(), name };
}

/** `type:key` → the path of its entity page. */
function entityPath(id) {
  const i = id.indexOf(':');
  return `/entities/${encodeURIComponent(id.slice(0, i))}/${encodeURIComponent(id.slice(i + 1))}`;
}

export const endpoints = {
  health: () => api('/health', { anonymous: true }),
  openapi: () => api('/openapi.json', { anonymous: true }),
  stats: (opts) => api('/stats', opts),
  whoami: () => api('/whoami'),
  search: (q, { type, limit = 12, signal } = {}) => api('/search', { query: { q, type, limit }, signal }),
  entity: (id) => api(entityPath(id)),
  neighbourhood: (body) => api('/neighbourhood', { method: 'POST', body }),
  paths: (query) => api('/paths', { query }),
  clusters: (query) => api('/clusters', { query }),
  cluster: (id, query) => api(`/clusters/${encodeURIComponent(id)}`, { query }),
  alerts: (query) => api('/alerts', { query }),
};
