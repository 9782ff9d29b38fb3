package dev.agentry.bench;

import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.sandbox.WorkspaceCheckpoints;
import dev.agentry.sandbox.Workspaces;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.StoreFixtures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Workspace checkpoints ({@link WorkspaceCheckpoints}): a workspace of {@code files} random files
 * (default 1,000 × 100 KiB = 100 MiB) is checkpointed once whole, then {@code turns} times after
 * one file changed (the per-turn cost), then restored on a second "node" (another data dir) with no
 * copy. Blobs in a local directory, records in SQLite: what is measured is the walk, the hashing
 * and the bytes moved, not a network.
 */
final class CheckpointBench {
  private final int files;
  private final int fileBytes;
  private final int turns;
  private final PrintStream out;

  CheckpointBench(int files, int fileBytes, int turns, PrintStream out) {
    this.files = files;
    this.fileBytes = fileBytes;
    this.turns = turns;
    this.out = out;
  }

  void run() throws IOException {
    Path root = TempDirs.create("agentry-bench-checkpoints");
    List<WorkspaceCheckpoints.Taken> taken = new ArrayList<>();
    WorkspaceCheckpoints.Observer observer =
        new WorkspaceCheckpoints.Observer() {
          @Override
          public void taken(WorkspaceCheckpoints.Taken t) {
            taken.add(t);
          }

          @Override
          public void failed(String sessionId, RuntimeException e) {
            throw e;
          }

          @Override
          public void restored(String sessionId, Duration took, long bytes) {}
        };
    try (Store store = Stores.open(StoreConfig.sqlite(root.resolve("db")));
        BlobStore blobs = BlobStores.filesystem(root.resolve("blobs"))) {
      var at = StoreFixtures.uniqueEpoch();
      Session session =
          store
              .sessions()
              .create(
                  StoreFixtures.session(store.agents().create(StoreFixtures.agent(at)), at),
                  List.of());
      String id = session.id();
      WorkspaceCheckpoints nodeA = node(root.resolve("a"), store, blobs, observer);
      Path ws = Workspaces.of(root.resolve("a")).create(id);
      Random random = new Random(42);
      byte[] buf = new byte[fileBytes];
      for (int i = 0; i < files; i++) {
        random.nextBytes(buf);
        Path f = ws.resolve("dir-" + (i % 10)).resolve("file-" + i + ".bin");
        Files.createDirectories(f.getParent());
        Files.write(f, buf);
      }
      long total = (long) files * fileBytes;
      nodeA.checkpoint(id, 0).orElseThrow();
      WorkspaceCheckpoints.Taken first = taken.getLast();
      out.printf(
          Locale.ROOT,
          "%n## Checkpoints (%d files, %.1f MiB)%nfirst checkpoint (everything): %d ms, %.1f MiB"
              + " uploaded%n",
          files,
          total / 1048576.0,
          first.took().toMillis(),
          first.bytesUploaded() / 1048576.0);
      List<Long> micros = new ArrayList<>();
      long bytes = 0;
      for (int t = 0; t < turns; t++) {
        random.nextBytes(buf);
        Files.write(
            ws.resolve("dir-" + (t % 10)).resolve("file-" + (t * 37 % files) + ".bin"), buf);
        nodeA.checkpoint(id, t + 1).orElseThrow();
        WorkspaceCheckpoints.Taken turn = taken.getLast();
        micros.add(turn.took().toNanos() / 1000);
        bytes += turn.bytesUploaded();
        if (turn.filesUploaded() != 1) {
          throw new IllegalStateException("a turn uploaded " + turn.filesUploaded() + " files");
        }
      }
      micros.sort(null);
      out.printf(
          Locale.ROOT,
          "one file changed, %d turns: checkpoint median %.1f ms, max %.1f ms; %.1f KiB uploaded"
              + " per turn (the file and the manifest)%n",
          turns,
          micros.get(micros.size() / 2) / 1000.0,
          micros.getLast() / 1000.0,
          bytes / 1024.0 / turns);
      WorkspaceCheckpoints nodeB = node(root.resolve("b"), store, blobs, observer);
      long start = System.nanoTime();
      if (!nodeB.restoreIfBehind(id)) {
        throw new IllegalStateException("node b did not restore");
      }
      out.printf(
          Locale.ROOT,
          "restore on a node with no copy: %d ms for %.1f MiB%n",
          (System.nanoTime() - start) / 1_000_000,
          total / 1048576.0);
    } finally {
      TempDirs.delete(root);
    }
  }

  private static WorkspaceCheckpoints node(
      Path dataDir, Store store, BlobStore blobs, WorkspaceCheckpoints.Observer observer) {
    return WorkspaceCheckpoints.create(
        blobs,
        store.checkpoints(),
        Workspaces.of(dataDir),
        dataDir.resolve("checkpoints"),
        Clock.systemUTC(),
        id -> {},
        observer);
  }
}
