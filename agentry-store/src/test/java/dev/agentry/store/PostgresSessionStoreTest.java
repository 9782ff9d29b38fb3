package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.SessionStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class PostgresSessionStoreTest extends SessionStoreContract {
  private static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @BeforeAll
  static void createDatabase() {
    DATABASE.create();
  }

  @AfterAll
  static void dropDatabase() {
    DATABASE.close();
  }

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }
}
