package dev.agentry.harness;

import dev.agentry.core.LogEntry;
import java.util.List;

/**
 * A run's folds of its log ({@link LogState}, the model {@link Context}), kept across its steps so
 * that each step folds only what its read returned. The log only grows, and an event changes only
 * when a queued one ({@code user.*}, {@code processed_at} null) is marked processed; so the folds
 * keep a <em>base</em>: the longest committed prefix with no queued event, each event of it folded
 * once. A step folds a copy of the base on through the rest. The base is rebuilt from the start
 * when a compaction event reaches it (a compaction changes what came before it) and, as a guard,
 * when the log no longer extends it. With assertions on (the tests), every step checks the result
 * against a fold of the whole log.
 */
final class LogFold {
  private final int toolResultLimit;
  private boolean hostedTools;
  private LogState state = LogState.empty();
  private ContextBuilder context;

  /** The base covers {@code log[0, folded)}; its last event's id. */
  private int folded;

  private String lastId;

  private List<LogEntry> log = List.of();

  LogFold(int toolResultLimit) {
    this.toolResultLimit = toolResultLimit;
    this.context = ContextBuilder.of(List.of(), toolResultLimit);
  }

  /**
   * What {@code log} calls for, of which the first {@code committed} events are durable (the rest
   * are a deferred write's, shown as if committed); {@link #context} is then that of this log.
   */
  LogState state(List<LogEntry> log, int committed) {
    this.log = log;
    if (state.hostedTools() != hostedTools
        || folded > log.size()
        || (folded > 0 && !log.get(folded - 1).id().equals(lastId))) {
      state = LogState.empty(hostedTools);
      context = ContextBuilder.of(List.of(), toolResultLimit);
      folded = 0;
    }
    int settled = folded;
    int end = Math.min(committed, log.size());
    while (settled < end && !log.get(settled).queued()) {
      settled++;
    }
    List<LogEntry> fresh = log.subList(folded, settled);
    fresh.forEach(state::apply);
    for (LogEntry e : fresh) {
      if (!context.feed(e)) {
        context = ContextBuilder.of(log.subList(0, settled), toolResultLimit);
        break;
      }
    }
    folded = settled;
    lastId = settled == 0 ? null : log.get(settled - 1).id();
    LogState s = state.copy();
    log.subList(folded, log.size()).forEach(s::apply);
    s.finish();
    assert s.sameAs(LogState.foldEntries(log, hostedTools))
        : "the incremental fold differs from a full fold";
    return s;
  }

  /** Folds the log of a self-hosted session (its built-in calls wait on a worker) if true. */
  void hostedTools(boolean hosted) {
    this.hostedTools = hosted;
  }

  /** The model context of the log last given to {@link #state}. */
  Context context() {
    List<LogEntry> rest = log.subList(folded, log.size());
    Context c = rest.isEmpty() ? context.context() : onwards(rest);
    assert c.equals(ContextBuilder.of(log, toolResultLimit).context())
        : "the incremental context differs from a full fold";
    return c;
  }

  private Context onwards(List<LogEntry> rest) {
    ContextBuilder b = context.copy();
    for (LogEntry e : rest) {
      if (!b.feed(e)) {
        return ContextBuilder.of(log, toolResultLimit).context();
      }
    }
    return b.context();
  }
}
