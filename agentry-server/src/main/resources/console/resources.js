import { get, post } from './api.js';
import { clear, h, pretty, when } from './dom.js';

const KINDS = {
  agents: {
    title: 'Agents',
    columns: ['Name', 'Model', 'Version', 'Updated'],
    cells: (a) => [a.model?.id || '', `v${a.version}`, when(a.updated_at)],
    example: 'name: coder\nmodel: claude-sonnet-4-5\nsystem: You are a careful coding agent.\ntools:\n  - type: agent_toolset_20260401\n',
  },
  environments: {
    title: 'Environments',
    columns: ['Name', 'Type', 'Networking', 'Updated'],
    cells: (e) => [e.config?.type || '', e.config?.networking?.type || '', when(e.updated_at)],
    example: 'name: sandbox\nconfig:\n  type: cloud\n  networking:\n    type: limited\n    allow_package_managers: true\n',
  },
};

/** JSON if it looks like JSON, YAML otherwise; the server reads either (Http.body). */
function contentType(text) {
  return /^\s*[{[]/.test(text) ? 'application/json' : 'application/yaml';
}

function createForm(kind, error) {
  const spec = KINDS[kind];
  const text = h('textarea', { name: 'definition', rows: 10, spellcheck: 'false', placeholder: spec.example, 'aria-label': 'Definition (JSON or YAML)' });
  return h('details', { class: 'card' }, h('summary', {}, `Create from JSON or YAML`),
    h('form', {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const made = await post(`/v1/${kind}`, text.value, contentType(text.value));
          location.hash = `#/${kind}/${made.id}`;
        } catch (err) {
          error.textContent = err.message;
        }
      },
    }, text, h('button', { type: 'submit', class: 'primary' }, 'Create')));
}

async function listPage(root, kind, can) {
  const spec = KINDS[kind];
  const error = h('p', { class: 'error-text', role: 'alert' });
  const body = h('tbody');
  clear(root, h('div', { class: 'heading' }, h('h1', {}, spec.title)), can.write ? createForm(kind, error) : null, error,
    h('div', { class: 'scroll' }, h('table', { class: 'list', id: kind },
      h('thead', {}, h('tr', {}, ...spec.columns.map((c) => h('th', {}, c)))), body)));
  try {
    const res = await get(`/v1/${kind}?limit=100`);
    body.replaceChildren(...res.data.map((r) => h('tr', { class: r.archived_at ? 'archived' : '', dataset: { id: r.id } },
      h('td', {}, h('a', { href: `#/${kind}/${r.id}` }, r.name || r.id)),
      ...spec.cells(r).map((c) => h('td', {}, c)))));
    if (!res.data.length) body.append(h('tr', {}, h('td', { colspan: spec.columns.length, class: 'muted' }, 'None yet.')));
  } catch (e) {
    error.textContent = e.message;
  }
}

async function detailPage(root, kind, id, can) {
  const error = h('p', { class: 'error-text', role: 'alert' });
  clear(root, h('p', {}, h('a', { href: `#/${kind}` }, `← ${KINDS[kind].title}`)), error);
  try {
    const r = await get(`/v1/${kind}/${id}`);
    const archive = can.write && h('button', {
      type: 'button',
      disabled: !!r.archived_at,
      onclick: () => post(`/v1/${kind}/${id}/archive`).then(() => detailPage(root, kind, id, can), (e) => { error.textContent = e.message; }),
    }, r.archived_at ? 'Archived' : 'Archive');
    root.append(h('div', { class: 'heading' }, h('h1', {}, r.name || r.id), archive),
      h('p', { class: 'muted' }, r.id), h('pre', { class: 'card definition' }, pretty(r)));
  } catch (e) {
    error.textContent = e.message;
  }
}

/** Agents or environments: the list with a create form, or one of them. */
export function resourcePage(root, kind, id, can = { write: true }) {
  if (id) detailPage(root, kind, id, can);
  else listPage(root, kind, can);
}
