package dev.agentry.sandbox;

import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import dev.agentry.core.SandboxException;
import dev.agentry.core.SandboxLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox made of processes started by a {@link Launcher}: persistent shells, one per name (a
 * session thread's, docs/decisions/0047), plus one-shot {@code exec}s. Backend-neutral, so the
 * bubblewrap and unsafe-local providers behave alike. Every shell runs in the one confinement
 * (filesystem, cgroup, egress); calls to one shell are serialised by its slot's lock, calls to
 * different shells run side by side.
 */
final class ProcessSandbox implements Sandbox {
  private static final Logger log = LoggerFactory.getLogger(ProcessSandbox.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private final String id;
  private final Launcher launcher;
  private final SandboxLimits limits;
  private final Path workspace;
  private final Set<Process> running = ConcurrentHashMap.newKeySet();
  private final Map<String, Slot> shells = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** One named shell; its monitor serialises the calls to it. */
  private static final class Slot {
    // Written under the slot's monitor; volatile so close() can kill a running command without it.
    volatile ShellSession shell;
    ShellSession.State state; // last known cwd + exports, guarded by the monitor

    Slot(ShellSession.State state) {
      this.state = state;
    }
  }

  /**
   * The limit counters as last read, after the previous call: a shell call compares against these
   * instead of reading them before it starts (one read per call instead of three). A limit tripped
   * between calls (by a background process) is therefore reported on the next call, not lost.
   */
  private volatile long[] lastCounters;

  ProcessSandbox(String id, Launcher launcher, SandboxLimits limits, Path workspace) {
    this.id = id;
    this.launcher = launcher;
    this.limits = limits;
    this.workspace = workspace;
  }

  /** The sandbox's name ({@code sb-…}): its cgroups and egress directory are named after it. */
  String id() {
    return id;
  }

  /**
   * Starts the main shell now so that a sandbox that cannot start fails provisioning, not a call.
   */
  ProcessSandbox start() {
    Slot main = slot(MAIN_SHELL);
    synchronized (main) {
      main.shell = startShell(main, null);
    }
    lastCounters = launcher.counters();
    return this;
  }

  private ShellSession.State fresh() {
    return new ShellSession.State(launcher.workspacePath(), "");
  }

  private Slot slot(String shellName) {
    return shells.computeIfAbsent(shellName, n -> new Slot(fresh()));
  }

  @Override
  public ExecResult shell(String shellName, String command, Duration timeout) {
    Duration t = clamp(timeout);
    ensureOpen();
    Slot slot = slot(shellName);
    synchronized (slot) {
      ensureOpen();
      ShellSession.State state = slot.state;
      ShellSession shell = slot.shell;
      String note = "";
      if (shell == null || !shell.alive()) {
        if (shell != null) {
          note =
              "[shell restarted: the previous shell had exited; working directory and exported"
                  + " variables restored]\n";
        }
        shell = slot.shell = startShell(slot, state);
      }
      long[] before = lastCounters;
      CappedOutput out = new CappedOutput(limits.maxOutputBytes());
      ShellSession.Reply reply = shell.run(command, t, out);
      if (closed) {
        return finish(
            note,
            out,
            reply.exitCode(),
            false,
            before,
            before,
            "[the sandbox was closed while the command ran; everything it started was killed]");
      }
      long[] after = launcher.counters();
      String suffix = "";
      int exit = reply.exitCode();
      boolean timedOut = false;
      switch (reply.status()) {
        case DONE -> {
          state = slot.state = reply.state();
          if (after[1] > before[1]) {
            // A fork bomb's background jobs outlive the command; only a new pid namespace stops
            // them.
            shell.kill();
            slot.shell = startShell(slot, state);
            after =
                launcher.counters(); // forks refused while the old tree died count for this call
            suffix =
                "[the shell was restarted to stop runaway processes; working directory and exported"
                    + " variables restored]";
          }
        }
        case TIMEOUT -> {
          timedOut = true;
          slot.shell = startShell(slot, state);
          after = launcher.counters(); // as above: the next call must not inherit them
          suffix =
              "[command timed out after "
                  + seconds(t)
                  + " and was killed with every process it started; the shell was restarted in "
                  + state.pwd()
                  + " with exported variables restored]";
        }
        case DIED -> {
          suffix =
              "[the shell exited (code "
                  + exit
                  + "); the next call starts a fresh shell with the working directory and exported"
                  + " variables restored]";
        }
      }
      return finish(note, out, exit, timedOut, before, after, suffix);
    }
  }

  @Override
  public void restartShell(String shellName) {
    ensureOpen();
    Slot slot = slot(shellName);
    synchronized (slot) {
      ensureOpen();
      if (slot.shell != null) {
        slot.shell.kill();
      }
      slot.state = fresh();
      slot.shell = startShell(slot, null);
    }
  }

  @Override
  public void interruptShell(String shellName) {
    // Not under the slot's lock: the command to stop holds it.
    Slot slot = shells.get(shellName);
    ShellSession current = slot == null ? null : slot.shell;
    if (current != null) {
      current.kill();
    }
  }

  @Override
  public ExecResult exec(List<String> argv, byte[] stdin, Duration timeout) {
    ensureOpen();
    Duration t = clamp(timeout);
    long[] before = launcher.counters();
    CappedOutput out = new CappedOutput(limits.maxOutputBytes());
    Process p;
    try {
      ProcessBuilder pb = launcher.command(argv);
      pb.redirectErrorStream(true);
      p = pb.start();
    } catch (IOException e) {
      throw new SandboxException("sandbox " + id + " could not start a process: " + e, e);
    }
    running.add(p);
    try {
      Thread writer = Thread.ofVirtual().start(() -> feed(p.getOutputStream(), stdin));
      Thread reader = Thread.ofVirtual().start(() -> drain(p.getInputStream(), out));
      boolean timedOut = !p.waitFor(t.toMillis(), TimeUnit.MILLISECONDS);
      if (timedOut) {
        launcher.kill(p);
        p.waitFor(5, TimeUnit.SECONDS);
      }
      // A daemon that kept the pipe open must not hang the call (only possible without a pid ns).
      reader.join(Duration.ofSeconds(2));
      if (reader.isAlive()) {
        p.getInputStream().close();
        reader.join(Duration.ofSeconds(1));
      }
      writer.interrupt();
      int exit = timedOut ? 124 : p.exitValue();
      String suffix = timedOut ? "[command timed out after " + seconds(t) + " and was killed]" : "";
      return finish("", out, exit, timedOut, before, launcher.counters(), suffix);
    } catch (InterruptedException e) {
      launcher.kill(p);
      Thread.currentThread().interrupt();
      throw new SandboxException("interrupted", e);
    } catch (IOException e) {
      throw new SandboxException("sandbox " + id + " I/O failed: " + e, e);
    } finally {
      running.remove(p);
    }
  }

  private ExecResult finish(
      String note,
      CappedOutput out,
      int exit,
      boolean timedOut,
      long[] before,
      long[] after,
      String suffix) {
    lastCounters = after;
    String text = note + out.text();
    String failure = null;
    String why = "";
    if (after[0] > before[0]) {
      failure = "memory";
      why =
          "[a process was killed: the sandbox reached its memory limit of "
              + limits.memoryBytes()
              + " bytes]";
    } else if (after[1] > before[1]) {
      failure = "processes";
      why = "[the sandbox reached its limit of " + limits.maxProcesses() + " processes]";
    } else if (exit == 128 + 25
        || text.contains("File size limit exceeded")
        || text.contains("File too large")) {
      failure = "file_size";
      why = "[a file reached the size limit of " + limits.maxFileBytes() + " bytes]";
    } else if (timedOut) {
      failure = "timeout";
    } else {
      long used = WorkspaceUsage.bytes(workspace, limits.workspaceQuotaBytes());
      if (used > limits.workspaceQuotaBytes()) {
        failure = "disk";
        why =
            "[the workspace uses more than its quota of "
                + limits.workspaceQuotaBytes()
                + " bytes; delete files to continue]";
      }
    }
    StringBuilder sb = new StringBuilder(text);
    for (String s : new String[] {why, suffix}) {
      if (!s.isEmpty()) {
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
          sb.append('\n');
        }
        sb.append(s);
      }
    }
    return new ExecResult(exit, sb.toString(), out.truncated(), failure);
  }

  /**
   * A new shell for {@code slot}, put back in {@code restore}'s directory with its exports (or, for
   * null, fresh: then its state is the slot's).
   */
  private ShellSession startShell(Slot slot, ShellSession.State restore) {
    try {
      ShellSession s = new ShellSession(launcher);
      CappedOutput out = new CappedOutput(4096);
      String script = restore == null ? "true" : restore.restoreScript();
      ShellSession.Reply r = s.run(script, START_TIMEOUT, out);
      if (r.status() != ShellSession.Status.DONE) {
        s.kill();
        throw new SandboxException("sandbox " + id + " failed to start its shell: " + out.text());
      }
      if (restore == null) {
        slot.state = r.state();
      }
      if (closed) {
        s.kill(); // close() ran while this one started: it would otherwise outlive the sandbox
        throw new SandboxException("sandbox " + id + " is closed");
      }
      return s;
    } catch (IOException e) {
      throw new SandboxException("sandbox " + id + " failed to start its shell: " + e, e);
    }
  }

  @Override
  public boolean isAlive() {
    return !closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Not under the slots' locks: a command may hold one for minutes, and closing must stop it now.
    for (Slot slot : shells.values()) {
      ShellSession current = slot.shell;
      if (current != null) {
        current.kill();
      }
    }
    for (Process p : running) {
      launcher.kill(p);
    }
    launcher.close();
    log.debug("sandbox {} closed", id);
  }

  private void ensureOpen() {
    if (closed) {
      throw new SandboxException("sandbox " + id + " is closed");
    }
  }

  private Duration clamp(Duration t) {
    if (t == null || t.isZero() || t.isNegative()) {
      return limits.defaultTimeout();
    }
    return t.compareTo(limits.maxTimeout()) > 0 ? limits.maxTimeout() : t;
  }

  private static String seconds(Duration t) {
    return t.toMillis() % 1000 == 0 ? t.toSeconds() + " s" : t.toMillis() / 1000.0 + " s";
  }

  private static void feed(OutputStream os, byte[] data) {
    try (os) {
      if (data != null && data.length > 0) {
        os.write(data);
      }
    } catch (IOException ignored) {
      // the process exited without reading all of its input: not an error
    }
  }

  private static void drain(InputStream in, CappedOutput out) {
    byte[] buf = new byte[64 * 1024];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
      }
    } catch (IOException ignored) {
      // stream closed after a kill
    }
  }
}
