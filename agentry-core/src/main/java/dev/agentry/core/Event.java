package dev.agentry.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * What one log event says, by type: one record per event type of the Managed Agents API (cma-api.md
 * §5.2), plus {@link Unknown} for a type this build does not know (a newer log) and {@link Corrupt}
 * for a row that does not parse as its type. A record holds the event's payload, the fields besides
 * {@code id}, {@code type}, {@code processed_at} and {@code created_at} (which {@link StoredEvent}
 * carries); components are in wire order and named as on the wire in camel case. {@link EventCodec}
 * reads and writes them. Sub-objects whose shape varies (content blocks, tool inputs, error bodies)
 * stay JSON, so that a payload written by today's code reads and writes back byte for byte.
 *
 * <p>Fold events with a {@code switch} over this interface without {@code default}: a new event
 * type is then a compile error wherever it matters.
 */
public sealed interface Event {

  /** The wire type, e.g. {@code agent.tool_use}. */
  @JsonIgnore
  default String type() {
    return EventCodec.typeOf(this);
  }

  // ---- echoed user events -----------------------------------------------------------------

  record UserMessage(JsonNode content) implements Event {}

  record UserInterrupt(String sessionThreadId) implements Event {}

  record UserToolConfirmation(
      String toolUseId, String result, String denyMessage, String sessionThreadId)
      implements Event {
    public UserToolConfirmation {
      Objects.requireNonNull(toolUseId, "tool_use_id");
    }

    public boolean allows() {
      return "allow".equals(result);
    }
  }

  record UserCustomToolResult(
      String customToolUseId, JsonNode content, Boolean isError, String sessionThreadId)
      implements Event {
    public UserCustomToolResult {
      Objects.requireNonNull(customToolUseId, "custom_tool_use_id");
    }
  }

  record UserToolResult(String toolUseId, JsonNode content, Boolean isError, String sessionThreadId)
      implements Event {
    public UserToolResult {
      Objects.requireNonNull(toolUseId, "tool_use_id");
    }
  }

  record UserDefineOutcome(
      String outcomeId, String description, JsonNode rubric, Integer maxIterations)
      implements Event {}

  record SystemMessage(JsonNode content) implements Event {}

  // ---- agent events -----------------------------------------------------------------------

  record AgentMessage(JsonNode content) implements Event {}

  /** A progress signal only: it carries no thinking text. */
  record AgentThinking() implements Event {}

  /** A tool call either kind of tool use event makes: its name, input and permission verdict. */
  sealed interface ToolCall extends Event {
    String name();

    JsonNode input();

    /** {@code allow}, {@code ask} or {@code deny}; null when the event has none (allow). */
    String evaluatedPermission();

    JsonNode evaluation();
  }

  record AgentToolUse(
      String name,
      JsonNode input,
      String evaluatedPermission,
      JsonNode evaluation,
      String sessionThreadId)
      implements ToolCall {
    public AgentToolUse {
      Objects.requireNonNull(name, "name");
    }
  }

  record AgentToolResult(String toolUseId, JsonNode content, Boolean isError) implements Event {
    public AgentToolResult {
      Objects.requireNonNull(toolUseId, "tool_use_id");
    }
  }

  record AgentMcpToolUse(
      String name,
      String mcpServerName,
      JsonNode input,
      String evaluatedPermission,
      JsonNode evaluation,
      String sessionThreadId)
      implements ToolCall {
    public AgentMcpToolUse {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(mcpServerName, "mcp_server_name");
    }
  }

  record AgentMcpToolResult(String mcpToolUseId, JsonNode content, Boolean isError)
      implements Event {
    public AgentMcpToolResult {
      Objects.requireNonNull(mcpToolUseId, "mcp_tool_use_id");
    }
  }

  record AgentCustomToolUse(String name, JsonNode input, String sessionThreadId) implements Event {
    public AgentCustomToolUse {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Compaction happened. Agentry adds the summary and the last seq it replaces: compaction is a
   * view, the log keeps every event.
   */
  record AgentThreadContextCompacted(String summary, Long compactedThroughSeq) implements Event {}

  record AgentThreadMessageSent(String toSessionThreadId, String toAgentName, JsonNode content)
      implements Event {}

  record AgentThreadMessageReceived(
      String fromSessionThreadId, String fromAgentName, JsonNode content) implements Event {}

  // ---- session events ---------------------------------------------------------------------

  record SessionStatusRunning() implements Event {}

  record SessionStatusRescheduled() implements Event {}

  record SessionStatusTerminated() implements Event {}

  record SessionStatusIdle(
      StopReason stopReason, @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode stopDetails)
      implements Event {
    public SessionStatusIdle {
      Objects.requireNonNull(stopReason, "stop_reason");
    }
  }

  /** {@code {type, event_ids?}}; {@code event_ids} only with {@code requires_action}. */
  record StopReason(String type, List<String> eventIds) {
    public StopReason {
      Objects.requireNonNull(type, "stop_reason.type");
      eventIds = eventIds == null ? null : List.copyOf(eventIds);
    }

    public static StopReason of(String type) {
      return new StopReason(type, null);
    }
  }

  /**
   * {@code {error:{type, message, retry_status:{type}, …}}}. The body stays JSON: error types add
   * their own fields ({@code mcp_server_name}, {@code event_seq}) in their own order.
   */
  record SessionError(JsonNode error) implements Event {
    public SessionError {
      Objects.requireNonNull(error, "error");
    }

    public String errorType() {
      return error.path("type").asText();
    }

    /** {@code retrying}, {@code exhausted} or {@code terminal}. */
    public String retryStatus() {
      return error.path("retry_status").path("type").asText();
    }

    /** The seq of the unreadable log row this error reports, or 0 (docs: Corrupt). */
    public long eventSeq() {
      return error.path("event_seq").asLong(0);
    }
  }

  record SessionDeleted() implements Event {}

  /** The changed fields only ({@code agent?, budget?, metadata?, title?}), in the order written. */
  record SessionUpdated(@JsonValue ObjectNode changed) implements Event {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public SessionUpdated {
      Objects.requireNonNull(changed, "changed");
    }
  }

  /** The session's cumulative usage snapshot; {@code stop_reason} when a budget stopped it. */
  record SessionUsageSnapshot(JsonNode usage, JsonNode budget, JsonNode stopReason)
      implements Event {}

  record SessionThreadCreated(String sessionThreadId, String agentName, String workflowRunId)
      implements Event {}

  record SessionThreadStatusRunning(String sessionThreadId, String agentName) implements Event {}

  record SessionThreadStatusRescheduled(String sessionThreadId, String agentName)
      implements Event {}

  record SessionThreadStatusTerminated(String sessionThreadId, String agentName) implements Event {}

  record SessionThreadStatusIdle(
      String sessionThreadId,
      String agentName,
      StopReason stopReason,
      @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode stopDetails)
      implements Event {}

  // ---- spans ------------------------------------------------------------------------------

  record SpanModelRequestStart() implements Event {}

  record SpanModelRequestEnd(String modelRequestStartId, Boolean isError, TokenUsage modelUsage)
      implements Event {
    public boolean failed() {
      return Boolean.TRUE.equals(isError);
    }
  }

  /** {@code model_usage} of {@code span.model_request_end}, in wire order. */
  record TokenUsage(
      long inputTokens,
      long outputTokens,
      long cacheCreationInputTokens,
      long cacheReadInputTokens) {
    public static TokenUsage of(ModelUsage u) {
      ModelUsage m = u == null ? ModelUsage.ZERO : u;
      return new TokenUsage(
          m.inputTokens(),
          m.outputTokens(),
          m.cacheCreationInputTokens(),
          m.cacheReadInputTokens());
    }

    /** Every token the request read or wrote. */
    public long total() {
      return inputTokens + outputTokens + cacheCreationInputTokens + cacheReadInputTokens;
    }
  }

  record SpanOutcomeEvaluationStart(String outcomeId, Integer iteration) implements Event {}

  record SpanOutcomeEvaluationOngoing(String outcomeId, Integer iteration) implements Event {}

  record SpanOutcomeEvaluationEnd(
      String outcomeEvaluationStartId,
      String outcomeId,
      Integer iteration,
      String result,
      String explanation,
      JsonNode usage)
      implements Event {}

  // ---- workflow runs (not run by Agentry yet: their payload is kept whole) ------------------

  /** One of the {@code workflow_run.*} events; each carries {@code workflow_run_id}. */
  sealed interface WorkflowRunEvent extends Event {
    ObjectNode payload();

    default String workflowRunId() {
      return payload().path("workflow_run_id").asText();
    }
  }

  record WorkflowRunCreated(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunCreated {}
  }

  record WorkflowRunStatusRunning(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunStatusRunning {}
  }

  record WorkflowRunStatusIdle(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunStatusIdle {}
  }

  record WorkflowRunStatusEnded(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunStatusEnded {}
  }

  record WorkflowRunError(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunError {}
  }

  record WorkflowRunPhaseStarted(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunPhaseStarted {}
  }

  record WorkflowRunPhaseEnded(@JsonValue ObjectNode payload) implements WorkflowRunEvent {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowRunPhaseEnded {}
  }

  // ---- what this build cannot read ---------------------------------------------------------

  /** A type this build does not know (a log from a newer version): kept, folded as nothing. */
  record Unknown(String wireType, String payload) implements Event {
    @Override
    public String type() {
      return wireType;
    }
  }

  /**
   * A row that does not parse as its type (not JSON, or a required field missing or of the wrong
   * kind): kept, folded as nothing, and reported as a {@code session.error} naming its seq.
   */
  record Corrupt(String wireType, String payload, String problem) implements Event {
    @Override
    public String type() {
      return wireType;
    }
  }
}
