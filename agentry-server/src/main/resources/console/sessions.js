import { get, post, send } from './api.js';
import { clear, cost, h, sessionState, statusBadge, tokens, when } from './dom.js';

const REFRESH_MS = 2000;

function row(s, stopReason) {
  const agent = s.agent || {};
  const { state } = sessionState(s.status, stopReason);
  return h('tr', { dataset: { id: s.id, status: s.status, state } },
    h('td', {}, h('a', { href: `#/sessions/${s.id}` }, s.title || s.id)),
    h('td', {}, agent.name || agent.id || ''),
    h('td', {}, statusBadge(s.status, stopReason)),
    h('td', { class: 'num' }, tokens(s.usage)),
    h('td', { class: 'num' }, cost(s.usage)),
    h('td', { class: 'when' }, when(s.updated_at)));
}

async function options(path, label) {
  const res = await get(`${path}?limit=100`);
  return res.data.filter((r) => !r.archived_at).map((r) => h('option', { value: r.id }, `${r.name || r.id} (${r.id})`))
    .concat(res.data.length ? [] : [h('option', { value: '' }, `no ${label} yet`)]);
}

/** A form that starts a session from an agent and an environment, with an optional first message. */
function newSessionForm(error) {
  const agent = h('select', { name: 'agent', 'aria-label': 'Agent' });
  const env = h('select', { name: 'environment_id', 'aria-label': 'Environment' });
  const title = h('input', { name: 'title', placeholder: 'Title (optional)', 'aria-label': 'Title' });
  const message = h('textarea', { name: 'message', rows: 2, placeholder: 'First message (optional)', 'aria-label': 'First message' });
  Promise.all([options('/v1/agents', 'agents'), options('/v1/environments', 'environments')])
    .then(([a, e]) => { agent.replaceChildren(...a); env.replaceChildren(...e); })
    .catch((e) => { error.textContent = e.message; });
  return h('details', { class: 'card' }, h('summary', {}, 'New session'),
    h('form', {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const body = { agent: agent.value, environment_id: env.value };
          if (title.value.trim()) body.title = title.value.trim();
          const s = await post('/v1/sessions', body);
          if (message.value.trim()) await send(s.id, { type: 'user.message', content: [{ type: 'text', text: message.value }] });
          location.hash = `#/sessions/${s.id}`;
        } catch (err) {
          error.textContent = err.message;
        }
      },
    }, agent, env, title, message, h('button', { type: 'submit', class: 'primary' }, 'Start')));
}

/**
 * Why each idle session stopped: the stop_reason of its newest session.status_idle event. The
 * session object has no such field (nor does the Managed Agents API's), so it is read from the
 * session's events, once per state: a session's updated_at moves whenever its status does.
 */
function stopReasons() {
  const known = new Map(); // session id → { at: updated_at, reason }
  return async (sessions) => {
    await Promise.all(sessions.filter((s) => s.status === 'idle').map(async (s) => {
      if (known.get(s.id)?.at === s.updated_at) return;
      const q = new URLSearchParams({ order: 'desc', limit: '1' });
      q.append('types[]', 'session.status_idle');
      try {
        const res = await get(`/v1/sessions/${s.id}/events?${q}`);
        known.set(s.id, { at: s.updated_at, reason: res.data[0]?.stop_reason?.type });
      } catch {
        // Shown as plain idle until the next refresh asks again.
      }
    }));
    return (s) => (s.status === 'idle' ? known.get(s.id)?.reason : undefined);
  };
}

/** Sessions, newest first, refreshed while the page is open. */
export function sessionsPage(root, can = { write: true }) {
  const body = h('tbody');
  const error = h('p', { class: 'error-text', role: 'alert' });
  const statusFilter = h('select', { 'aria-label': 'Status', onchange: () => refresh() },
    ...['', 'running', 'idle', 'rescheduling', 'terminated'].map((s) => h('option', { value: s }, s || 'any status')));
  clear(root,
    h('div', { class: 'heading' }, h('h1', {}, 'Sessions'), statusFilter),
    can.write ? newSessionForm(error) : null,
    error,
    h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'sessions' },
      h('thead', {}, h('tr', {}, ...['Session', 'Agent', 'Status', 'Tokens', 'Cost', 'Updated']
        .map((c) => h('th', { class: c === 'Tokens' || c === 'Cost' ? 'num' : undefined }, c)))),
      body)));
  let timer;
  const reasons = stopReasons();
  const refresh = async () => {
    clearTimeout(timer);
    try {
      const q = new URLSearchParams({ limit: '100' });
      if (statusFilter.value) q.append('statuses[]', statusFilter.value);
      const res = await get(`/v1/sessions?${q}`);
      const reason = await reasons(res.data);
      body.replaceChildren(...res.data.map((s) => row(s, reason(s))));
      if (!res.data.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No sessions yet.')));
      error.textContent = '';
    } catch (e) {
      error.textContent = e.message;
    }
    timer = setTimeout(refresh, document.hidden ? REFRESH_MS * 5 : REFRESH_MS);
  };
  refresh();
  return () => clearTimeout(timer);
}
