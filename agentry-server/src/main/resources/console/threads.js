import { follow, get, history } from './api.js';
import { h, statusBadge } from './dom.js';

// Multi-agent sessions: the threads under a session (one tab each, with its status) and the events
// that pass between them. A session without threads shows none of this.

const text = (content) => (content || []).map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join('\n');

/** Who a thread message is to or from: its agent, else (the primary thread names none) the coordinator. */
function peer(names, id, name) {
  return name || names.get(id) || 'coordinator';
}

/**
 * The timeline item of a thread event, or undefined for any other event. `names` maps thread ids
 * to agent names; it learns them from the events as they pass.
 */
export function threadItem(ev, names) {
  if (ev.session_thread_id && ev.agent_name) names.set(ev.session_thread_id, ev.agent_name);
  const name = () => names.get(ev.session_thread_id) || ev.session_thread_id;
  const line = (cls, label) => h('li', { class: `status thread ${cls}`, dataset: { threadId: ev.session_thread_id } }, label);
  switch (ev.type) {
    case 'session.thread_created':
      return line('', `thread started: ${name()}`);
    case 'session.thread_status_running':
      return line('', `${name()}: running`);
    case 'session.thread_status_idle': {
      const reason = ev.stop_reason?.type || 'end_turn';
      return line(reason === 'end_turn' ? '' : 'warn', `${name()}: idle${reason === 'end_turn' ? '' : ` (${reason.replace('_', ' ')})`}`);
    }
    case 'session.thread_status_rescheduled':
      return line('warn', `${name()}: rescheduled`);
    case 'session.thread_status_terminated':
      return line('bad', `${name()}: terminated`);
    case 'agent.thread_message_sent':
      return h('li', { class: 'msg thread sent' },
        h('div', { class: 'who' }, `→ to ${peer(names, ev.to_session_thread_id, ev.to_agent_name)}`),
        h('div', { class: 'text' }, text(ev.content)));
    case 'agent.thread_message_received':
      return h('li', { class: 'msg thread received' },
        h('div', { class: 'who' }, `← from ${peer(names, ev.from_session_thread_id, ev.from_agent_name)}`),
        h('div', { class: 'text' }, text(ev.content)));
    default:
      return undefined;
  }
}

/**
 * The thread tabs of a session: the primary thread (the coordinator) first, then each child with
 * its status. Hidden until the session has a child thread (and on a server without threads).
 * `onSelect(thread)` runs when a tab is chosen; the primary thread's tab shows the session timeline.
 */
export class ThreadTabs {
  constructor(sessionId, names, onSelect) {
    this.sessionId = sessionId;
    this.names = names;
    this.onSelect = onSelect;
    this.selected = null; // a thread id; null is the primary thread
    this.element = h('nav', { id: 'threads', class: 'threads', role: 'tablist', 'aria-label': 'Threads', hidden: true });
  }

  async refresh() {
    let threads;
    try {
      threads = await listAll(this.sessionId);
    } catch (e) {
      if (e.status === 404) return; // no such session (the page says so) or a server without threads
      throw e;
    }
    for (const t of threads) if (t.agent?.name) this.names.set(t.id, t.agent.name);
    const children = threads.filter((t) => t.parent_thread_id);
    this.element.hidden = children.length === 0;
    const primary = threads.find((t) => !t.parent_thread_id);
    const tab = (t, isPrimary) => {
      const id = isPrimary ? null : t.id;
      const label = t?.agent?.name || t?.id || 'coordinator';
      return h('button', {
        type: 'button',
        role: 'tab',
        class: 'thread-tab',
        'aria-selected': String(this.selected === id),
        dataset: { threadId: t?.id || '', primary: String(isPrimary), status: t?.status || '' },
        onclick: () => this.select(id, t),
      }, h('span', { class: 'thread-name' }, isPrimary ? `${label} (coordinator)` : label), ' ',
      t ? statusBadge(t.status) : null);
    };
    // No tabs at all without a child thread: a one-agent session lists only its primary thread.
    if (children.length === 0) this.element.replaceChildren();
    else this.element.replaceChildren(tab(primary, true), ...children.map((t) => tab(t, false)));
  }

  select(id, thread) {
    if (this.selected === id) return;
    this.selected = id;
    for (const b of this.element.querySelectorAll('button')) {
      b.setAttribute('aria-selected', String((b.dataset.primary === 'true' ? null : b.dataset.threadId) === id));
    }
    this.onSelect(id, thread);
  }
}

async function listAll(sessionId) {
  const threads = [];
  let page = null;
  do {
    const q = new URLSearchParams({ limit: '100' });
    if (page) q.set('page', page);
    const res = await get(`/v1/sessions/${sessionId}/threads?${q}`);
    threads.push(...res.data);
    page = res.next_page;
  } while (page);
  return threads;
}

/** Follows one child thread's own stream (its tool calls, previews and messages) into `add`. */
export function followThread(sessionId, threadId, { onEvent, onState }) {
  const base = `/v1/sessions/${sessionId}/threads/${threadId}`;
  return follow(sessionId, {
    onEvent,
    onOpen: async () => { (await history(sessionId, `${base}/events`)).forEach(onEvent); },
    onState,
  }, `${base}/stream`);
}
