package dev.agentry.sandbox;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxException;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SandboxProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandbox per session, over the session's workspace. A sandbox is started lazily by the first
 * {@link #sandboxFor} call, reused by the next ones, started again (over the same workspace) when
 * it died or was reclaimed, and reclaimed after {@link SandboxLimits#idleTimeout()} without use and
 * with no call in flight. Thread-safe: concurrent first calls for a session get one sandbox.
 *
 * <p>The idle sweep runs every quarter of the idle timeout (between 1 s and 1 min) on the given
 * scheduler; idle time is read from the given {@link Clock}.
 */
public final class SandboxManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SandboxManager.class);

  private final SandboxProvider provider;
  private final Workspaces workspaces;
  private final SandboxLimits limits;
  private final Clock clock;
  private final Function<String, EgressPolicy> policies;
  private final Function<String, List<SandboxMount>> mounts;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final ScheduledFuture<?> sweep;
  private volatile boolean closed;

  private SandboxManager(
      SandboxProvider provider,
      Workspaces workspaces,
      SandboxLimits limits,
      Clock clock,
      ScheduledExecutorService scheduler,
      Function<String, EgressPolicy> policies,
      Function<String, List<SandboxMount>> mounts) {
    this.mounts = mounts;
    this.provider = provider;
    this.policies = policies;
    this.workspaces = workspaces;
    this.limits = limits;
    this.clock = clock;
    long period = Math.clamp(limits.idleTimeout().toMillis() / 4, 1_000L, 60_000L);
    this.sweep =
        scheduler.scheduleWithFixedDelay(this::sweepSafely, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * A manager that provisions with {@code provider} over {@code workspaces}. The scheduler is not
   * owned: {@link #close()} cancels the sweep and leaves the scheduler running.
   */
  public static SandboxManager create(
      SandboxProvider provider,
      Workspaces workspaces,
      SandboxLimits limits,
      Clock clock,
      ScheduledExecutorService scheduler) {
    return create(provider, workspaces, limits, clock, scheduler, id -> EgressPolicy.DENY_ALL);
  }

  /**
   * As {@link #create(SandboxProvider, Workspaces, SandboxLimits, Clock,
   * ScheduledExecutorService)}; {@code policies} gives each session's egress policy, read when its
   * sandbox starts (so a changed environment applies to the next sandbox). Providers that are not
   * {@link EgressSandboxProvider}s ignore it.
   */
  public static SandboxManager create(
      SandboxProvider provider,
      Workspaces workspaces,
      SandboxLimits limits,
      Clock clock,
      ScheduledExecutorService scheduler,
      Function<String, EgressPolicy> policies) {
    return create(provider, workspaces, limits, clock, scheduler, policies, id -> List.of());
  }

  /**
   * As above; {@code mounts} gives what each session's sandbox binds besides its workspace (session
   * resources, the outputs directory), called before each start: it may prepare what it names
   * (materialise a file, clone a repository missing on this node), and a failure stops the start.
   */
  public static SandboxManager create(
      SandboxProvider provider,
      Workspaces workspaces,
      SandboxLimits limits,
      Clock clock,
      ScheduledExecutorService scheduler,
      Function<String, EgressPolicy> policies,
      Function<String, List<SandboxMount>> mounts) {
    return new SandboxManager(provider, workspaces, limits, clock, scheduler, policies, mounts);
  }

  /** Whether this manager's sandboxes reach the network through the egress proxy. */
  public boolean egressProxied() {
    return provider instanceof EgressSandboxProvider;
  }

  /**
   * The live sandbox of {@code sessionId}, started if there is none (the workspace is made if
   * missing). The returned sandbox counts its calls in flight so it is not reclaimed mid-call;
   * closing it closes the session's sandbox.
   *
   * @throws IllegalArgumentException if the id is not a session id
   * @throws SandboxException if the sandbox cannot start, or the manager is closed
   */
  public Sandbox sandboxFor(String sessionId) {
    workspaces.path(sessionId);
    Slot slot = slots.computeIfAbsent(sessionId, id -> new Slot());
    slot.lock.lock();
    try {
      if (closed) {
        throw new SandboxException("the sandbox manager is closed");
      }
      boolean remount = slot.remount && slot.sandbox != null && slot.sandbox.inFlight.get() == 0;
      if (slot.sandbox == null || !slot.sandbox.isAlive() || remount) {
        if (slot.sandbox != null) {
          log.info(
              "sandbox of {} is {}; starting a new one over the same workspace",
              sessionId,
              remount ? "missing a new mount" : "gone");
          slot.sandbox.close();
        }
        slot.remount = false;
        Path ws = workspaces.create(sessionId);
        List<SandboxMount> bound = mounts.apply(sessionId);
        Sandbox raw =
            provider instanceof EgressSandboxProvider e
                ? e.provision(sessionId, ws, limits, policyOf(sessionId), bound)
                : provider.provision(sessionId, ws, limits, bound);
        slot.sandbox = new Tracked(raw, slot);
      }
      slot.lastUsed = clock.instant();
      return slot.sandbox;
    } finally {
      slot.lock.unlock();
    }
  }

  /**
   * Starts the session's sandbox on a virtual thread if it has no live one and none is starting,
   * and returns at once: the same {@link #sandboxFor} a call makes, only earlier (a call meanwhile
   * waits for it under the slot's lock and gets that sandbox). The harness calls it before each
   * model request of an agent that offers sandbox tools, so the request's wait hides the start
   * (35–58 ms on the peer bench's machine) instead of the first call paying it. A start that fails
   * is left to the call, which starts again and reports why.
   */
  public void prepare(String sessionId) {
    if (closed) {
      return;
    }
    try {
      workspaces.path(sessionId);
    } catch (IllegalArgumentException e) {
      return; // not a session id: the call reports it
    }
    Slot slot = slots.computeIfAbsent(sessionId, id -> new Slot());
    Tracked s = slot.sandbox;
    if ((s != null && s.isAlive()) || !slot.starting.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("sandbox-start-" + sessionId)
        .start(
            () -> {
              try {
                sandboxFor(sessionId);
              } catch (RuntimeException e) {
                log.debug(
                    "starting the sandbox of {} ahead of its first call failed", sessionId, e);
              } finally {
                slot.starting.set(false);
              }
            });
  }

  /** Whether a {@link #prepare} start of the session's sandbox is under way. */
  boolean starting(String sessionId) {
    Slot slot = slots.get(sessionId);
    return slot != null && slot.starting.get();
  }

  private EgressPolicy policyOf(String sessionId) {
    try {
      EgressPolicy p = policies.apply(sessionId);
      return p == null ? EgressPolicy.DENY_ALL : p;
    } catch (RuntimeException e) {
      log.warn("cannot read the egress policy of {}; denying all egress", sessionId, e);
      return EgressPolicy.DENY_ALL;
    }
  }

  /**
   * The session's mounts changed in a way its live sandbox cannot show (a new bind): the next call
   * that finds no call in flight starts a new sandbox, with the new mounts. The shell's state
   * (working directory, variables, background processes) is lost then, as when a sandbox is
   * reclaimed.
   */
  public void remount(String sessionId) {
    Slot slot = slots.get(sessionId);
    if (slot != null) {
      slot.remount = true;
    }
  }

  /** Closes the session's sandbox, if any; its workspace stays, and the next call starts anew. */
  public void release(String sessionId) {
    Slot slot = slots.get(sessionId);
    if (slot != null) {
      slot.lock.lock();
      try {
        slot.closeSandbox();
      } finally {
        slot.lock.unlock();
      }
    }
  }

  /**
   * Kills one shell of the session's live sandbox, if it has one, without waiting for its command
   * (see {@link Sandbox#interruptShell}); the sandbox and its other shells run on.
   */
  public void interruptShell(String sessionId, String shellName) {
    Slot slot = slots.get(sessionId);
    Tracked s = slot == null ? null : slot.sandbox;
    if (s != null) {
      s.interruptShell(shellName);
    }
  }

  /** Closes the session's sandbox and deletes its workspace. */
  public void deleteSession(String sessionId) {
    workspaces.path(sessionId);
    Slot slot = slots.computeIfAbsent(sessionId, id -> new Slot());
    slot.lock.lock();
    try {
      slot.closeSandbox();
      workspaces.remove(sessionId);
      slots.remove(sessionId, slot);
    } finally {
      slot.lock.unlock();
    }
  }

  /** The number of live sandboxes. */
  public int alive() {
    int n = 0;
    for (Slot slot : slots.values()) {
      Sandbox s = slot.sandbox;
      if (s != null && s.isAlive()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Closes sandboxes unused for the idle timeout with no call in flight, and dead ones; returns how
   * many were closed. The periodic sweep calls this.
   */
  int reclaimIdle() {
    Instant cutoff = clock.instant().minus(limits.idleTimeout());
    int reclaimed = 0;
    for (Map.Entry<String, Slot> e : slots.entrySet()) {
      Slot slot = e.getValue();
      if (!slot.lock.tryLock()) {
        continue;
      }
      try {
        Tracked s = slot.sandbox;
        if (s == null) {
          continue;
        }
        boolean dead = !s.isAlive();
        if (dead || (s.inFlight.get() == 0 && !slot.lastUsed.isAfter(cutoff))) {
          log.info("reclaiming the {} sandbox of {}", dead ? "dead" : "idle", e.getKey());
          slot.closeSandbox();
          reclaimed++;
        }
      } finally {
        slot.lock.unlock();
      }
    }
    return reclaimed;
  }

  private void sweepSafely() {
    try {
      reclaimIdle();
    } catch (RuntimeException e) {
      log.warn("idle sandbox sweep failed", e);
    }
  }

  /** Closes every sandbox and stops the idle sweep; later {@link #sandboxFor} calls fail. */
  @Override
  public void close() {
    closed = true;
    sweep.cancel(false);
    for (Slot slot : slots.values()) {
      slot.lock.lock();
      try {
        slot.closeSandbox();
      } finally {
        slot.lock.unlock();
      }
    }
  }

  private final class Slot {
    final ReentrantLock lock = new ReentrantLock();

    /** A {@link #prepare} start is under way. */
    final AtomicBoolean starting = new AtomicBoolean();

    volatile Tracked sandbox;
    volatile Instant lastUsed = Instant.EPOCH;
    volatile boolean remount;

    void closeSandbox() {
      Tracked s = sandbox;
      sandbox = null;
      if (s != null) {
        try {
          s.delegate.close();
        } catch (RuntimeException e) {
          log.warn("closing a sandbox failed", e);
        }
      }
    }

    void touch() {
      lastUsed = clock.instant();
    }
  }

  /** Counts calls in flight and stamps the last use, for the idle sweep. */
  private static final class Tracked implements Sandbox {
    final Sandbox delegate;
    final Slot slot;
    final AtomicInteger inFlight = new AtomicInteger();

    Tracked(Sandbox delegate, Slot slot) {
      this.delegate = delegate;
      this.slot = slot;
    }

    @Override
    public ExecResult shell(String shellName, String command, Duration timeout) {
      enter();
      try {
        return delegate.shell(shellName, command, timeout);
      } finally {
        leave();
      }
    }

    @Override
    public void restartShell(String shellName) {
      enter();
      try {
        delegate.restartShell(shellName);
      } finally {
        leave();
      }
    }

    @Override
    public void interruptShell(String shellName) {
      delegate.interruptShell(shellName);
    }

    @Override
    public ExecResult exec(List<String> argv, byte[] stdin, Duration timeout) {
      enter();
      try {
        return delegate.exec(argv, stdin, timeout);
      } finally {
        leave();
      }
    }

    private void enter() {
      inFlight.incrementAndGet();
      slot.touch();
    }

    private void leave() {
      slot.touch();
      inFlight.decrementAndGet();
    }

    @Override
    public boolean isAlive() {
      return delegate.isAlive();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
