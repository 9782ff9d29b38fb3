import { follow, get, history, post, send } from './api.js';
import { clear, cost, h, statusBadge, tokens } from './dom.js';
import { followThread, ThreadTabs } from './threads.js';
import { Timeline } from './timeline.js';

const REFRESHING = /^session\.(status_|usage|updated)/;
const THREADS_CHANGED = /^session\.thread_/;

function summary(s, stopReason) {
  const agent = s.agent || {};
  const stat = (label, value) => h('div', { class: 'stat' }, h('span', { class: 'muted' }, label), h('strong', {}, value));
  return [
    h('div', { class: 'heading' }, h('h1', {}, s.title || s.id), statusBadge(s.status, stopReason)),
    h('div', { class: 'stats' },
      stat('Agent', `${agent.name || agent.id} v${agent.version}`),
      stat('Model', agent.model?.id || ''),
      stat('Tokens', tokens(s.usage)),
      stat('Cost', cost(s.usage)),
      stat('Active', `${(s.stats?.active_seconds ?? 0).toFixed(1)} s`)),
  ];
}

/**
 * One session: its live timeline, and what a person can do in it — nothing until the session is
 * known to exist, and nothing for a key that may only read (`can.write` false).
 */
export function sessionPage(root, id, can = { write: true }) {
  const header = h('section', { id: 'session-summary' });
  const live = h('span', { class: 'live', id: 'stream-state' }, 'connecting…');
  const waiting = h('span', { class: 'badge ask', id: 'waiting', hidden: true });
  const list = h('ol', { class: 'timeline', id: 'timeline' });
  const error = h('p', { class: 'error-text', role: 'alert' });
  const text = h('textarea', { name: 'message', rows: 2, placeholder: 'Message the agent (Ctrl+Enter sends)', 'aria-label': 'Message' });
  const act = (promise) => promise.then(() => { error.textContent = ''; }, (e) => { error.textContent = e.message; throw e; });
  const names = new Map(); // thread id → agent name, shared by every timeline of the page
  const answers = {
    names,
    canAnswer: can.write,
    confirm: (toolUseId, allow, denyMessage) => act(send(id, {
      type: 'user.tool_confirmation', tool_use_id: toolUseId, result: allow ? 'allow' : 'deny',
      ...(!allow && denyMessage ? { deny_message: denyMessage } : {}),
    })),
    customResult: (useId, result, isError) => act(send(id, {
      type: 'user.custom_tool_result', custom_tool_use_id: useId, is_error: isError,
      content: [{ type: 'text', text: result }],
    })),
    fork: can.write
      ? (eventId) => act(post(`/v1/sessions/${id}/fork`, { event_id: eventId })
        .then((fork) => { location.hash = `#/sessions/${fork.id}`; }))
      : null,
  };
  const timeline = new Timeline(list, answers);
  // A child thread's own timeline, shown instead of the session's while its tab is chosen.
  const threadList = h('ol', { class: 'timeline', id: 'thread-timeline', hidden: true });
  let child = null; // { timeline, stream } of the chosen child thread
  const showThread = (threadId) => {
    child?.stream.close();
    child?.timeline.close();
    child = null;
    list.hidden = threadId !== null;
    threadList.hidden = threadId === null;
    threadList.replaceChildren();
    if (threadId === null) return;
    threadList.dataset.threadId = threadId;
    const t = new Timeline(threadList, { ...answers, inThread: true }); // its calls need no thread badge
    child = { timeline: t, stream: followThread(id, threadId, { onEvent: (ev) => t.add(ev), onState: () => {} }) };
  };
  const tabs = new ThreadTabs(id, names, showThread);
  let tabsTimer;
  const refreshTabs = () => { clearTimeout(tabsTimer); tabsTimer = setTimeout(() => tabs.refresh().catch(() => {}), 150); };
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
    hidden: true,
    onsubmit: (e) => { e.preventDefault(); sendMessage(); },
  }, text, h('div', { class: 'buttons' },
    h('button', { type: 'submit', class: 'primary', id: 'send' }, 'Send'),
    // With a child thread's tab chosen, only that thread is interrupted; else every thread.
    h('button', { type: 'button', id: 'interrupt', onclick: () => act(send(id, { type: 'user.interrupt', ...(tabs.selected ? { session_thread_id: tabs.selected } : {}) })).catch(() => {}) }, 'Interrupt'),
    h('button', { type: 'button', id: 'archive', onclick: () => act(post(`/v1/sessions/${id}/archive`)).then(refresh, () => {}) }, 'Archive')));
  clear(root, h('p', {}, h('a', { href: '#/sessions' }, '← Sessions'), ' ', live, ' ', waiting), header, tabs.element, list, threadList, error, can.write ? composer : null);

  let refreshTimer;
  let stream;
  let stopReason; // of the newest idle, for the badge: an idle after a failed turn says "failed"
  const refresh = () => get(`/v1/sessions/${id}`).then((s) => {
    clear(header, ...summary(s, stopReason));
    composer.hidden = false; // the session exists: it can be written to (if the key may)
  }, (e) => {
    if (e.status === 404) {
      // Nothing to act on: no composer, no stream, just where to go instead.
      composer.remove();
      stream?.close();
      live.textContent = '';
      clear(header, h('div', { class: 'heading' }, h('h1', {}, 'Session not found')),
        h('p', { class: 'notice', id: 'not-found' }, `There is no session ${id} in this workspace. `, h('a', { href: '#/sessions' }, 'See the sessions')));
      return;
    }
    error.textContent = e.message;
  });
  const refreshSoon = () => { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, 150); };
  const add = (ev) => {
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
    if (timeline.add(ev) && atBottom) composer.scrollIntoView({ block: 'end' });
    const asks = timeline.waiting().length;
    waiting.hidden = asks === 0;
    waiting.textContent = `${asks} waiting for you`;
    if (ev.type === 'session.status_idle') stopReason = ev.stop_reason?.type;
    if (REFRESHING.test(ev.type)) refreshSoon();
    if (THREADS_CHANGED.test(ev.type)) refreshTabs();
  };
  refresh();
  tabs.refresh().catch(() => {});
  stream = follow(id, {
    onEvent: add,
    onOpen: async () => { (await history(id)).forEach(add); },
    onState: (state, e) => { live.textContent = state === 'closed' ? (e?.message || 'closed') : state; live.dataset.state = state; },
  });
  return () => {
    stream.close();
    clearTimeout(refreshTimer);
    clearTimeout(tabsTimer);
    timeline.close();
    child?.stream.close();
    child?.timeline.close();
  };
}
