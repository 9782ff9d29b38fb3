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

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
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

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, dataset: { status } }, status.replace('_', ' '));
}
