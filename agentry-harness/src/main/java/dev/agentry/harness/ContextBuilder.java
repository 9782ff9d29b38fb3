package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.ContentBlock;
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

  private static final String COMPACTED = "agent.thread_context_compacted";

  /** The types whose payload {@link #fold} reads; the others are not parsed, at every step. */
  private static final Set<String> READS_PAYLOAD =
      Set.of(
          "user.message",
          "agent.message",
          "agent.tool_use",
          "agent.custom_tool_use",
          "agent.tool_result",
          McpEvents.USE,
          McpEvents.RESULT,
          "user.custom_tool_result");

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
    return of(log, toolResultLimit).context();
  }

  /** The fold of {@code log} (ascending seq), which the events after it can be {@link #feed}. */
  static ContextBuilder of(List<StoredEvent> log, int toolResultLimit) {
    ContextBuilder b = new ContextBuilder(toolResultLimit);
    String summary = null;
    for (StoredEvent e : log) {
      if (e.type().equals(COMPACTED)) {
        JsonNode p = Events.payload(e);
        b.through = p.path("compacted_through_seq").asLong();
        summary = p.path("summary").asText();
      }
    }
    if (summary != null) {
      b.add("user", new ContentBlock.Text(SUMMARY_PREFIX + summary));
    }
    for (StoredEvent e : log) {
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
  boolean feed(StoredEvent e) {
    if (e.type().equals(COMPACTED)) {
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

  private void step(StoredEvent e) {
    fold(e);
    if (e.type().equals(COMPACTED)) {
      // Measurements taken before the cut (the summarising request's own) no longer apply.
      lastInput = null;
    } else if (e.type().equals("span.model_request_end")) {
      JsonNode p = Events.payload(e);
      if (!p.path("is_error").asBoolean(false)) {
        JsonNode u = p.path("model_usage");
        lastInput =
            u.path("input_tokens").asLong()
                + u.path("cache_read_input_tokens").asLong()
                + u.path("cache_creation_input_tokens").asLong()
                + u.path("output_tokens").asLong();
      }
    }
    if (clean() && deferred.isEmpty()) {
      cleanPoints.add(new Context.CleanPoint(e.seq(), chars));
    }
  }

  private boolean clean() {
    return !inResponse && openToolUses.isEmpty();
  }

  private void fold(StoredEvent e) {
    JsonNode p = READS_PAYLOAD.contains(e.type()) ? Events.payload(e) : null;
    switch (e.type()) {
      case "user.message" -> {
        if (e.processedAt() != null) {
          userContent(p.path("content")).forEach(deferred::add);
        }
      }
      case "span.model_request_start" -> inResponse = true;
      case "span.model_request_end" -> inResponse = false;
      case "agent.message" -> {
        for (JsonNode block : p.path("content")) {
          if (block.path("type").asText().equals("text")) {
            add("assistant", new ContentBlock.Text(block.path("text").asText()));
          }
        }
      }
      case "agent.tool_use", "agent.custom_tool_use" -> {
        openToolUses.add(e.id());
        add(
            "assistant",
            new ContentBlock.ToolUse(e.id(), p.path("name").asText(), p.path("input")));
      }
      case "agent.tool_result" -> result(p.path("tool_use_id").asText(), p);
      case McpEvents.USE -> {
        openToolUses.add(e.id());
        String exposed =
            McpNames.exposed(p.path("mcp_server_name").asText(), p.path("name").asText());
        add("assistant", new ContentBlock.ToolUse(e.id(), exposed, p.path("input")));
      }
      case McpEvents.RESULT -> result(p.path("mcp_tool_use_id").asText(), p);
      case "user.custom_tool_result" -> result(p.path("custom_tool_use_id").asText(), p);
      default -> {}
    }
    if (clean() && !deferred.isEmpty()) {
      deferred.forEach(block -> add("user", block));
      deferred.clear();
    }
  }

  private void result(String toolUseId, JsonNode p) {
    // A result for a call the fold never saw (compacted away, or a duplicate) would be rejected
    // by the model as an orphan.
    if (!openToolUses.remove(toolUseId)) {
      return;
    }
    String text = Events.text(p.path("content"));
    if (text.length() > toolResultLimit) {
      text =
          text.substring(0, toolResultLimit)
              + "\n\n[output truncated: "
              + (text.length() - toolResultLimit)
              + " more characters were cut from this context; the log keeps them]";
    }
    add("user", new ContentBlock.ToolResult(toolUseId, text, p.path("is_error").asBoolean(false)));
  }

  private static List<ContentBlock> userContent(JsonNode content) {
    List<ContentBlock> out = new ArrayList<>();
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
