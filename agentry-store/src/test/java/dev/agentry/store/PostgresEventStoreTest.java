package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.EventStoreContract;
import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresEventStoreTest extends EventStoreContract {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }
}
