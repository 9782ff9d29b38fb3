import { h, pretty, when } from './dom.js';

const TOOL_USES = new Set(['agent.tool_use', 'agent.mcp_tool_use', 'agent.custom_tool_use']);
const TOOL_RESULTS = { 'agent.tool_result': 'tool_use_id', 'agent.mcp_tool_result': 'mcp_tool_use_id' };

/** What the model or a tool said, as text: text blocks verbatim, anything else named. */
function blocksText(content) {
  return (content || [])
    .map((b) => (b.type === 'text' ? b.text : `[${b.type}]`))
    .join('\n');
}

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
    this.answers = answers; // { confirm(id, allow, denyMessage), customResult(id, text, isError) }
    this.seen = new Set();
    this.tools = new Map();
    this.requests = new Map();
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
      this.list.append(item);
    }
    return true;
  }

  render(ev) {
    if (TOOL_USES.has(ev.type)) return this.toolUse(ev);
    if (ev.type in TOOL_RESULTS) return this.toolResult(ev, ev[TOOL_RESULTS[ev.type]]);
    switch (ev.type) {
      case 'user.message':
        return h('li', { class: 'msg user' }, h('div', { class: 'who' }, 'You'), h('div', { class: 'text' }, blocksText(ev.content)));
      case 'agent.message':
        return h('li', { class: 'msg agent' }, h('div', { class: 'who' }, 'Agent'), h('div', { class: 'text' }, blocksText(ev.content)));
      case 'agent.thinking':
        return h('li', { class: 'note' }, 'thinking…');
      case 'user.tool_confirmation':
        this.settle(ev.tool_use_id, ev.result === 'allow' ? 'approved' : `denied${ev.deny_message ? `: ${ev.deny_message}` : ''}`);
        return null;
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
    const item = h('li', { class: `tool${custom ? ' custom' : ''}` },
      h('details', {},
        h('summary', {}, h('span', { class: 'tool-name' }, custom ? `custom tool ${name}` : name), state, note,
          ev.evaluated_permission === 'ask' ? h('span', { class: 'badge ask' }, 'needs approval') : null,
          ev.evaluated_permission === 'deny' ? h('span', { class: 'badge bad' }, 'denied by policy') : null),
        h('pre', { class: 'input' }, pretty(ev.input ?? {}))),
      result, pending);
    this.tools.set(ev.id, { ev, item, result, state, note, pending, custom });
    return item;
  }

  toolResult(ev, useId) {
    const tool = this.tools.get(useId);
    const output = folded(ev.is_error ? 'error' : 'output', blocksText(ev.content) || '(no output)');
    if (ev.is_error) output.classList.add('bad');
    if (!tool) return h('li', { class: 'tool' }, output);
    this.settle(useId, null);
    tool.state.textContent = ev.is_error ? ' ✗' : ' ✓';
    tool.item.classList.toggle('failed', !!ev.is_error);
    tool.result.replaceChildren(output);
    return null;
  }

  idle(ev) {
    const reason = ev.stop_reason?.type || 'end_turn';
    if (reason === 'requires_action') {
      for (const id of ev.stop_reason.event_ids || []) this.ask(id);
      return h('li', { class: 'status warn' }, 'waiting for you');
    }
    return h('li', { class: `status${reason === 'end_turn' ? '' : ' warn'}` }, `idle: ${reason.replace('_', ' ')}`);
  }

  /** Shows what answers a pending call: approve/deny, or the result form of a custom tool. */
  ask(id) {
    const tool = this.tools.get(id);
    if (!tool || tool.pending.childElementCount) return;
    tool.item.classList.add('waiting');
    if (tool.custom) {
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
    if (note) tool.note.textContent = ` ${note}`;
  }

  /** Ids of the calls that still wait for an answer. */
  waiting() {
    return [...this.tools.entries()].filter(([, t]) => t.pending.childElementCount).map(([id]) => id);
  }
}
