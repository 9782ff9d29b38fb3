// The public API, called with the key the user logged in with. The console has no other access.
const KEY = 'agentry.api_key';

export const auth = {
  key() {
    return sessionStorage.getItem(KEY) || localStorage.getItem(KEY);
  },
  save(key, remember) {
    this.clear();
    (remember ? localStorage : sessionStorage).setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function headers(extra = {}) {
  return { 'x-api-key': auth.key() || '', ...extra };
}

async function fail(res) {
  let type = 'api_error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    type = body.error?.type || type;
    message = body.error?.message || message;
  } catch {
    // Not the error envelope: keep the status line.
  }
  if (res.status === 401) {
    auth.clear();
    window.dispatchEvent(new CustomEvent('agentry:unauthenticated'));
  }
  return new ApiError(res.status, type, message);
}

/** A JSON call; `body` may be an object (sent as JSON) or text with its own content type. */
export async function call(method, path, body, contentType = 'application/json') {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['content-type'] = contentType;
  }
  const res = await fetch(path, init);
  if (!res.ok) throw await fail(res);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

export const get = (path) => call('GET', path);

let keyInfo = null;
let keyInfoFor = null;

/**
 * What the logged-in key is (GET /v1/agentry/key: its role and workspace), asked once per key, so
 * that a read_only key is shown no button the server would refuse. If it cannot be told, the page
 * shows the buttons and the server's answer says what is not allowed.
 */
export function whoami() {
  const key = auth.key();
  if (keyInfoFor !== key) {
    keyInfoFor = key;
    keyInfo = get('/v1/agentry/key').catch(() => {
      keyInfoFor = null;
      return { role: 'unknown' };
    });
  }
  return keyInfo;
}
export const post = (path, body, contentType) => call('POST', path, body ?? {}, contentType);

/** Sends user events to a session. */
export const send = (sessionId, ...events) => post(`/v1/sessions/${sessionId}/events`, { events });

/** Every event of a session (or of `path`, a thread's events) so far, oldest first, following the cursor. */
export async function history(sessionId, path = `/v1/sessions/${sessionId}/events`) {
  const events = [];
  let page = null;
  do {
    const q = new URLSearchParams({ limit: '1000' });
    if (page) q.set('page', page);
    const res = await get(`${path}?${q}`);
    events.push(...res.data);
    page = res.next_page;
  } while (page);
  return events;
}

/**
 * Follows a session's SSE stream. EventSource cannot send the API key header, so the stream is
 * read with fetch and split into frames here. The stream does not replay history: `onOpen` runs
 * once it is connected, and the caller loads the history then, dropping duplicates by id. A
 * dropped connection is reopened after a pause, and `onOpen` runs again to fill the gap. `path` is
 * another stream of the session (a thread's).
 */
export function follow(sessionId, { onEvent, onOpen, onState }, path = `/v1/sessions/${sessionId}/events/stream`) {
  const controller = new AbortController();
  let retry = 500;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(path, {
          headers: headers({ accept: 'text/event-stream' }),
          signal: controller.signal,
        });
        if (!res.ok) throw await fail(res);
        onState('live');
        retry = 500;
        await onOpen();
        await readFrames(res.body, (name, data) => {
          if (name === 'message') onEvent(JSON.parse(data));
        });
      } catch (e) {
        if (controller.signal.aborted) return;
        if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
          onState('closed', e);
          return;
        }
      }
      if (controller.signal.aborted) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, retry));
      retry = Math.min(retry * 2, 10000);
    }
  };
  run();
  return { close: () => controller.abort() };
}

async function readFrames(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value; // the server frames with \n only
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onFrame(name, data.join('\n'));
    }
  }
}
