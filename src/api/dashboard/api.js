// The dashboard's calls to the daemon's API (docs/api.md), authenticated by the session
// cookie that POST /v1/session sets. A 401 anywhere calls the handler given to onUnauthorized.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};

export function onUnauthorized(handler) {
  unauthorized = handler;
}

async function errorOf(res) {
  let code = 'http_' + res.status;
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, code, message);
}

// One request; resolves to the parsed JSON body (null when empty), rejects with an ApiError.
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    // The CSRF guard: a cross-site form cannot set this header.
    headers['X-Requested-By'] = 'gantry';
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'the daemon does not answer (' + e.message + ')');
  }
  if (res.status === 401 && path !== '/v1/session') {
    unauthorized();
  }
  if (!res.ok) throw await errorOf(res);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => call('GET', path);
export const post = (path, body = {}) => call('POST', path, body);

export function signIn(token) {
  return call('POST', '/v1/session', { token });
}

export function signOut() {
  return call('DELETE', '/v1/session');
}
