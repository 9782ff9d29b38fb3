package dev.agentry.server;

import dev.agentry.testkit.PostgresTestDatabase;
import org.junit.jupiter.api.AfterEach;

/** The skill end to end on a server with a real PostgreSQL database of its own. */
class SkillsEndToEndPostgresTest extends SkillsEndToEndTest {
  private PostgresTestDatabase database;

  @Override
  String databaseUrl() {
    database = new PostgresTestDatabase();
    return database.create();
  }

  @AfterEach
  void dropDatabase() {
    database.close();
  }
}
