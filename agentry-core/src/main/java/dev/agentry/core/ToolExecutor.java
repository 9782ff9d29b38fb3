package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;

/** Runs a built-in tool for a session: {@code execute(name, input) → result}. */
public interface ToolExecutor {

  /**
   * Runs tool {@code name} with {@code input}. Bad input and tool failures come back as an error
   * outcome for the model, never as an exception.
   */
  default ToolOutcome execute(String sessionId, String name, JsonNode input) {
    return execute(sessionId, name, input, new Cancellation());
  }

  /**
   * Runs the tool; flipping {@code cancellation} (a {@code user.interrupt}) kills what the tool
   * started and makes the call return an error outcome that says it was interrupted.
   */
  ToolOutcome execute(String sessionId, String name, JsonNode input, Cancellation cancellation);

  /**
   * As {@link #execute(String, String, JsonNode, Cancellation)}, for the session thread {@code
   * threadId} (its {@code session_thread_id}; the primary thread's is {@link
   * ThreadView#primaryId}): a tool with per-thread state keeps it apart per thread ({@code bash}
   * keeps one shell for each, docs/decisions/0047). Tools without such state ignore the thread.
   */
  default ToolOutcome execute(
      String sessionId, String threadId, String name, JsonNode input, Cancellation cancellation) {
    return execute(sessionId, name, input, cancellation);
  }

  /**
   * The session is about to ask its model for a step and offers it these tools: start, in the
   * background, what its first call would otherwise wait for (its sandbox), so that the model's
   * answer hides it. Returns at once and never fails; a call finds it started, or starts it.
   */
  default void prepare(String sessionId) {}

  /**
   * The executor one run of the session uses for its calls. A run holds the session's lease from
   * its first call (the call's side effect takes it) until it ends, so no other node acts on the
   * session meanwhile: what an executor checks about the session's state before a call, it need
   * check once per run. The default is this executor.
   */
  default ToolExecutor forRun(String sessionId) {
    return this;
  }
}
