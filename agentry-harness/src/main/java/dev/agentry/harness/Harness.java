package dev.agentry.harness;

import dev.agentry.core.Checkpointer;
import dev.agentry.core.ModelClient;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.SecretBox;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The brain: runs sessions' agent loops on virtual threads. Holds no session state; every run
 * rebuilds it from the log. At most one runner per session in this process, and a lease with a
 * fencing token keeps other processes out. A harness is one node: it runs at most {@code
 * maxRunning} sessions at once, and its {@link Sweeper} claims sessions no live node runs.
 */
public final class Harness implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Harness.class);

  private final Store store;
  private final ModelClient model;
  private final ToolExecutor tools;
  private final HarnessConfig config;
  private final Clock clock;
  private final PreviewSink previews;
  private final SecretBox secrets;
  private final Tracing tracing;
  private final ToolObserver observer;
  private final Checkpointer checkpoints;
  private final dev.agentry.core.SystemPrompt prompts;

  /** Reads outcomes' rubric files for the grader. */
  private final Rubrics rubrics;

  private final Inbox inbox;
  private final String owner;
  private final ExecutorService runners = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * Lease renewals, sweeps and re-wakes. Renewals block on a commit each, so one thread would let a
   * thousand running sessions' renewals queue past their leases' expiry; these are virtual.
   */
  private final ScheduledExecutorService timer =
      Executors.newScheduledThreadPool(
          TIMER_THREADS, Thread.ofVirtual().name("harness-timer-", 0).factory());

  private static final int TIMER_THREADS = 16;

  private final Sweeper sweeper;

  /**
   * Sessions a sweep claimed whose run found nothing to do: runnable by the sweep's rule (a queued
   * event) yet waiting on someone, such as a message sent while a custom tool call awaits its
   * result. Not claimed again until this node is woken for them (a new event), or for {@link
   * #PARKED_AT_MOST} as a safety net; otherwise every sweep would run them for nothing.
   */
  private final Map<String, Instant> parked = new ConcurrentHashMap<>();

  private static final Duration PARKED_AT_MOST = Duration.ofMinutes(5);

  /** Leases the sweep claimed, handed to the session's next runner so it need not take them. */
  private final Map<String, SessionRepository.Lease> claimed = new ConcurrentHashMap<>();

  /** Runner slots taken: sessions in {@link #wakes}, never more than {@code maxRunning}. */
  private final AtomicInteger taken = new AtomicInteger();

  /** Sessions woken here while every slot was taken, in order, to start as slots free. */
  private final Set<String> deferred = new LinkedHashSet<>();

  /** Sessions with a runner; the value says whether a wake came in while it ran. */
  private final Map<String, Boolean> wakes = new ConcurrentHashMap<>();

  private final Map<String, SessionRun> active = new ConcurrentHashMap<>();

  /** Sessions whose lease another runner holds, to be woken again once it would have expired. */
  private final Set<String> awaitingLease = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  /** What other nodes append (PostgreSQL); this harness's watch of it, closed with the harness. */
  private final dev.agentry.core.EventStore.Subscription otherNodes;

  /**
   * How long after another node took a queued event for a session no node runs this node sweeps for
   * it (see {@link Sweeper#nudge}).
   */
  static final Duration CLAIM_GRACE = Duration.ofSeconds(1);

  private Harness(
      Store store,
      ModelClient model,
      ToolExecutor tools,
      HarnessConfig config,
      Clock clock,
      PreviewSink previews,
      SecretBox secrets,
      Tracing tracing,
      ToolObserver observer,
      Checkpointer checkpoints,
      dev.agentry.core.SystemPrompt prompts,
      Rubrics rubrics,
      String owner) {
    this.owner = owner;
    this.rubrics = rubrics;
    this.checkpoints = checkpoints;
    this.prompts = prompts;
    this.tracing = tracing;
    this.observer = observer;
    this.previews = previews;
    this.secrets = secrets;
    this.store = store;
    this.model = model;
    this.tools = tools;
    this.config = config;
    this.clock = clock;
    this.inbox = new Inbox(store, config.spend(), clock);
    this.sweeper =
        new Sweeper(
            store.sessions(),
            owner,
            clock,
            config.leaseTtl(),
            config.sweepInterval(),
            timer,
            new Sweeper.Node() {
              @Override
              public int freeSlots() {
                return closed ? 0 : config.maxRunning() - taken.get();
              }

              @Override
              public Set<String> skip() {
                Set<String> skip = new java.util.HashSet<>(wakes.keySet());
                Instant stale = clock.instant().minus(PARKED_AT_MOST);
                parked.entrySet().removeIf(e -> e.getValue().isBefore(stale));
                skip.addAll(parked.keySet());
                return skip;
              }

              @Override
              public void start(SessionRepository.Lease lease) {
                claimed.put(lease.sessionId(), lease);
                wake(lease.sessionId());
              }
            });
    this.otherNodes = store.clusterFeed().watch(new OtherNodes());
  }

  /**
   * Other nodes' appends: a queued event (a message, an interrupt, a tool result) for a session
   * this node runs wakes its runner at once, as a local one does; one for a session no node here
   * runs may be work no node runs, which the sweep claims.
   */
  private final class OtherNodes implements dev.agentry.core.ClusterFeed.Watcher {
    @Override
    public void appended(String sessionId, long lastSeq, boolean queued) {
      if (!queued || closed) {
        return;
      }
      if (wakes.containsKey(sessionId)) {
        wake(sessionId);
      } else {
        parked.remove(sessionId);
        sweeper.nudge(CLAIM_GRACE);
      }
    }

    @Override
    public void mayHaveMissed() {
      // Runners here get what they missed from their subscriptions' catch-up; the rest is sweeping.
      sweeper.nudge(Duration.ZERO);
    }
  }

  /**
   * What a harness may be given beyond its essentials: where live previews of responses go, the box
   * that opens vault credentials for MCP connections (null: MCP servers are reached without
   * credentials), the tracing of each turn, and the observer of every tool call the harness runs
   * (the built-in tools, the web tools and MCP servers' tools, each exactly once, so the tools
   * given to the harness should not observe their calls too), and what checkpoints a session's
   * workspace when a run that held its lease ends.
   */
  public record Extras(
      PreviewSink previews,
      SecretBox secrets,
      Tracing tracing,
      ToolObserver observer,
      Checkpointer checkpoints,
      dev.agentry.core.SystemPrompt prompts,
      Rubrics rubrics) {
    public static final Extras NONE =
        new Extras(PreviewSink.NONE, null, Tracing.NONE, ToolObserver.NONE);

    /** Without rubric files (an outcome with a file rubric fails its evaluation). */
    public Extras(
        PreviewSink previews,
        SecretBox secrets,
        Tracing tracing,
        ToolObserver observer,
        Checkpointer checkpoints,
        dev.agentry.core.SystemPrompt prompts) {
      this(previews, secrets, tracing, observer, checkpoints, prompts, Rubrics.NONE);
    }

    /** With the agent's own system prompt. */
    public Extras(
        PreviewSink previews,
        SecretBox secrets,
        Tracing tracing,
        ToolObserver observer,
        Checkpointer checkpoints) {
      this(previews, secrets, tracing, observer, checkpoints, dev.agentry.core.SystemPrompt.AGENT);
    }

    /** Without workspace checkpoints (one node, or tests of the loop). */
    public Extras(PreviewSink previews, SecretBox secrets, Tracing tracing, ToolObserver observer) {
      this(previews, secrets, tracing, observer, Checkpointer.NONE);
    }
  }

  public static Harness create(
      Store store, ModelClient model, ToolExecutor tools, HarnessConfig config, Clock clock) {
    return create(store, model, tools, config, clock, Extras.NONE);
  }

  public static Harness create(
      Store store,
      ModelClient model,
      ToolExecutor tools,
      HarnessConfig config,
      Clock clock,
      Extras extras) {
    return create(store, model, tools, config, clock, extras, "harness-" + UUID.randomUUID());
  }

  /**
   * A harness that is node {@code nodeId}: its leases carry that owner, so after a restart it takes
   * back the sessions it ran at once instead of waiting for their leases to expire. The caller
   * guarantees that no other live process uses {@code nodeId} (two would share leases).
   */
  public static Harness create(
      Store store,
      ModelClient model,
      ToolExecutor tools,
      HarnessConfig config,
      Clock clock,
      Extras extras,
      String nodeId) {
    return new Harness(
        store,
        model,
        tools,
        config,
        clock,
        extras.previews(),
        extras.secrets(),
        extras.tracing(),
        extras.observer(),
        extras.checkpoints(),
        extras.prompts(),
        extras.rubrics(),
        nodeId);
  }

  /**
   * Takes the events a client sent to a session of {@code workspaceId}, or refuses them all: the
   * session must be open, a {@code user.message} must fit its budget, and an answer (a tool
   * confirmation, a custom or self-hosted tool result) must name a call of this session that waits
   * for it. Appends them in one batch (those processed on receipt stamped so) and wakes the
   * session's runner.
   *
   * @return the events as stored, in order
   * @throws EventsRefused naming the event and the rule it broke; nothing was appended
   */
  public List<StoredEvent> submit(String workspaceId, String sessionId, List<UserEvent> events) {
    List<StoredEvent> stored = inbox.accept(workspaceId, sessionId, events);
    wake(sessionId);
    return stored;
  }

  /**
   * A self-hosted session's worker lost its lease (docs/decisions/0038). The calls it was handed
   * and left unanswered are settled as a dead run's are: a side-effecting one may have
   * half-happened, so the model is told its outcome is unknown and no worker runs it again; a
   * read-only one stays open for the next worker. Returns whether calls still wait on a worker.
   */
  public boolean workerLost(String sessionId) {
    LogState s = hostedFold(sessionId);
    List<dev.agentry.core.EventDraft> unknown = new java.util.ArrayList<>();
    for (dev.agentry.core.LogEntry use : s.openHostedUses.values()) {
      String name = ((dev.agentry.core.Event.AgentToolUse) use.event()).name();
      if (!config.readOnlyTools().contains(name)) {
        unknown.add(Events.toolResult(use.id(), Events.UNKNOWN_OUTCOME, true, clock.instant()));
      }
    }
    if (!unknown.isEmpty()) {
      store.events().append(sessionId, unknown);
      wake(sessionId);
    }
    return s.openHostedUses.size() > unknown.size();
  }

  /** Whether built-in calls of a self-hosted session wait on a worker. */
  public boolean awaitsWorker(String sessionId) {
    return !hostedFold(sessionId).openHostedUses.isEmpty();
  }

  private LogState hostedFold(String sessionId) {
    List<dev.agentry.core.LogEntry> log = new java.util.ArrayList<>();
    long after = 0;
    while (true) {
      List<StoredEvent> page = store.events().readAfter(sessionId, after, 1000);
      page.forEach(e -> log.add(dev.agentry.core.LogEntry.of(e)));
      if (page.size() < 1000) {
        return LogState.foldEntries(log, true);
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  /**
   * Schedules a run of the session if it has work. Returns at once; cheap to call after every
   * append, since a wake during a run only makes that runner read the log once more.
   */
  public void wake(String sessionId) {
    if (closed) {
      return;
    }
    parked.remove(sessionId);
    SessionRun running = active.get(sessionId);
    if (running != null) {
      running.woken();
    }
    boolean[] start = {false};
    wakes.compute(
        sessionId,
        (id, again) -> {
          if (again != null) {
            return Boolean.TRUE;
          }
          if (!takeSlot()) {
            defer(id);
            return null;
          }
          start[0] = true;
          return Boolean.FALSE;
        });
    if (start[0]) {
      runners.execute(() -> drive(sessionId));
    }
  }

  /**
   * The scheduler's queue: sessions woken here that no runner of this process is running right now,
   * either about to start or waiting out another runner's lease. Runners are virtual threads, one
   * per session, so a healthy server keeps this near zero; a growing value means sessions stuck
   * behind leases (another process, or a dead one whose lease has yet to expire).
   */
  public int queueDepth() {
    long starting = wakes.keySet().stream().filter(id -> !active.containsKey(id)).count();
    synchronized (deferred) {
      return (int) starting + awaitingLease.size() + deferred.size();
    }
  }

  /** Sessions this node runs now (at most {@code maxRunning}). */
  public int running() {
    return taken.get();
  }

  /** Sweeps this node has made (tests). */
  long sweeps() {
    return sweeper.sweeps();
  }

  /** Sessions whose claimed run found nothing to do, not claimed again for now (tests). */
  boolean parked(String sessionId) {
    return parked.containsKey(sessionId);
  }

  /** Sessions this node's sweeps have claimed since it started: takeovers and resumptions. */
  public long claims() {
    return sweeper.claims();
  }

  /** Of the claims, those taken over from another node's expired lease. */
  public long takeovers() {
    return sweeper.takeovers();
  }

  /**
   * At start-up: starts sweeping for sessions no live node runs, at once and then every {@link
   * HarnessConfig#sweepInterval()}. The first sweep takes back this node's own sessions (those a
   * previous process of the same node id left running) without waiting for their leases to expire.
   */
  public void recover() {
    sweeper.start();
  }

  private boolean takeSlot() {
    while (true) {
      int now = taken.get();
      if (now >= config.maxRunning()) {
        return false;
      }
      if (taken.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  private void defer(String sessionId) {
    synchronized (deferred) {
      deferred.add(sessionId);
    }
  }

  /** A runner ended: its slot goes to the oldest deferred session, else to the sweep. */
  private void slotFreed() {
    taken.decrementAndGet();
    String next;
    synchronized (deferred) {
      var it = deferred.iterator();
      next = it.hasNext() ? it.next() : null;
      if (next != null) {
        it.remove();
      }
    }
    if (next != null) {
      wake(next);
    } else {
      sweeper.slotFreed();
    }
  }

  /** Stops runs in progress; their sessions resume from the log on the next start. */
  @Override
  public void close() {
    closed = true;
    otherNodes.close();
    active.values().forEach(SessionRun::stop);
    runners.shutdown();
    try {
      if (!runners.awaitTermination(10, TimeUnit.SECONDS)) {
        runners.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
  }

  private void drive(String sessionId) {
    while (true) {
      McpConnections mcp = new McpConnections(store.vaults(), secrets, clock);
      SessionRun runner =
          new SessionRun(
              sessionId,
              store,
              model,
              tools,
              config,
              clock,
              owner,
              timer,
              previews,
              mcp,
              tracing,
              observer,
              checkpoints,
              prompts,
              rubrics);
      SessionRepository.Lease handed = claimed.remove(sessionId);
      if (handed != null) {
        runner.claimed(handed);
      }
      active.put(sessionId, runner);
      try {
        boolean ran = !closed && runner.run();
        if (handed != null && ran && !runner.wroteAnything()) {
          parked.put(sessionId, clock.instant());
        }
        if (!closed && !ran) {
          // Another runner holds the lease: maybe a live one elsewhere, maybe a dead process whose
          // lease has yet to expire. Look again once it would have.
          awaitingLease.add(sessionId);
          timer.schedule(
              () -> {
                awaitingLease.remove(sessionId);
                wake(sessionId);
              },
              config.leaseTtl().toMillis(),
              TimeUnit.MILLISECONDS);
        }
      } catch (RuntimeException e) {
        LOG.error("session {}: run failed; the next wake resumes from the log", sessionId, e);
      } finally {
        active.remove(sessionId);
        mcp.close();
      }
      boolean[] again = {false};
      wakes.compute(
          sessionId,
          (id, woken) -> {
            if (Boolean.TRUE.equals(woken) && !closed) {
              again[0] = true;
              return Boolean.FALSE;
            }
            return null;
          });
      if (!again[0]) {
        slotFreed();
        return;
      }
    }
  }
}
