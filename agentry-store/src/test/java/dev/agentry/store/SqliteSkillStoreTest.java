package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.SkillStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteSkillStoreTest extends SkillStoreContract {
  @TempDir Path dataDir;

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.sqlite(dataDir.resolve("data")));
  }
}
