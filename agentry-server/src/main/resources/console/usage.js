import { get } from './api.js';
import { clear, cost, h } from './dom.js';

const NUMBERS = [
  ['Sessions', (u) => u.session_count],
  ['Input tokens', (u) => u.input_tokens],
  ['Output tokens', (u) => u.output_tokens],
  ['Cache read', (u) => u.cache_read_input_tokens],
  ['Active s', (u) => Math.round(u.active_seconds ?? 0)],
  ['Web requests', (u) => (u.server_tool_use?.web_search_requests ?? 0) + (u.server_tool_use?.web_fetch_requests ?? 0)],
];

const fmt = (n) => (n ?? 0).toLocaleString();

/** A date input's day as the start of that day in UTC (RFC 3339), or nothing. */
function day(input, plusDays = 0) {
  if (!input.value) return null;
  const d = new Date(`${input.value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString();
}

/** The usage report (GET /v1/agentry/usage) of the key's workspace, by agent or by session. */
export function usagePage(root) {
  const from = h('input', { type: 'date', name: 'from', 'aria-label': 'From (UTC)' });
  const to = h('input', { type: 'date', name: 'to', 'aria-label': 'To, inclusive (UTC)' });
  const groupBy = h('select', { name: 'group_by', 'aria-label': 'Group by' },
    h('option', { value: 'agent' }, 'by agent'), h('option', { value: 'session' }, 'by session'));
  const totals = h('div', { class: 'stats', id: 'usage-totals' });
  const body = h('tbody');
  const head = h('thead');
  const error = h('p', { class: 'error-text', role: 'alert' });
  const load = async () => {
    const q = new URLSearchParams({ group_by: groupBy.value });
    if (day(from)) q.set('from', day(from));
    if (day(to, 1)) q.set('to', day(to, 1));
    try {
      const report = await get(`/v1/agentry/usage?${q}`);
      const t = report.totals;
      totals.replaceChildren(
        ...NUMBERS.map(([label, f]) => h('div', { class: 'stat' }, h('span', { class: 'muted' }, label), h('strong', {}, fmt(f(t))))),
        h('div', { class: 'stat' }, h('span', { class: 'muted' }, 'List cost'), h('strong', { id: 'usage-cost' }, cost(t))));
      const first = groupBy.value === 'agent' ? 'Agent' : 'Session';
      // A session row counts one session: the column says something only per agent.
      const columns = NUMBERS.filter(([label]) => first === 'Agent' || label !== 'Sessions');
      head.replaceChildren(h('tr', {}, h('th', {}, first), ...columns.map(([label]) => h('th', { class: 'num' }, label)), h('th', { class: 'num' }, 'Cost')));
      body.replaceChildren(...report.rows.map((r) => h('tr', { dataset: { id: r.session_id || r.agent_id } },
        h('td', {}, r.session_id
          ? h('a', { href: `#/sessions/${r.session_id}` }, r.title || r.session_id)
          : h('a', { href: `#/agents/${r.agent_id}` }, r.agent_name || r.agent_id)),
        ...columns.map(([, f]) => h('td', { class: 'num' }, fmt(f(r)))),
        h('td', { class: 'num' }, cost(r)))));
      if (!report.rows.length) body.append(h('tr', {}, h('td', { colspan: columns.length + 2, class: 'muted' }, 'No sessions in this range.')));
      error.textContent = '';
    } catch (e) {
      error.textContent = e.message;
    }
  };
  for (const input of [from, to, groupBy]) input.addEventListener('change', load);
  clear(root,
    h('div', { class: 'heading' }, h('h1', {}, 'Usage'), h('div', { class: 'filters' }, from, to, groupBy)),
    h('p', { class: 'muted' }, 'Tokens, active time, web requests and list cost of this workspace\'s sessions, by the day they were created (UTC).'),
    error, totals,
    h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'usage' }, head, body)));
  load();
}
