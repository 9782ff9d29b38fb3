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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 * therefore defined once, when the shell starts, in {@code __agentry_post}, and each call sends
 * only the here-document, the {@code eval} and {@code eval "$__agentry_post"} (about 240 bytes less
 * per call). The call's marker id is assigned after the command has run, so the command never sees
 * it. A command that unsets {@code __agentry_post} only costs itself a timeout and a fresh shell.
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

  /** Defined once per shell: prints the marker, exit code, cwd and exports after each call. */
  private static final String INIT =
      "__agentry_post='unset __agentry_c; printf \"\\n__AGENTRY_DONE_%s %d\\n%s\\n\" "
          + "\"$__agentry_id\" \"$__agentry_rc\" \"$PWD\"; unset __agentry_rc; export -p; "
          + "printf \"__AGENTRY_END_%s\\n\" \"$__agentry_id\"; unset __agentry_id'\n";

  private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

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
    String done = "\n__AGENTRY_DONE_" + id + " ";
    String end = "__AGENTRY_END_" + id;
    String script =
        "IFS= read -r -d '' __agentry_c <<'__AGENTRY_EOF_"
            + id
            + "'\n"
            + command
            + "\n__AGENTRY_EOF_"
            + id
            + "\neval \"$__agentry_c\" </dev/null 2>&1; __agentry_rc=$? __agentry_id="
            + id
            + "; eval \"$__agentry_post\"\n";
    Future<Reply> f =
        READERS.submit(
            () -> {
              try {
                stdin.write(script.getBytes(StandardCharsets.UTF_8));
                stdin.flush();
              } catch (IOException e) {
                return died();
              }
              if (!reader.copyUntil(done.getBytes(StandardCharsets.UTF_8), sink)) {
                return died();
              }
              String rcLine = reader.readLine();
              String pwd = reader.readLine();
              StringBuilder exports = new StringBuilder();
              for (String l = reader.readLine();
                  l != null && !l.equals(end);
                  l = reader.readLine()) {
                exports.append(l).append('\n');
              }
              if (rcLine == null || pwd == null) {
                return died();
              }
              return new Reply(
                  Status.DONE, Integer.parseInt(rcLine.trim()), new State(pwd, exports.toString()));
            });
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
