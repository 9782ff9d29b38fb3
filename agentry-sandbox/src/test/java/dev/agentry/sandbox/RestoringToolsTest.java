package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ToolExecutor;
import dev.agentry.core.ToolOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Built-in tools over moving workspaces: a run reads the checkpoint record once, at its first call,
 * and a run that starts behind the checkpoint still restores before that call runs.
 */
class RestoringToolsTest {
  private static final String SESSION = CheckpointsContract.SESSION;
  private static final JsonNode INPUT = JsonNodeFactory.instance.objectNode();

  @TempDir Path tmp;
  private final CountingRecords records = new CountingRecords();
  private final AtomicBoolean failing = new AtomicBoolean();
  private BlobStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aRunReadsTheCheckpointRecordOnce_atItsFirstCall() throws IOException {
    WorkspaceCheckpoints a = node("a");
    Files.writeString(Workspaces.of(tmp.resolve("a")).create(SESSION).resolve("f"), "1");
    a.checkpoint(SESSION, 1);
    Tools inner = new Tools(Workspaces.of(tmp.resolve("a")).path(SESSION));
    ToolExecutor run = RestoringTools.over(inner, a).forRun(SESSION);
    int before = records.latest.get();

    for (int i = 0; i < 5; i++) {
      assertThat(run.execute(SESSION, "bash", INPUT, new Cancellation()).isError()).isFalse();
    }

    assertThat(inner.calls).hasSize(5);
    assertThat(records.latest.get() - before).as("record reads in a run of 5 calls").isEqualTo(1);
    RestoringTools.over(inner, a).forRun(SESSION).execute(SESSION, "bash", INPUT);
    assertThat(records.latest.get() - before).as("the next run reads it again").isEqualTo(2);
  }

  @Test
  void aRunThatStartsBehindTheCheckpoint_restoresBeforeItsFirstCallRuns() throws IOException {
    WorkspaceCheckpoints a = node("a");
    Files.writeString(Workspaces.of(tmp.resolve("a")).create(SESSION).resolve("f"), "from a");
    a.checkpoint(SESSION, 1);
    WorkspaceCheckpoints b = node("b");
    Path bCopy = Workspaces.of(tmp.resolve("b")).create(SESSION); // an empty, old copy
    Tools inner = new Tools(bCopy);

    ToolExecutor run = RestoringTools.over(inner, b).forRun(SESSION);
    assertThat(run.execute(SESSION, "bash", INPUT, new Cancellation()).isError()).isFalse();
    run.execute(SESSION, "bash", INPUT, new Cancellation());

    assertThat(inner.seen).containsExactly("from a", "from a");
  }

  @Test
  void aRestoreThatFails_refusesTheCall_andTheRunsNextCallTriesAgain() throws IOException {
    WorkspaceCheckpoints a = node("a");
    Files.writeString(Workspaces.of(tmp.resolve("a")).create(SESSION).resolve("f"), "from a");
    a.checkpoint(SESSION, 1);
    WorkspaceCheckpoints b = node("b");
    Tools inner = new Tools(Workspaces.of(tmp.resolve("b")).path(SESSION));
    ToolExecutor run = RestoringTools.over(inner, b).forRun(SESSION);

    failing.set(true);
    ToolOutcome refused = run.execute(SESSION, "bash", INPUT, new Cancellation());
    failing.set(false);
    ToolOutcome next = run.execute(SESSION, "bash", INPUT, new Cancellation());

    assertThat(refused.isError()).isTrue();
    assertThat(refused.text()).contains("could not be restored");
    assertThat(next.isError()).isFalse();
    assertThat(inner.seen).containsExactly("from a");
  }

  @Test
  void anExecutorNotScopedToARun_checksBeforeEveryCall() throws IOException {
    WorkspaceCheckpoints a = node("a");
    Workspaces.of(tmp.resolve("a")).create(SESSION);
    Tools inner = new Tools(Workspaces.of(tmp.resolve("a")).path(SESSION));
    ToolExecutor tools = RestoringTools.over(inner, a);
    int before = records.latest.get();

    tools.execute(SESSION, "bash", INPUT, new Cancellation());
    tools.execute(SESSION, "bash", INPUT, new Cancellation());

    assertThat(records.latest.get() - before).isEqualTo(2);
  }

  @Test
  void prepare_reachesTheToolsUnderneath_soTheSandboxStartsDuringTheModelRequest() {
    WorkspaceCheckpoints a = node("a");
    Tools inner = new Tools(tmp.resolve("none"));
    ToolExecutor tools = RestoringTools.over(inner, a);

    tools.prepare(SESSION);
    tools.forRun(SESSION).prepare(SESSION);

    assertThat(inner.prepared).containsExactly(SESSION, SESSION);
    assertThat(records.latest.get()).as("preparing reads no record").isZero();
  }

  /** A node's checkpoints over the shared blob store, whose reads fail while {@link #failing}. */
  private WorkspaceCheckpoints node(String name) {
    if (store == null) {
      store = BlobStores.filesystem(tmp.resolve("blobs"));
    }
    BlobStore shared = store;
    BlobStore failable =
        new BlobStore() {
          @Override
          public dev.agentry.core.BlobRef put(java.io.InputStream content) {
            return shared.put(content);
          }

          @Override
          public java.io.InputStream open(String address) {
            if (failing.get()) {
              throw new dev.agentry.core.BlobException("the blob store is down (test)");
            }
            return shared.open(address);
          }

          @Override
          public Optional<dev.agentry.core.BlobRef> stat(String address) {
            return shared.stat(address);
          }

          @Override
          public void delete(String address) {
            shared.delete(address);
          }

          @Override
          public void list(
              String prefix, java.util.function.Consumer<dev.agentry.core.BlobRef> each) {
            shared.list(prefix, each);
          }

          @Override
          public String describe() {
            return shared.describe();
          }

          @Override
          public void close() {}
        };
    Path dataDir = tmp.resolve(name);
    return WorkspaceCheckpoints.create(
        failable,
        records,
        Workspaces.of(dataDir),
        dataDir.resolve("checkpoints"),
        Clock.systemUTC(),
        id -> {},
        WorkspaceCheckpoints.Observer.NONE);
  }

  /** The tools underneath: each call reads the workspace's file {@code f}, if there is one. */
  private static final class Tools implements ToolExecutor {
    final Path workspace;
    final List<String> calls = new ArrayList<>();
    final List<String> seen = new ArrayList<>();
    final List<String> prepared = new ArrayList<>();

    Tools(Path workspace) {
      this.workspace = workspace;
    }

    @Override
    public ToolOutcome execute(String sessionId, String name, JsonNode input, Cancellation c) {
      calls.add(name);
      Path f = workspace.resolve("f");
      try {
        if (Files.exists(f)) {
          seen.add(Files.readString(f));
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return ToolOutcome.ok("ran");
    }

    @Override
    public void prepare(String sessionId) {
      prepared.add(sessionId);
    }
  }

  /** The records, counting how often the latest one is read. */
  private static final class CountingRecords extends CheckpointsContract.Records {
    final AtomicInteger latest = new AtomicInteger();

    @Override
    public synchronized Optional<Checkpoint> latest(String sessionId) {
      latest.incrementAndGet();
      return super.latest(sessionId);
    }
  }
}
