package dev.agentry.cli;

import dev.agentry.core.SandboxProvider;
import dev.agentry.sandbox.Sandboxes;
import dev.agentry.server.SandboxSettings;
import dev.agentry.worker.Worker;
import dev.agentry.worker.WorkerProcess;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code agentry worker}: the hands of a {@code self_hosted} environment on this machine. Needs the
 * jar and bubblewrap, not the database; sandboxes take the server's {@code AGENTRY_SANDBOX*}
 * settings. SIGTERM drains (running calls finish and post, items are stopped) and exits 0.
 */
@Command(
    name = "worker",
    description =
        "Run a self-hosted environment's worker: poll its work queue and run the sessions'"
            + " built-in tool calls in sandboxes on this machine.",
    mixinStandardHelpOptions = true)
final class WorkerCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--url", required = true, description = "The Agentry server's URL.")
  URI url;

  @Option(
      names = "--environment",
      required = true,
      description = "The self_hosted environment (env_…).")
  String environment;

  @Option(
      names = "--key",
      defaultValue = "${env:AGENTRY_ENVIRONMENT_KEY}",
      description =
          "The environment key from `agentry environments key ENV_ID` (or env"
              + " AGENTRY_ENVIRONMENT_KEY, which keeps it out of the process list).")
  String key;

  @Option(
      names = "--workdir",
      defaultValue = "./worker-data",
      description = "Where the sessions' workspaces live (default ./worker-data).")
  Path workdir;

  @Option(
      names = "--max-sessions",
      defaultValue = "4",
      description = "Sessions served at once (default 4).")
  int maxSessions;

  @Option(
      names = "--max-concurrent-calls",
      defaultValue = "1",
      description =
          "Calls of one session run at once, each of a different session thread; a thread's"
              + " calls always run one at a time, in its own shell (default 1).")
  int maxConcurrentCalls;

  @Option(
      names = "--lease-seconds",
      defaultValue = "0",
      description =
          "The lease to ask for (desired_ttl_seconds, 10-3600); default: the server's (300 s).")
  int leaseSeconds;

  @Option(
      names = "--worker-id",
      description = "Anthropic-Worker-ID to poll with (default $HOSTNAME-<uuid>).")
  String workerId;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return work(err);
    } finally {
      err.flush();
    }
  }

  private int work(PrintWriter err) throws InterruptedException {
    Worker worker;
    try {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            "--key is required (or set AGENTRY_ENVIRONMENT_KEY): make one with `"
                + Main.command(spec)
                + " environments key "
                + environment
                + "`");
      }
      if (maxConcurrentCalls < 1) {
        throw new IllegalArgumentException(
            "--max-concurrent-calls must be at least 1, got " + maxConcurrentCalls);
      }
      SandboxSettings sandbox = SandboxSettings.fromEnv(System.getenv());
      SandboxProvider provider =
          sandbox.backend().equals("unsafe-local")
              ? Sandboxes.unsafeLocal()
              : Sandboxes.bubblewrap(sandbox.uid());
      worker =
          Worker.create(
              new Worker.Options(
                  url,
                  environment,
                  key,
                  maxSessions,
                  workerId == null ? Worker.Options.defaultWorkerId() : workerId,
                  leaseSeconds,
                  maxConcurrentCalls),
              workdir.toAbsolutePath(),
              provider,
              sandbox.limits());
    } catch (IllegalArgumentException e) {
      err.println("agentry worker: " + e.getMessage());
      return 2;
    }
    return WorkerProcess.run(worker, err);
  }
}
