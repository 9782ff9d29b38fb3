import { elapsed, h, pretty, when } from './dom.js';
import { threadItem } from './threads.js';

const TOOL_USES = new Set(['agent.tool_use', 'agent.mcp_tool_use', 'agent.custom_tool_use']);
const TOOL_RESULTS = { 'agent.tool_result': 'tool_use_id', 'agent.mcp_tool_result': 'mcp_tool_use_id' };

/** What the model or a tool said, as text: text blocks verbatim, anything else named. */
function blocksText(content) {
  return (content || [])
    .map((b) => (b.type === 'text' ? b.text : `[${b.type}]`))
    .join('\n');
}

/** The line that says what a tool call does: its command, else its first input line. */
function inputLine(input) {
  if (!input || typeof input !== 'object') return '';
  const first = typeof input.command === 'string' ? input.command
    : Object.values(input).find((v) => typeof v === 'string' && v.trim()) ?? JSON.stringify(input);
  const line = first.split('\n').find((l) => l.trim()) ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

// Where a person may fork the session: at what was said, a finished tool call, a turn's end.
const FORKABLE = new Set(['user.message', 'agent.message', 'session.status_idle', ...TOOL_USES]);

const at = (ev) => Date.parse(ev.processed_at || ev.created_at) || Date.now();

function folded(label, body, open = false) {
  return h('details', { open }, h('summary', {}, label), h('pre', {}, body));
}

/**
 * The session timeline: each event once, in log order. Tool calls hold their input, their result
 * and, while the session waits on them, the buttons or form that answer them.
 */
export class Timeline {
  constructor(list, answers) {
    this.list = list;
    // { canAnswer, confirm(id, allow, denyMessage), customResult(id, text, isError),
    //   fork(eventId) (absent for a key that may only read) }
    this.answers = answers;
    this.seen = new Set();
    this.tools = new Map();
    this.requests = new Map();
    this.names = answers.names || new Map(); // thread id → agent name, in multi-agent sessions
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  close() {
    clearInterval(this.ticker);
  }

  /** A call runs from when it may (at once, or once approved) until its result. */
  run(tool, since) {
    tool.since = since;
    this.showRunning(tool);
  }

  showRunning(tool) {
    tool.state.className = 'state running';
    tool.state.textContent = `running ${elapsed(Date.now() - tool.since)}`;
  }

  stop(tool, text) {
    tool.since = null;
    tool.state.className = 'state';
    tool.state.textContent = text;
  }

  tick() {
    for (const tool of this.tools.values()) if (tool.since) this.showRunning(tool);
  }

  add(ev) {
    if (this.seen.has(ev.id)) return false;
    this.seen.add(ev.id);
    const item = this.render(ev);
    if (item) {
      item.classList.add('event');
      item.dataset.type = ev.type;
      item.dataset.id = ev.id;
      item.title = when(ev.processed_at || ev.created_at);
      if (this.answers.fork && FORKABLE.has(ev.type)) item.append(this.forkButton(item));
      this.list.append(item);
    }
    return true;
  }

  render(ev) {
    const thread = threadItem(ev, this.names);
    if (thread !== undefined) {
      // A child thread that waits on a person: its calls (cross-posted here) get their answers.
      if (ev.type === 'session.thread_status_idle' && ev.stop_reason?.type === 'requires_action') {
        for (const id of ev.stop_reason.event_ids || []) this.ask(id);
      }
      return thread;
    }
    if (TOOL_USES.has(ev.type)) return this.toolUse(ev);
    if (ev.type in TOOL_RESULTS) return this.toolResult(ev, ev[TOOL_RESULTS[ev.type]]);
    switch (ev.type) {
      case 'user.message':
        return h('li', { class: 'msg user' }, h('div', { class: 'who' }, 'You'), h('div', { class: 'text' }, blocksText(ev.content)));
      case 'agent.message':
        return h('li', { class: 'msg agent' }, h('div', { class: 'who' }, 'Agent'), h('div', { class: 'text' }, blocksText(ev.content)));
      case 'agent.thinking':
        return h('li', { class: 'note' }, 'thinking…');
      case 'user.tool_confirmation': {
        this.settle(ev.tool_use_id, ev.result === 'allow' ? 'approved' : `denied${ev.deny_message ? `: ${ev.deny_message}` : ''}`);
        const tool = this.tools.get(ev.tool_use_id);
        if (tool && ev.result === 'allow' && !tool.done) this.run(tool, at(ev));
        return null;
      }
      case 'user.custom_tool_result':
        this.settle(ev.custom_tool_use_id, null);
        return this.toolResult(ev, ev.custom_tool_use_id);
      case 'user.interrupt':
        return h('li', { class: 'note warn' }, 'interrupted');
      case 'session.status_running':
        return h('li', { class: 'status' }, 'running');
      case 'session.status_rescheduled':
        return h('li', { class: 'status' }, 'rescheduled: retrying after a failure');
      case 'session.status_terminated':
        return h('li', { class: 'status bad' }, 'terminated');
      case 'session.status_idle':
        return this.idle(ev);
      case 'session.error':
        return h('li', { class: 'error' },
          h('strong', {}, ev.error?.type || 'error'), ' ', ev.error?.message || '',
          ev.error?.retry_status ? h('span', { class: 'muted' }, ` (${ev.error.retry_status.type})`) : null);
      case 'span.model_request_start': {
        const item = h('li', { class: 'usage pending' }, 'asking the model…');
        this.requests.set(ev.id, item);
        return item;
      }
      case 'span.model_request_end': {
        // One line per model request: the start's "asking" line becomes its usage.
        const u = ev.model_usage || {};
        const text = `model request${ev.is_error ? ' failed' : ''}: ${u.input_tokens ?? 0} in · ${u.output_tokens ?? 0} out`
          + (u.cache_read_input_tokens ? ` · ${u.cache_read_input_tokens} cached` : '') + ' tokens';
        const start = this.requests.get(ev.model_request_start_id);
        const item = start || h('li', { class: 'usage' });
        item.textContent = text;
        item.classList.remove('pending');
        item.classList.toggle('bad', !!ev.is_error);
        return start ? null : item;
      }
      case 'agent.thread_context_compacted':
        return h('li', { class: 'note' }, 'context compacted');
      case 'session.usage':
        return null;
      default:
        return h('li', { class: 'other' }, folded(ev.type, pretty(ev)));
    }
  }

  toolUse(ev) {
    const custom = ev.type === 'agent.custom_tool_use';
    const name = ev.mcp_server_name ? `${ev.mcp_server_name} · ${ev.name}` : ev.name;
    const result = h('div', { class: 'result' });
    const state = h('span', { class: 'state' });
    const note = h('span', { class: 'muted' });
    const pending = h('div', { class: 'pending' });
    const askBadge = ev.evaluated_permission === 'ask' ? h('span', { class: 'badge ask' }, 'needs approval') : null;
    // A child thread's call cross-posted to the session stream says whose it is.
    const threadBadge = ev.session_thread_id && !this.answers.inThread
      ? h('span', { class: 'badge thread', dataset: { threadId: ev.session_thread_id } }, this.names.get(ev.session_thread_id) || ev.session_thread_id)
      : null;
    const item = h('li', { class: `tool${custom ? ' custom' : ''}` },
      h('details', {},
        h('summary', {}, h('span', { class: 'tool-name' }, custom ? `custom tool ${name}` : name),
          h('code', { class: 'tool-input' }, inputLine(ev.input)), state, note, threadBadge, askBadge,
          ev.evaluated_permission === 'deny' ? h('span', { class: 'badge bad' }, 'denied by policy') : null),
        h('pre', { class: 'input' }, pretty(ev.input ?? {}))),
      result, pending);
    const tool = { ev, item, result, state, note, pending, custom, askBadge, since: null, done: false };
    this.tools.set(ev.id, tool);
    // The server runs it now unless a person must approve it first or it is the client's to run.
    if (!custom && !ev.evaluated_permission?.match(/^(ask|deny)$/)) this.run(tool, at(ev));
    return item;
  }

  /**
   * "Fork from here": a new session with the log through this item's event (a tool call's result
   * once it has one) and the workspace as it was then.
   */
  forkButton(item) {
    return h('button', {
      type: 'button',
      class: 'fork link',
      dataset: { action: 'fork' },
      title: 'A new session with this log up to here, and the workspace as it was then',
      onclick: (e) => {
        e.target.disabled = true;
        this.answers.fork(item.dataset.forkAt || item.dataset.id).catch(() => { e.target.disabled = false; });
      },
    }, 'Fork from here');
  }

  toolResult(ev, useId) {
    const tool = this.tools.get(useId);
    if (tool) tool.item.dataset.forkAt = ev.id;
    const output = folded(ev.is_error ? 'error' : 'output', blocksText(ev.content) || '(no output)');
    if (ev.is_error) output.classList.add('bad');
    if (!tool) return h('li', { class: 'tool' }, output);
    this.settle(useId, null);
    tool.done = true;
    const took = tool.since ? ` ${elapsed(at(ev) - tool.since)}` : '';
    this.stop(tool, `${ev.is_error ? ' ✗' : ' ✓'}${took}`);
    tool.item.classList.toggle('failed', !!ev.is_error);
    tool.result.replaceChildren(output);
    return null;
  }

  idle(ev) {
    const reason = ev.stop_reason?.type || 'end_turn';
    // The turn is over: a call still "running" has no result coming.
    for (const tool of this.tools.values()) if (tool.since) this.stop(tool, ' no result');
    if (reason === 'requires_action') {
      for (const id of ev.stop_reason.event_ids || []) this.ask(id);
      return h('li', { class: 'status warn' }, 'waiting for you');
    }
    if (reason === 'retries_exhausted') return h('li', { class: 'status bad' }, 'turn failed: retries exhausted');
    return h('li', { class: `status${reason === 'end_turn' ? '' : ' warn'}` }, `idle: ${reason.replace('_', ' ')}`);
  }

  /** Shows what answers a pending call: approve/deny, or the result form of a custom tool. */
  ask(id) {
    const tool = this.tools.get(id);
    if (!tool || tool.pending.childElementCount) return;
    tool.item.classList.add('waiting');
    if (!this.answers.canAnswer) {
      // A read_only key may look, not answer: say what the call waits for, offer nothing.
      tool.pending.append(h('p', { class: 'muted answer' }, tool.custom
        ? 'Waits for a result from a key that may write.'
        : 'Waits for approval from a key that may write.'));
    } else if (tool.custom) {
      const text = h('textarea', { name: 'result', rows: 3, placeholder: 'Result text for the agent', 'aria-label': 'Custom tool result' });
      const isError = h('input', { type: 'checkbox', name: 'is_error' });
      const submit = h('button', { type: 'submit', dataset: { action: 'result' } }, 'Send result');
      tool.pending.append(h('form', {
        class: 'answer',
        onsubmit: (e) => {
          e.preventDefault();
          submit.disabled = true;
          this.answers.customResult(id, text.value, isError.checked).catch(() => { submit.disabled = false; });
        },
      }, text, h('label', {}, isError, ' is an error'), submit));
    } else {
      const deny = h('input', { name: 'deny_message', placeholder: 'Reason (optional, shown to the agent)', 'aria-label': 'Deny reason' });
      const button = (allow) => h('button', {
        type: 'button',
        class: allow ? 'primary' : 'danger',
        dataset: { action: allow ? 'approve' : 'deny' },
        onclick: (e) => {
          e.target.disabled = true;
          this.answers.confirm(id, allow, deny.value).catch(() => { e.target.disabled = false; });
        },
      }, allow ? 'Approve' : 'Deny');
      tool.pending.append(h('div', { class: 'answer' }, button(true), button(false), deny));
    }
    tool.item.querySelector('details').open = true;
  }

  settle(id, note) {
    const tool = this.tools.get(id);
    if (!tool) return;
    tool.pending.replaceChildren();
    tool.item.classList.remove('waiting');
    tool.askBadge?.remove(); // answered: it no longer needs approval
    if (note) tool.note.textContent = ` ${note}`;
  }

  /** Ids of the calls that still wait for an answer. */
  waiting() {
    return [...this.tools.entries()].filter(([, t]) => t.pending.childElementCount).map(([id]) => id);
  }
}
