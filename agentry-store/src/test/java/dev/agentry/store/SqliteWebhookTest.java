package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.WebhookContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteWebhookTest extends WebhookContract {
  @TempDir Path dataDir;

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.sqlite(dataDir.resolve("data")));
  }
}
