package dev.agentry.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes {@link Event}s as the log stores their payloads. Writing an event the harness
 * creates gives the same bytes as the code before typed events wrote (checked against recorded logs
 * by the golden replays); reading never throws: an unknown type is {@link Event.Unknown}, a row
 * that does not parse as its type is {@link Event.Corrupt}.
 */
public final class EventCodec {
  private static final Map<String, Class<? extends Event>> BY_TYPE = new LinkedHashMap<>();
  private static final Map<Class<? extends Event>, String> TYPE_OF = new HashMap<>();

  static {
    on("user.message", Event.UserMessage.class);
    on("user.interrupt", Event.UserInterrupt.class);
    on("user.tool_confirmation", Event.UserToolConfirmation.class);
    on("user.custom_tool_result", Event.UserCustomToolResult.class);
    on("user.tool_result", Event.UserToolResult.class);
    on("user.define_outcome", Event.UserDefineOutcome.class);
    on("system.message", Event.SystemMessage.class);
    on("agent.message", Event.AgentMessage.class);
    on("agent.thinking", Event.AgentThinking.class);
    on("agent.tool_use", Event.AgentToolUse.class);
    on("agent.tool_result", Event.AgentToolResult.class);
    on("agent.mcp_tool_use", Event.AgentMcpToolUse.class);
    on("agent.mcp_tool_result", Event.AgentMcpToolResult.class);
    on("agent.custom_tool_use", Event.AgentCustomToolUse.class);
    on("agent.thread_context_compacted", Event.AgentThreadContextCompacted.class);
    on("agent.thread_message_sent", Event.AgentThreadMessageSent.class);
    on("agent.thread_message_received", Event.AgentThreadMessageReceived.class);
    on("session.status_running", Event.SessionStatusRunning.class);
    on("session.status_rescheduled", Event.SessionStatusRescheduled.class);
    on("session.status_terminated", Event.SessionStatusTerminated.class);
    on("session.status_idle", Event.SessionStatusIdle.class);
    on("session.error", Event.SessionError.class);
    on("session.deleted", Event.SessionDeleted.class);
    on("session.updated", Event.SessionUpdated.class);
    on("session.usage", Event.SessionUsageSnapshot.class);
    on("session.thread_created", Event.SessionThreadCreated.class);
    on("session.thread_status_running", Event.SessionThreadStatusRunning.class);
    on("session.thread_status_rescheduled", Event.SessionThreadStatusRescheduled.class);
    on("session.thread_status_terminated", Event.SessionThreadStatusTerminated.class);
    on("session.thread_status_idle", Event.SessionThreadStatusIdle.class);
    on("span.model_request_start", Event.SpanModelRequestStart.class);
    on("span.model_request_end", Event.SpanModelRequestEnd.class);
    on("span.outcome_evaluation_start", Event.SpanOutcomeEvaluationStart.class);
    on("span.outcome_evaluation_ongoing", Event.SpanOutcomeEvaluationOngoing.class);
    on("span.outcome_evaluation_end", Event.SpanOutcomeEvaluationEnd.class);
    on("workflow_run.created", Event.WorkflowRunCreated.class);
    on("workflow_run.status_running", Event.WorkflowRunStatusRunning.class);
    on("workflow_run.status_idle", Event.WorkflowRunStatusIdle.class);
    on("workflow_run.status_ended", Event.WorkflowRunStatusEnded.class);
    on("workflow_run.error", Event.WorkflowRunError.class);
    on("workflow_run.phase_started", Event.WorkflowRunPhaseStarted.class);
    on("workflow_run.phase_ended", Event.WorkflowRunPhaseEnded.class);
  }

  /** Agentry's wire conventions (snake_case), absent fields left out, strict about types. */
  private static final ObjectMapper MAPPER =
      Json.mapper()
          .copy()
          .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final Map<Class<? extends Event>, ObjectReader> READERS = new HashMap<>();

  /**
   * The one value of each record without fields (status changes, span starts): most rows of a log
   * are these, stored as {@code {}}, and need no parsing.
   */
  private static final Map<Class<? extends Event>, Event> EMPTY = new HashMap<>();

  private static final Map<Class<? extends Event>, ObjectWriter> WRITERS = new HashMap<>();

  static {
    BY_TYPE
        .values()
        .forEach(
            c -> {
              READERS.put(c, MAPPER.readerFor(c));
              WRITERS.put(c, MAPPER.writerFor(c));
              if (c.getRecordComponents().length == 0) {
                try {
                  EMPTY.put(c, c.getDeclaredConstructor().newInstance());
                } catch (ReflectiveOperationException e) {
                  throw new ExceptionInInitializerError(e);
                }
              }
            });
  }

  private EventCodec() {}

  private static void on(String type, Class<? extends Event> record) {
    BY_TYPE.put(type, record);
    TYPE_OF.put(record, type);
  }

  /** Every type this build knows, in the order of cma-api.md §5.2. */
  public static java.util.Set<String> knownTypes() {
    return java.util.Collections.unmodifiableSet(BY_TYPE.keySet());
  }

  static String typeOf(Event e) {
    return TYPE_OF.get(e.getClass());
  }

  /** The wire type of events of {@code record}, e.g. {@code user.interrupt}. */
  public static String type(Class<? extends Event> record) {
    return TYPE_OF.get(record);
  }

  /** The event a stored row of {@code type} says; never throws. */
  public static Event read(String type, String payload) {
    Class<? extends Event> record = BY_TYPE.get(type);
    if (record == null) {
      return new Event.Unknown(type, payload);
    }
    Event empty = EMPTY.get(record);
    if (empty != null && payload.equals("{}")) {
      return empty;
    }
    try {
      return READERS.get(record).readValue(payload);
    } catch (JsonProcessingException | RuntimeException e) {
      return new Event.Corrupt(type, payload, problem(e));
    }
  }

  public static Event read(StoredEvent e) {
    return read(e.type(), e.payload());
  }

  /** The payload to store for {@code e}. */
  public static String write(Event e) {
    if (e instanceof Event.Unknown u) {
      return u.payload(); // as read: a newer build's event is kept, not rewritten
    }
    if (e instanceof Event.Corrupt c) {
      return c.payload();
    }
    try {
      return WRITERS.get(e.getClass()).writeValueAsString(e);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("cannot write " + e.type(), ex);
    }
  }

  /** A new event of {@code e} with a fresh id; {@code processedAt} null queues a user event. */
  public static EventDraft draft(Event e, Instant processedAt) {
    return EventDraft.of(e.type(), write(e), processedAt);
  }

  /** Why a row did not parse, without its content (which may hold anything a client sent). */
  private static String problem(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof com.fasterxml.jackson.core.exc.StreamReadException) {
        return "it is not JSON"; // also when a record's JSON field is where it breaks off
      }
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.ValueInstantiationException v
        && v.getCause() instanceof NullPointerException npe) {
      return "it has no " + npe.getMessage();
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
        && !m.getPath().isEmpty()
        && m.getPath().getLast().getFieldName() != null) {
      return "its field " + m.getPath().getLast().getFieldName() + " has the wrong type";
    }
    return "it does not match its type";
  }
}
