package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.WebhookContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresWebhookTest extends WebhookContract {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }
}
