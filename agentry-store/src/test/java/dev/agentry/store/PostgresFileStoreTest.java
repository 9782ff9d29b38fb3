package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.FileStoreContract;
import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresFileStoreTest extends FileStoreContract {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }
}
