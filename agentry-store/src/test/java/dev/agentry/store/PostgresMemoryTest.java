package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.MemoryContract;
import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresMemoryTest extends MemoryContract {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }
}
