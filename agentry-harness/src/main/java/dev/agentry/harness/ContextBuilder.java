package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Event;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.StoredEvent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Folds a session log into the messages a model sees. The log is never changed; this is a view.
 *
 * <p>A user message can be appended while the agent is mid-response or mid-tool-round, so its
 * {@code seq} may fall between a tool call and its result. The harness only takes queued messages
 * at a clean point (no response in flight, every tool call answered), so the fold defers a message
 * to the first clean point after it: that is exactly where the harness took it, and the context
 * stays well formed. Queued messages ({@code processed_at} null) are not part of the context yet.
 */
final class ContextBuilder {
  static final String SUMMARY_PREFIX = "Summary of the earlier conversation:\n\n";
  static final String SYSTEM_MESSAGE_OPEN = "<system_message>\n";
  static final String SYSTEM_MESSAGE_CLOSE = "\n</system_message>";

  private final int toolResultLimit;
  private final List<ModelMessage> messages = new ArrayList<>();
  private final List<ContentBlock> current = new ArrayList<>();
  private String currentRole;
  private final List<ContentBlock> deferred = new ArrayList<>();
  private final Set<String> openToolUses = new LinkedHashSet<>();
  private boolean inResponse;
  private long chars;
  private final List<Context.CleanPoint> cleanPoints = new ArrayList<>();
  private long through;
  private Long lastInput;

  private ContextBuilder(int toolResultLimit) {
    this.toolResultLimit = toolResultLimit;
  }

  /** The context of {@code log} (ascending seq), honouring the latest compaction in it. */
  static Context build(List<StoredEvent> log, int toolResultLimit) {
    return of(log.stream().map(LogEntry::of).toList(), toolResultLimit).context();
  }

  /** The fold of {@code log} (ascending seq), which the events after it can be {@link #feed}. */
  static ContextBuilder of(List<LogEntry> log, int toolResultLimit) {
    ContextBuilder b = new ContextBuilder(toolResultLimit);
    String summary = null;
    for (LogEntry e : log) {
      if (e.event() instanceof Event.AgentThreadContextCompacted c) {
        b.through = c.compactedThroughSeq() == null ? 0 : c.compactedThroughSeq();
        summary = c.summary() == null ? "" : c.summary();
      }
    }
    if (summary != null) {
      b.add("user", new ContentBlock.Text(SUMMARY_PREFIX + summary));
    }
    for (LogEntry e : log) {
      if (e.seq() > b.through) {
        b.step(e);
      }
    }
    return b;
  }

  /**
   * Folds the event after those folded so far; false, folding nothing, for a compaction, which
   * changes what came before it: only a fold from the start ({@link #of}) honours it.
   */
  boolean feed(LogEntry e) {
    if (e.event() instanceof Event.AgentThreadContextCompacted) {
      return false;
    }
    step(e);
    return true;
  }

  /** An independent fold of the same events, to feed more to without changing this one. */
  ContextBuilder copy() {
    ContextBuilder c = new ContextBuilder(toolResultLimit);
    c.messages.addAll(messages);
    c.current.addAll(current);
    c.currentRole = currentRole;
    c.deferred.addAll(deferred);
    c.openToolUses.addAll(openToolUses);
    c.inResponse = inResponse;
    c.chars = chars;
    c.cleanPoints.addAll(cleanPoints);
    c.through = through;
    c.lastInput = lastInput;
    return c;
  }

  /** The context of the events folded so far; the fold can go on after it. */
  Context context() {
    List<ModelMessage> all = new ArrayList<>(messages.size() + 1);
    all.addAll(messages);
    if (currentRole != null && !current.isEmpty()) {
      all.add(new ModelMessage(currentRole, current));
    }
    return new Context(List.copyOf(all), List.copyOf(cleanPoints), through, lastInput, chars);
  }

  private void step(LogEntry e) {
    fold(e);
    if (e.event() instanceof Event.AgentThreadContextCompacted) {
      // Measurements taken before the cut (the summarising request's own) no longer apply.
      lastInput = null;
    } else if (e.event() instanceof Event.SpanModelRequestEnd end
        && !end.failed()
        && end.modelUsage() != null) {
      lastInput = end.modelUsage().total();
    }
    if (clean() && deferred.isEmpty()) {
      cleanPoints.add(new Context.CleanPoint(e.seq(), chars));
    }
  }

  private boolean clean() {
    return !inResponse && openToolUses.isEmpty();
  }

  private void fold(LogEntry e) {
    switch (e.event()) {
      case Event.UserMessage m -> {
        if (e.processedAt() != null) {
          userContent(m.content()).forEach(deferred::add);
        }
      }
      case Event.SpanModelRequestStart start -> inResponse = true;
      case Event.SpanModelRequestEnd end -> inResponse = false;
      case Event.AgentMessage m -> {
        for (JsonNode block : m.content() == null ? Events.object() : m.content()) {
          if (block.path("type").asText().equals("text")) {
            add("assistant", new ContentBlock.Text(block.path("text").asText()));
          }
        }
      }
      case Event.AgentToolUse use -> call(e.id(), use.name(), use.input());
      case Event.AgentCustomToolUse use -> call(e.id(), use.name(), use.input());
      case Event.AgentMcpToolUse use ->
          call(e.id(), McpNames.exposed(use.mcpServerName(), use.name()), use.input());
      case Event.AgentToolResult r -> result(r.toolUseId(), r.content(), r.isError());
      case Event.AgentMcpToolResult r -> result(r.mcpToolUseId(), r.content(), r.isError());
      case Event.UserCustomToolResult r -> result(r.customToolUseId(), r.content(), r.isError());
      case Event.UserInterrupt i -> {}
      case Event.UserToolConfirmation c -> {}
      case Event.UserToolResult r -> result(r.toolUseId(), r.content(), r.isError());
      case Event.UserDefineOutcome o -> {
        if (e.processedAt() != null) {
          deferred.add(new ContentBlock.Text(OutcomeTexts.task(o)));
        }
      }
      case Event.SystemMessage m -> {
        if (e.processedAt() != null) {
          deferred.add(new ContentBlock.Text(systemMessage(m.content())));
        }
      }
      case Event.AgentThinking t -> {}
      case Event.AgentThreadContextCompacted c -> {}
      case Event.AgentThreadMessageSent m -> {}
      case Event.AgentThreadMessageReceived m -> {}
      case Event.SessionStatusRunning s -> {}
      case Event.SessionStatusRescheduled s -> {}
      case Event.SessionStatusTerminated s -> {}
      case Event.SessionStatusIdle s -> {}
      case Event.SessionError s -> {}
      case Event.SessionDeleted s -> {}
      case Event.SessionUpdated s -> {}
      case Event.SessionUsageSnapshot s -> {}
      case Event.SessionThreadCreated s -> {}
      case Event.SessionThreadStatusRunning s -> {}
      case Event.SessionThreadStatusRescheduled s -> {}
      case Event.SessionThreadStatusTerminated s -> {}
      case Event.SessionThreadStatusIdle s -> {}
      case Event.SpanOutcomeEvaluationStart s -> {}
      case Event.SpanOutcomeEvaluationOngoing s -> {}
      case Event.SpanOutcomeEvaluationEnd end -> {
        String feedback = OutcomeTexts.revision(end);
        if (feedback != null) {
          deferred.add(new ContentBlock.Text(feedback));
        }
      }
      case Event.WorkflowRunEvent w -> {}
      case Event.Unknown u -> {}
      case Event.Corrupt
              c -> {} // reported as a session.error by the runner; the model never sees it
    }
    if (clean() && !deferred.isEmpty()) {
      deferred.forEach(block -> add("user", block));
      deferred.clear();
    }
  }

  private void call(String id, String name, JsonNode input) {
    openToolUses.add(id);
    add("assistant", new ContentBlock.ToolUse(id, name, input == null ? Events.object() : input));
  }

  private void result(String toolUseId, JsonNode content, Boolean isError) {
    // A result for a call the fold never saw (compacted away, or a duplicate) would be rejected
    // by the model as an orphan.
    if (!openToolUses.remove(toolUseId)) {
      return;
    }
    String text = content == null ? "" : Events.text(content);
    if (text.length() > toolResultLimit) {
      text =
          text.substring(0, toolResultLimit)
              + "\n\n[output truncated: "
              + (text.length() - toolResultLimit)
              + " more characters were cut from this context; the log keeps them]";
    }
    add("user", new ContentBlock.ToolResult(toolUseId, text, Boolean.TRUE.equals(isError)));
  }

  /**
   * A {@code system.message} as a tagged text block of the user turn at its place in the log
   * (docs/decisions/0042): neither provider takes a system turn mid-conversation everywhere, and
   * the system prompt is the cached prefix, which must not change.
   */
  static String systemMessage(JsonNode content) {
    List<String> texts = new ArrayList<>();
    if (content != null) {
      content.forEach(block -> texts.add(block.path("text").asText()));
    }
    return SYSTEM_MESSAGE_OPEN + String.join("\n", texts) + SYSTEM_MESSAGE_CLOSE;
  }

  private static List<ContentBlock> userContent(JsonNode content) {
    List<ContentBlock> out = new ArrayList<>();
    if (content == null) {
      return out;
    }
    for (JsonNode block : content) {
      if (block.path("type").asText().equals("text")) {
        out.add(new ContentBlock.Text(block.path("text").asText()));
      } else {
        out.add(new ContentBlock.Raw(block));
      }
    }
    return out;
  }

  private void add(String role, ContentBlock block) {
    if (!role.equals(currentRole)) {
      close();
      currentRole = role;
    }
    current.add(block);
    chars += size(block);
  }

  private void close() {
    if (currentRole != null && !current.isEmpty()) {
      messages.add(new ModelMessage(currentRole, current));
    }
    current.clear();
  }

  private static long size(ContentBlock block) {
    return switch (block) {
      case ContentBlock.Text t -> t.text().length();
      case ContentBlock.ToolUse u -> u.name().length() + u.input().toString().length();
      case ContentBlock.ToolResult r -> r.text().length();
      case ContentBlock.Thinking t -> t.thinking().length();
      case ContentBlock.Raw r -> r.block().toString().length();
    };
  }
}
