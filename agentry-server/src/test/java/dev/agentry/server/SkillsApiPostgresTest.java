package dev.agentry.server;

import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.AfterAll;

/** The same Skills API checks against a server on a real PostgreSQL database of its own. */
class SkillsApiPostgresTest extends SkillsApiTest {
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
