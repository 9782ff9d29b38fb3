import { follow, get, history, post, send } from './api.js';
import { clear, cost, h, statusBadge, tokens } from './dom.js';
import { Timeline } from './timeline.js';

const REFRESHING = /^session\.(status_|usage|updated)/;

function summary(s) {
  const agent = s.agent || {};
  const stat = (label, value) => h('div', { class: 'stat' }, h('span', { class: 'muted' }, label), h('strong', {}, value));
  return [
    h('div', { class: 'heading' }, h('h1', {}, s.title || s.id), statusBadge(s.status)),
    h('div', { class: 'stats' },
      stat('Agent', `${agent.name || agent.id} v${agent.version}`),
      stat('Model', agent.model?.id || ''),
      stat('Tokens', tokens(s.usage)),
      stat('Cost', cost(s.usage)),
      stat('Active', `${(s.stats?.active_seconds ?? 0).toFixed(1)} s`)),
  ];
}

/** One session: its live timeline, and what a person can do in it. */
export function sessionPage(root, id) {
  const header = h('section', { id: 'session-summary' });
  const live = h('span', { class: 'live', id: 'stream-state' }, 'connecting…');
  const waiting = h('span', { class: 'badge ask', id: 'waiting', hidden: true });
  const list = h('ol', { class: 'timeline', id: 'timeline' });
  const error = h('p', { class: 'error-text', role: 'alert' });
  const text = h('textarea', { name: 'message', rows: 2, placeholder: 'Message the agent (Ctrl+Enter sends)', 'aria-label': 'Message' });
  const act = (promise) => promise.then(() => { error.textContent = ''; }, (e) => { error.textContent = e.message; throw e; });
  const timeline = new Timeline(list, {
    confirm: (toolUseId, allow, denyMessage) => act(send(id, {
      type: 'user.tool_confirmation', tool_use_id: toolUseId, result: allow ? 'allow' : 'deny',
      ...(!allow && denyMessage ? { deny_message: denyMessage } : {}),
    })),
    customResult: (useId, result, isError) => act(send(id, {
      type: 'user.custom_tool_result', custom_tool_use_id: useId, is_error: isError,
      content: [{ type: 'text', text: result }],
    })),
  });
  const sendMessage = () => {
    if (!text.value.trim()) return;
    act(send(id, { type: 'user.message', content: [{ type: 'text', text: text.value }] }))
      .then(() => { text.value = ''; }, () => {});
  };
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) sendMessage();
  });
  const composer = h('form', {
    class: 'composer',
    onsubmit: (e) => { e.preventDefault(); sendMessage(); },
  }, text, h('div', { class: 'buttons' },
    h('button', { type: 'submit', class: 'primary', id: 'send' }, 'Send'),
    h('button', { type: 'button', id: 'interrupt', onclick: () => act(send(id, { type: 'user.interrupt' })).catch(() => {}) }, 'Interrupt'),
    h('button', { type: 'button', id: 'archive', onclick: () => act(post(`/v1/sessions/${id}/archive`)).then(refresh, () => {}) }, 'Archive')));
  clear(root, h('p', {}, h('a', { href: '#/sessions' }, '← Sessions'), ' ', live, ' ', waiting), header, list, error, composer);

  let refreshTimer;
  const refresh = () => get(`/v1/sessions/${id}`).then((s) => clear(header, ...summary(s)), (e) => { error.textContent = e.message; });
  const refreshSoon = () => { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, 150); };
  const add = (ev) => {
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
    if (timeline.add(ev) && atBottom) composer.scrollIntoView({ block: 'end' });
    const asks = timeline.waiting().length;
    waiting.hidden = asks === 0;
    waiting.textContent = `${asks} waiting for you`;
    if (REFRESHING.test(ev.type)) refreshSoon();
  };
  refresh();
  const stream = follow(id, {
    onEvent: add,
    onOpen: async () => { (await history(id)).forEach(add); },
    onState: (state, e) => { live.textContent = state === 'closed' ? (e?.message || 'closed') : state; live.dataset.state = state; },
  });
  return () => { stream.close(); clearTimeout(refreshTimer); };
}
