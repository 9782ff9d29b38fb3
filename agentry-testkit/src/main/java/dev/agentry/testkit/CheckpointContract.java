package dev.agentry.testkit;

import static dev.agentry.testkit.StoreFixtures.draft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.CheckpointRepository.Checkpoint;
import dev.agentry.core.Session;
import dev.agentry.core.StoreException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workspace checkpoint records ({@link CheckpointRepository}): what a node restores from. */
public abstract class CheckpointContract extends StoreTestBase {
  private static final String M1 = "1".repeat(64);
  private static final String M2 = "2".repeat(64);
  private static final String M3 = "3".repeat(64);

  private String session(int events) {
    Instant at = StoreFixtures.uniqueEpoch();
    Session s = StoreFixtures.session(store.agents().create(StoreFixtures.agent(at)), at);
    return store.sessions().create(s, StoreFixtures.drafts("user.message", events)).id();
  }

  @Test
  void aCheckpointCoversTheLogUpToItsLatestEvent_andTheLatestIsTheOneCoveringMost() {
    String id = session(2);
    CheckpointRepository checkpoints = store.checkpoints();
    assertThat(checkpoints.latest(id)).isEmpty();

    Checkpoint first = checkpoints.record(id, M1, Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(first.coversSeq()).isEqualTo(2);
    store.events().append(id, List.of(draft("user.message"), draft("user.message")));
    Checkpoint second = checkpoints.record(id, M2, Instant.parse("2026-01-01T00:01:00Z"));

    assertThat(second.coversSeq()).isEqualTo(4);
    assertThat(checkpoints.latest(id)).contains(second);
    assertThat(checkpoints.atOrBefore(id, 3)).contains(first);
    assertThat(checkpoints.atOrBefore(id, 1)).isEmpty();

    Checkpoint again = checkpoints.record(id, M3, Instant.parse("2026-01-01T00:02:00Z"));
    assertThat(again.coversSeq()).as("same last event: replaced").isEqualTo(4);
    assertThat(checkpoints.latest(id).orElseThrow().manifest()).isEqualTo(M3);
    assertThat(checkpoints.latest(session(1))).as("per session").isEmpty();
  }

  @Test
  void aCheckpointOfAnUnknownSessionIsRefused_andADeletedSessionTakesItsCheckpoints() {
    assertThatThrownBy(() -> store.checkpoints().record("sesn_nope", M1, Instant.now()))
        .isInstanceOf(StoreException.NotFound.class);
    String id = session(1);
    store.checkpoints().record(id, M1, Instant.now());
    store.sessions().delete(id);
    assertThat(store.checkpoints().latest(id)).isEmpty();
  }
}
