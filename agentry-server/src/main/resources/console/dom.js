// A tiny element builder. Text always goes in as text nodes, never as HTML, so nothing an agent,
// a tool or a user writes can become markup in the console.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A moment with its date: a list read tomorrow must not pass yesterday's 14:02 for today's. */
export function when(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "3 s", "2 min 5 s", "1 h 4 min": how long something has run. */
export function elapsed(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

export function cost(usage) {
  const c = usage && usage.list_cost;
  if (!c) return '—';
  // list_cost.amount is in cents, as a decimal string (docs/pricing.md).
  return `$${(Number(c.amount) / 100).toFixed(2)}`;
}

export function tokens(usage) {
  if (!usage) return '—';
  const n = (usage.input_tokens || 0) + (usage.output_tokens || 0) + (usage.cache_read_input_tokens || 0);
  return n.toLocaleString();
}

/**
 * What a session's state means to a person. An idle session is not simply "idle": its last turn
 * may wait on the user (requires_action), have failed (retries_exhausted) or hit its budget.
 */
const IDLE_STATES = {
  requires_action: 'waiting for you',
  retries_exhausted: 'failed',
  budget_reached: 'budget reached',
  refusal: 'refused',
};

export function sessionState(status, stopReason) {
  if (status === 'idle' && Object.hasOwn(IDLE_STATES, stopReason)) return { state: stopReason, label: IDLE_STATES[stopReason] };
  return { state: status, label: status.replace('_', ' ') };
}

export function statusBadge(status, stopReason) {
  const { state, label } = sessionState(status, stopReason);
  return h('span', { class: `badge status-${state}`, dataset: { status, state } }, label);
}
