package dev.agentry.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.StoreException;
import dev.agentry.testkit.PostgresTestDatabase;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One live holder per node id: a second is refused naming the id, until the first lets go. (That
 * the lock dies with its process, and that a restart after kill -9 is accepted, is checked with
 * real processes in the server's {@code NodesProcessTest}.)
 */
class NodeLockTest {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();
  @TempDir Path dir;

  @Test
  void postgres_aSecondHolderOfANodeId_isRefused_untilTheFirstLetsGo() throws Exception {
    StoreConfig config = StoreConfig.postgres(DATABASE.jdbcUrl());
    refusedWhileHeld(config, "pg-node");
    Stores.lockNode(config, "another-node").close(); // other ids are independent
  }

  @Test
  void sqlite_aSecondHolderOfTheDataDirectory_isRefused_untilTheFirstLetsGo() throws Exception {
    refusedWhileHeld(StoreConfig.sqlite(dir.resolve("data")), "file-node");
  }

  private static void refusedWhileHeld(StoreConfig config, String id) throws Exception {
    holdAndForget(config, id);
    // The holder kept no reference: the lock must outlive garbage collection all the same.
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    assertThatThrownBy(() -> Stores.lockNode(config, id))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("node id " + id + " is in use by another running Agentry process");
  }

  private static void holdAndForget(StoreConfig config, String id) {
    Stores.lockNode(config, id);
  }

  @Test
  void aClosedLock_canBeTakenAgain() throws Exception {
    StoreConfig config = StoreConfig.sqlite(dir.resolve("again"));
    Stores.lockNode(config, "n").close();
    AutoCloseable again = Stores.lockNode(config, "n");
    assertThatThrownBy(() -> Stores.lockNode(config, "n")).isInstanceOf(StoreException.class);
    again.close();
    Stores.lockNode(config, "n").close();
  }
}
