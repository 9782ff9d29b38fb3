package dev.agentry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.AppendHook;
import dev.agentry.testkit.StoreFixtures;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite reads keep their prepared statements per pooled connection, and a kept statement still
 * reads what was committed since its last use (closing its result set reset it).
 */
class SqliteReadStatementsTest {
  private static final String COUNT = "SELECT COUNT(*) FROM sessions";

  @TempDir Path dir;

  @Test
  void aReadKeepsItsStatement_andItsNextUseSeesWhatWasCommittedMeanwhile() throws Exception {
    Database db = Stores.openSqlite(StoreConfig.sqlite(dir));
    try (SqlStore store = new SqlStore(db, AppendHook.NONE)) {
      PreparedStatement first = db.read(tx -> tx.prepare(COUNT));
      long before = count(db);

      Instant t0 = StoreFixtures.uniqueEpoch();
      store
          .sessions()
          .create(
              StoreFixtures.session(store.agents().create(StoreFixtures.agent(t0)), t0), List.of());
      PreparedStatement again = db.read(tx -> tx.prepare(COUNT));

      assertThat(again).isSameAs(first);
      assertThat(again.isClosed()).isFalse();
      assertThat(count(db)).isEqualTo(before + 1);
    }
  }

  private static long count(Database db) {
    return db.read(tx -> tx.one(COUNT, rs -> rs.getLong(1)).orElseThrow());
  }
}
