package dev.agentry.store;

import dev.agentry.core.Store;
import dev.agentry.testkit.DeploymentContract;
import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresDeploymentTest extends DeploymentContract {
  @RegisterExtension static final PostgresTestDatabase DATABASE = new PostgresTestDatabase();

  @Override
  protected Store openStore() {
    return Stores.open(StoreConfig.postgres(DATABASE.jdbcUrl()));
  }
}
