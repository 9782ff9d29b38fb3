package dev.agentry.core;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The child threads of a multi-agent session, folded from its log (docs/decisions/0033): each
 * created by {@code session.thread_created}, its status from its last {@code
 * session.thread_status_*}, its usage from its own model requests. The primary thread is the
 * session itself and is not among them.
 */
public final class SessionThreads {

  /** One child thread as the log says it is now. */
  public static final class Thread {
    public final String id;
    public final String agentName;
    public final Instant createdAt;
    Instant updatedAt;
    String status = "idle";
    String stopReason;
    Instant archivedAt;
    boolean inputQueued;
    long inputTokens;
    long outputTokens;
    long cacheCreationInputTokens;
    long cacheReadInputTokens;
    long activeMillis;
    Instant runningSince;

    Thread(String id, String agentName, Instant createdAt) {
      this.id = id;
      this.agentName = agentName;
      this.createdAt = createdAt;
      this.updatedAt = createdAt;
    }

    /** {@code running}, {@code idle}, {@code rescheduling} or {@code terminated}. */
    public String status() {
      return status;
    }

    /** The stop reason of its last idle, or null. */
    public String stopReason() {
      return stopReason;
    }

    public Instant updatedAt() {
      return updatedAt;
    }

    /** When it was archived (and terminated), or null. */
    public Instant archivedAt() {
      return archivedAt;
    }

    /** Waits on the client: idle on {@code requires_action}, which counts as idle. */
    public boolean requiresAction() {
      return status.equals("idle") && "requires_action".equals(stopReason);
    }

    /**
     * Still working for its coordinator: running, waiting on the client, or with a message not yet
     * taken. A thread that stopped otherwise (end of turn, budget, failure) is not.
     */
    public boolean busy() {
      return inputQueued
          || status.equals("running")
          || status.equals("rescheduling")
          || requiresAction();
    }

    /** Seconds it has spent running, up to {@code now} if it runs still. */
    public double activeSeconds(Instant now) {
      long running =
          runningSince == null ? 0 : Math.max(0, now.toEpochMilli() - runningSince.toEpochMilli());
      return (activeMillis + running) / 1000.0;
    }

    /** Seconds from its creation to its archiving, or to {@code now} while it lives. */
    public double durationSeconds(Instant now) {
      Instant end = archivedAt == null ? now : archivedAt;
      return Math.max(0, end.toEpochMilli() - createdAt.toEpochMilli()) / 1000.0;
    }

    /** Its tokens, in the order of {@code model_usage}. */
    public long[] tokens() {
      return new long[] {inputTokens, outputTokens, cacheCreationInputTokens, cacheReadInputTokens};
    }
  }

  private SessionThreads() {}

  /** The child threads in the order they were created, by id. */
  public static Map<String, Thread> of(List<StoredEvent> log) {
    Map<String, Thread> threads = new LinkedHashMap<>();
    for (StoredEvent e : log) {
      apply(threads, e, null, ThreadView.tag(e.payload()));
    }
    return threads;
  }

  /** The same from a log whose events are read already: no payload is parsed again. */
  public static Map<String, Thread> fold(List<LogEntry> log) {
    Map<String, Thread> threads = new LinkedHashMap<>();
    for (LogEntry e : log) {
      apply(threads, e.stored(), e.event(), e.tag());
    }
    return threads;
  }

  /**
   * Folds {@code e}, whose {@code session_thread_id} is {@code owner}; {@code read} is its event,
   * or null to parse it only if it concerns a thread.
   */
  private static void apply(Map<String, Thread> threads, StoredEvent e, Event read, String owner) {
    if (e.type().equals("session.thread_created")) {
      // A corrupt row reads as Event.Corrupt: no thread (it is reported where the log is read).
      if ((read != null ? read : EventCodec.read(e)) instanceof Event.SessionThreadCreated c) {
        threads.put(
            c.sessionThreadId(), new Thread(c.sessionThreadId(), c.agentName(), e.createdAt()));
      }
      return;
    }
    Thread t = owner == null ? null : threads.get(owner);
    if (t == null) {
      return;
    }
    t.updatedAt = e.createdAt();
    Event event = read != null ? read : EventCodec.read(e);
    if (ThreadView.LIFECYCLE.contains(e.type())) {
      stopClock(t, e.createdAt());
    }
    switch (event) {
      case Event.SessionThreadStatusRunning r -> {
        t.status = "running";
        t.runningSince = e.createdAt();
      }
      case Event.SessionThreadStatusRescheduled r -> t.status = "rescheduling";
      case Event.SessionThreadStatusIdle idle -> {
        t.status = "idle";
        t.stopReason = idle.stopReason() == null ? null : idle.stopReason().type();
      }
      case Event.SessionThreadStatusTerminated term -> {
        t.status = "terminated";
        t.archivedAt = e.createdAt();
      }
      case Event.AgentThreadMessageReceived m -> t.inputQueued = e.processedAt() == null;
      case Event.SpanModelRequestEnd end when end.modelUsage() != null -> {
        t.inputTokens += end.modelUsage().inputTokens();
        t.outputTokens += end.modelUsage().outputTokens();
        t.cacheCreationInputTokens += end.modelUsage().cacheCreationInputTokens();
        t.cacheReadInputTokens += end.modelUsage().cacheReadInputTokens();
      }
      default -> {}
    }
  }

  /** Adds the running stretch that a status change ends to the thread's active time. */
  private static void stopClock(Thread t, Instant at) {
    if (t.runningSince != null) {
      t.activeMillis += Math.max(0, at.toEpochMilli() - t.runningSince.toEpochMilli());
      t.runningSince = null;
    }
  }
}
