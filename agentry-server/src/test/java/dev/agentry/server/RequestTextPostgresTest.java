package dev.agentry.server;

import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.AfterAll;

/** The same NUL and UTF-8 checks against a server on a real PostgreSQL database of its own. */
class RequestTextPostgresTest extends RequestTextTest {
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
