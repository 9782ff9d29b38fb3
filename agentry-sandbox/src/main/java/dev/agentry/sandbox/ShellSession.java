package dev.agentry.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One long-lived {@code bash --noprofile --norc} and the sentinel protocol spoken over its pipes.
 *
 * <p>Each call sends the command as a quoted here-document read by the {@code read} builtin (so no
 * quoting of the command is needed and a syntax error in it cannot desync the protocol), runs it
 * with {@code eval} with stdin from /dev/null (the command must never eat the protocol pipe) and
 * stderr merged, then prints a per-call marker with {@code $?}, {@code $PWD} and {@code export -p}.
 * Those two are captured after every call so a replacement shell can be put back where this one was
 * when a command has to be killed.
 *
 * <p>bash reads a script from a pipe one byte per {@code read(2)} (so that commands could read the
 * rest of stdin), which makes every byte of the per-call script a syscall. The fixed trailer is
 * therefore defined once, when the shell starts, as the function {@code __agentry_post}, and each
 * call sends only the here-document, the {@code eval} and {@code __agentry_post $? ID} (about 110
 * bytes besides the command). The call's marker id is assigned after the command has run, so the
 * command never sees it. A command that unsets {@code __agentry_post} only costs itself a timeout
 * and a fresh shell.
 *
 * <p>Where a kill ends every process that could hold the output pipe ({@link
 * Launcher#killEndsOutput}, bubblewrap's pid namespace), the caller's thread speaks the protocol
 * itself and a timer kills the shell at the timeout, which ends the read; a call then costs no
 * hand-off to another thread and back. Elsewhere a process may escape the kill and keep the pipe
 * open, so a reader thread that the caller can abandon does the reading.
 */
final class ShellSession {
  enum Status {
    DONE,
    DIED,
    TIMEOUT
  }

  /** The working directory and exported variables of a shell, re-playable into a fresh one. */
  record State(String pwd, String exports) {
    String restoreScript() {
      return "cd -- '" + pwd.replace("'", "'\\''") + "' 2>/dev/null\n" + exports;
    }
  }

  record Reply(Status status, int exitCode, State state) {}

  /**
   * Defined once per shell: {@code __agentry_post RC ID} prints the marker, exit code, cwd and
   * exports after each call. A function, not an evaluated string, so bash parses it once.
   */
  private static final String INIT =
      "__agentry_post() { unset __agentry_c; printf \"\\n__AGENTRY_DONE_%s %d\\n%s\\n\" "
          + "\"$2\" \"$1\" \"$PWD\"; export -p; printf \"__AGENTRY_END_%s\\n\" \"$2\"; }\n";

  private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

  /** Kills a shell whose command outlives its timeout (one daemon thread for all shells). */
  private static final ScheduledThreadPoolExecutor TIMEOUTS = timeouts();

  private static ScheduledThreadPoolExecutor timeouts() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().name("agentry-shell-timeouts").daemon().unstarted(r));
    t.setRemoveOnCancelPolicy(true); // a call that finishes in time leaves nothing queued
    return t;
  }

  private final Process process;
  private final Launcher launcher;
  private final MarkerReader reader;
  private final OutputStream stdin;

  ShellSession(Launcher launcher) throws IOException {
    this.launcher = launcher;
    ProcessBuilder pb = launcher.command(java.util.List.of("/bin/bash", "--noprofile", "--norc"));
    pb.redirectErrorStream(true);
    this.process = pb.start();
    this.reader = new MarkerReader(process.getInputStream());
    this.stdin = process.getOutputStream();
    // Buffered in the pipe until bash reads it, ahead of the first call's script.
    stdin.write(INIT.getBytes(StandardCharsets.UTF_8));
  }

  boolean alive() {
    return process.isAlive();
  }

  Process process() {
    return process;
  }

  Reply run(String command, Duration timeout, CappedOutput sink) {
    String id = UUID.randomUUID().toString().replace("-", "");
    byte[] script =
        ("IFS= read -r -d '' __agentry_c <<'__AGENTRY_EOF_"
                + id
                + "'\n"
                + command
                + "\n__AGENTRY_EOF_"
                + id
                + "\neval \"$__agentry_c\" </dev/null 2>&1; __agentry_post $? "
                + id
                + "\n")
            .getBytes(StandardCharsets.UTF_8);
    return launcher.killEndsOutput()
        ? runHere(script, id, timeout, sink)
        : runOnReader(script, id, timeout, sink);
  }

  /** The protocol on the caller's thread; the timer's kill ends a command past its timeout. */
  private Reply runHere(byte[] script, String id, Duration timeout, CappedOutput sink) {
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> timer =
        TIMEOUTS.schedule(
            () -> {
              timedOut.set(true);
              Thread.ofVirtual().start(this::kill); // the kill may wait: not on the timer's thread
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    Reply reply;
    try {
      reply = exchange(script, id, sink);
    } finally {
      timer.cancel(false);
    }
    if (timedOut.get()) {
      kill(); // the timer's kill is under way: the shell is dead once it is done
      return new Reply(Status.TIMEOUT, 124, null);
    }
    return reply;
  }

  /** The protocol on a reader thread, abandoned at the timeout if the kill cannot end its read. */
  private Reply runOnReader(byte[] script, String id, Duration timeout, CappedOutput sink) {
    Future<Reply> f = READERS.submit(() -> exchange(script, id, sink));
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      kill();
      waitQuietly(f);
      return new Reply(Status.TIMEOUT, 124, null);
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
      return new Reply(Status.TIMEOUT, 124, null);
    } catch (ExecutionException e) {
      kill();
      return died();
    }
  }

  /** Sends one call's script and reads its output and trailer; DIED if the shell went away. */
  private Reply exchange(byte[] script, String id, CappedOutput sink) {
    byte[] done = ("\n__AGENTRY_DONE_" + id + " ").getBytes(StandardCharsets.UTF_8);
    String end = "__AGENTRY_END_" + id;
    try {
      stdin.write(script);
      stdin.flush();
      if (!reader.copyUntil(done, sink)) {
        return died();
      }
      String rcLine = reader.readLine();
      String pwd = reader.readLine();
      StringBuilder exports = new StringBuilder();
      for (String l = reader.readLine(); l != null && !l.equals(end); l = reader.readLine()) {
        exports.append(l).append('\n');
      }
      if (rcLine == null || pwd == null) {
        return died();
      }
      return new Reply(
          Status.DONE, Integer.parseInt(rcLine.trim()), new State(pwd, exports.toString()));
    } catch (IOException e) {
      return died();
    }
  }

  private Reply died() {
    int code = -1;
    try {
      if (process.waitFor(2, TimeUnit.SECONDS)) {
        code = process.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new Reply(Status.DIED, code, null);
  }

  /** Kills the shell and, with it, everything it started. */
  void kill() {
    launcher.kill(process);
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void waitQuietly(Future<?> f) {
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      f.cancel(true);
    }
  }
}
