package dev.agentry.server;

import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server whose model is the fake Anthropic endpoint over HTTP (reached through {@code
 * ANTHROPIC_BASE_URL}, as a user's proxy would be), with fast retries, and one environment for the
 * test class's sessions.
 */
abstract class FakeModelServerTestBase {
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static String envId;

  @BeforeAll
  static void startServerWithFakeModel() throws Exception {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL", fake.baseUrl(),
                "ANTHROPIC_API_KEY", "sk-ant-test-secret",
                "AGENTRY_MODEL_RETRIES", "2",
                "AGENTRY_MODEL_BACKOFF_MS", "10",
                "AGENTRY_MODEL_BACKOFF_MAX_MS", "50"));
    envId = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"e2e\"}"));
  }

  @AfterAll
  static void stopServerWithFakeModel() {
    server.close();
    fake.close();
  }
}
