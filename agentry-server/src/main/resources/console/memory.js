import { get, post } from './api.js';
import { clear, h, when } from './dom.js';

const enc = encodeURIComponent;

/** Who wrote a version: the actor's type without "_actor", and its id. */
function actor(a) {
  if (!a) return '';
  const id = a.session_id || a.api_key_id || a.user_id || a.service_account_id || '';
  return `${a.type.replace(/_actor$/, '')} ${id}`;
}

async function storesPage(root) {
  const error = h('p', { class: 'error-text', role: 'alert' });
  const body = h('tbody');
  clear(root, h('div', { class: 'heading' }, h('h1', {}, 'Memory stores')), error,
    h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'memory-stores' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Description'), h('th', {}, 'Updated'))), body)));
  try {
    const res = await get('/v1/memory_stores?limit=100&include_archived=true');
    body.replaceChildren(...res.data.map((s) => h('tr', { class: s.archived_at ? 'archived' : '', dataset: { id: s.id } },
      h('td', {}, h('a', { href: `#/memory/${s.id}` }, s.name)), h('td', {}, s.description), h('td', {}, when(s.updated_at)))));
    if (!res.data.length) body.append(h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'None yet.')));
  } catch (e) {
    error.textContent = e.message;
  }
}

/** Every memory of the store (basic view), page by page. */
async function allMemories(id) {
  const out = [];
  let page = null;
  do {
    const res = await get(`/v1/memory_stores/${id}/memories?limit=100${page ? `&page=${enc(page)}` : ''}`);
    out.push(...res.data);
    page = res.next_page;
  } while (page);
  return out;
}

async function storePage(root, id, can) {
  const error = h('p', { class: 'error-text', role: 'alert' });
  const content = h('pre', { class: 'card definition', id: 'memory-content' }, 'Pick a memory to see its content.');
  const tree = h('ul', { class: 'stack', id: 'memory-tree' });
  const versions = h('tbody');
  clear(root, h('p', {}, h('a', { href: '#/memory' }, '← Memory stores')), error);
  try {
    const store = await get(`/v1/memory_stores/${id}`);
    const memories = await allMemories(id);
    tree.replaceChildren(...memories.map((m) => {
      const depth = m.path.split('/').length - 2;
      const li = h('li', { dataset: { path: m.path } },
        h('a', {
          href: '#',
          onclick: async (e) => {
            e.preventDefault();
            const full = await get(`/v1/memory_stores/${id}/memories/${m.id}`);
            content.textContent = full.content;
          },
        }, m.path), h('span', { class: 'muted' }, ` ${m.content_size_bytes} bytes`));
      li.style.paddingLeft = `${depth * 1.2}em`; // through the CSSOM: the CSP refuses style attributes
      return li;
    }));
    if (!memories.length) tree.append(h('li', { class: 'muted' }, 'No memories yet.'));
    // A memory's current version cannot be redacted (update or delete the memory first).
    const current = new Set(memories.map((m) => m.memory_version_id));
    const res = await get(`/v1/memory_stores/${id}/memory_versions?limit=100`);
    versions.replaceChildren(...res.data.map((v) => h('tr', { dataset: { id: v.id } },
      h('td', {}, v.operation), h('td', {}, v.redacted_at ? '(redacted)' : v.path), h('td', {}, actor(v.created_by)),
      h('td', {}, when(v.created_at)),
      h('td', {}, can.write && !v.redacted_at && !current.has(v.id) ? h('button', {
        type: 'button',
        class: 'redact',
        onclick: () => post(`/v1/memory_stores/${id}/memory_versions/${v.id}/redact`)
          .then(() => storePage(root, id, can), (e) => { error.textContent = e.message; }),
      }, 'Redact') : ''))));
    root.append(h('div', { class: 'heading' }, h('h1', {}, store.name)),
      h('p', { class: 'muted' }, [store.id, store.archived_at && 'archived', store.description].filter(Boolean).join(' · ')),
      h('h2', {}, 'Memories'), tree, content,
      h('h2', {}, 'Versions'),
      h('div', { class: 'scroll' }, h('table', { class: 'list', id: 'memory-versions' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Operation'), h('th', {}, 'Path'), h('th', {}, 'By'), h('th', {}, 'When'), h('th', {}, ''))),
        versions)));
  } catch (e) {
    error.textContent = e.message;
  }
}

/** The memory stores, or one store: its path tree, a memory's content and its version history. */
export function memoryPage(root, id, can = { write: true }) {
  if (id) storePage(root, id, can);
  else storesPage(root);
}
