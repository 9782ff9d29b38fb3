package dev.agentry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.SessionRepository.Lease;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.Store;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.SessionClaimContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresSessionClaimTest extends SessionClaimContract {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }

  /**
   * A node claiming at the moment another node's transaction holds a row (claiming it, or writing
   * to the session) passes over that row instead of waiting: sweeps never queue behind each other.
   */
  @Test
  void claim_passesOverARowAnotherTransactionHolds_insteadOfWaitingForIt() throws Exception {
    String locked = session(SessionStatus.RUNNING, false);
    String free = session(SessionStatus.RUNNING, false);
    try (Connection other = DriverManager.getConnection(DATABASE.jdbcUrl())) {
      other.setAutoCommit(false);
      try (PreparedStatement ps =
          other.prepareStatement("SELECT id FROM sessions WHERE id = ? FOR UPDATE")) {
        ps.setString(1, locked);
        ps.executeQuery().close();
      }
      List<Lease> claimed =
          CompletableFuture.supplyAsync(
                  () ->
                      store
                          .sessions()
                          .claimRunnable(
                              "a", Instant.now(), Duration.ofSeconds(30), 100_000, Set.of()))
              .get(10, TimeUnit.SECONDS);
      assertThat(claimed).extracting(Lease::sessionId).contains(free).doesNotContain(locked);
      other.rollback();
    }
    assertThat(
            store
                .sessions()
                .claimRunnable("b", Instant.now(), Duration.ofSeconds(30), 100_000, Set.of()))
        .extracting(Lease::sessionId)
        .contains(locked);
  }
}
