package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.CheckpointRepository.Checkpoint;
import dev.agentry.core.Session;
import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Workspace checkpoint records ({@link CheckpointRepository}): what a node restores from. */
public abstract class CheckpointContract extends StoreTestBase {
  private static final String M1 = "1".repeat(64);
  private static final String M2 = "2".repeat(64);
  private static final String M3 = "3".repeat(64);

  private String session(int events) {
    Instant at = StoreFixtures.uniqueEpoch();
    Session s = StoreFixtures.session(store.agents().create(StoreFixtures.agent(at)), at);
    String id = store.sessions().create(s, StoreFixtures.drafts("user.message", events)).id();
    store.checkpoints().pin(id, List.of(M1, M2, M3), Instant.now()); // as its writer would
    return id;
  }

  @Test
  void theLatestIsTheOneCoveringMost_andAForkPointFindsTheOneAtOrBeforeIt() {
    String id = session(4);
    CheckpointRepository checkpoints = store.checkpoints();
    assertThat(checkpoints.latest(id)).isEmpty();

    Checkpoint first =
        checkpoints.record(id, 2, M1, Set.of(), Instant.parse("2026-01-01T00:00:00Z"));
    Checkpoint second =
        checkpoints.record(id, 4, M2, Set.of(), Instant.parse("2026-01-01T00:01:00Z"));

    assertThat(first.coversSeq()).isEqualTo(2);
    assertThat(checkpoints.latest(id)).contains(second);
    assertThat(checkpoints.atOrBefore(id, 3)).contains(first);
    assertThat(checkpoints.atOrBefore(id, 2)).contains(first);
    assertThat(checkpoints.atOrBefore(id, 1)).isEmpty();

    Checkpoint again =
        checkpoints.record(id, 4, M3, Set.of(), Instant.parse("2026-01-01T00:02:00Z"));
    assertThat(again.coversSeq()).as("the same event: replaced").isEqualTo(4);
    assertThat(checkpoints.latest(id).orElseThrow().manifest()).isEqualTo(M3);
    assertThat(checkpoints.latest(session(1))).as("per session").isEmpty();
  }

  @Test
  void aFencedCheckpoint_isRecordedWhileItsLeaseHolds_andRefusedOnceTheLeaseMoved() {
    String id = session(3);
    CheckpointRepository checkpoints = store.checkpoints();
    Instant now = Instant.now();
    Lease first = store.sessions().tryLease(id, "node-a", now, Duration.ofMillis(1)).orElseThrow();
    assertThat(checkpoints.record(id, 2, M1, Set.of(), now, first.token())).isPresent();

    // node-a's lease expired and node-b took it: node-a's copy is no longer the session's.
    Lease second =
        store
            .sessions()
            .tryLease(id, "node-b", now.plusSeconds(1), Duration.ofSeconds(30))
            .orElseThrow();
    assertThat(second.token()).isGreaterThan(first.token());
    assertThat(checkpoints.record(id, 3, M2, Set.of(), now, first.token())).isEmpty();
    assertThat(checkpoints.latest(id).orElseThrow().manifest()).isEqualTo(M1);
    assertThat(checkpoints.record(id, 3, M3, Set.of(), now, second.token())).isPresent();
    assertThat(checkpoints.latest(id).orElseThrow().manifest()).isEqualTo(M3);
    assertThatThrownBy(() -> checkpoints.record("sesn_nope", 1, M1, Set.of(), now, 0))
        .isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void aCheckpointOfAnUnknownSessionIsRefused_andADeletedSessionTakesItsCheckpoints() {
    assertThatThrownBy(
            () -> store.checkpoints().record("sesn_nope", 1, M1, Set.of(), Instant.now()))
        .isInstanceOf(StoreException.NotFound.class);
    String id = session(1);
    store.checkpoints().record(id, 1, M1, Set.of(), Instant.now());
    store.sessions().delete(id);
    assertThat(store.checkpoints().latest(id)).isEmpty();
  }

  @Test
  void aRecordOfABlobNeverPinned_orCollectedSincePinned_isRefused_recordingNothing() {
    String id = session(1);
    String unpinned = "4".repeat(64);
    assertThatThrownBy(() -> store.checkpoints().record(id, 1, M1, Set.of(unpinned), Instant.now()))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(store.checkpoints().latest(id)).isEmpty();
  }

  @Test
  void aForkCopy_recordsTheCheckpointForTheFork() {
    String original = session(2);
    String fork = session(1);
    Checkpoint c = store.checkpoints().record(original, 2, M1, Set.of(M2), Instant.now());
    Checkpoint copied = store.checkpoints().copy(c, fork, 1, Instant.now());
    assertThat(copied.manifest()).isEqualTo(M1);
    assertThat(store.checkpoints().latest(fork)).contains(copied);
    assertThatThrownBy(() -> store.checkpoints().copy(c, "sesn_nope", 1, Instant.now()))
        .isInstanceOf(StoreException.NotFound.class);
  }
}
