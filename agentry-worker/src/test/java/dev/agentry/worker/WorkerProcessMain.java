package dev.agentry.worker;

import dev.agentry.core.ToolOutcome;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;

/**
 * A worker process for {@link WorkerProcessTest}: args are the queue's URL, the key and a marker
 * folder. Its one tool notes {@code started-<call>} there, waits for a {@code release} file, and
 * answers {@code finished}; so the test can signal or kill it mid-call.
 */
public final class WorkerProcessMain {
  private WorkerProcessMain() {}

  public static void main(String[] args) throws Exception {
    Path markers = Path.of(args[2]);
    Worker worker =
        new Worker(
            new Worker.Options(URI.create(args[0]), FakeQueue.ENV, args[1], 1, "proc-" + args[3]),
            (sessionId, name, input, cancellation) -> {
              try {
                Files.writeString(markers.resolve("started-" + args[3]), name);
                while (!Files.exists(markers.resolve("release"))) {
                  Thread.sleep(20);
                }
              } catch (IOException | InterruptedException e) {
                return ToolOutcome.error(e.toString());
              }
              return ToolOutcome.ok("finished by " + args[3]);
            },
            Executors.newSingleThreadScheduledExecutor(),
            Clock.systemUTC(),
            new ItemRun.Pacing(2_000, 100, 1_000),
            () -> {});
    System.exit(WorkerProcess.run(worker, new PrintWriter(System.err, true)));
  }
}
