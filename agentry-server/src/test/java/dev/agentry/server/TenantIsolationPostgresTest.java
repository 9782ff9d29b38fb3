package dev.agentry.server;

import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.AfterAll;

/** The same tenant-isolation checks against a server on a real PostgreSQL database of its own. */
class TenantIsolationPostgresTest extends TenantIsolationTest {
  private PostgresTestDatabase database;

  @Override
  String databaseUrl() {
    database = new PostgresTestDatabase();
    return database.create();
  }

  @AfterAll
  void dropDatabase() {
    database.close();
  }
}
