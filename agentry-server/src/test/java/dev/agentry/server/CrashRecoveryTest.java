package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Json;
import dev.agentry.core.Store;
import dev.agentry.core.StoredEvent;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.PostgresTestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server in its own JVM is killed with SIGKILL in the middle of a burst of appends. Every append
 * it acknowledged must be in the log afterwards, and the log's {@code seq} must have no gap.
 */
class CrashRecoveryTest {
  static final int WRITERS = 8;
  @TempDir Path dataDir;

  @Test
  void kill9DuringAppendBurst_losesNoAcknowledgedEvent_sqlite() throws Exception {
    crashAndVerify(null, () -> Stores.open(StoreConfig.sqlite(dataDir)));
  }

  @Test
  void kill9DuringAppendBurst_losesNoAcknowledgedEvent_postgres() throws Exception {
    try (PostgresTestDatabase db = new PostgresTestDatabase()) {
      String url = db.create();
      crashAndVerify(url, () -> Stores.open(StoreConfig.postgres(url)));
    }
  }

  private void crashAndVerify(String databaseUrl, java.util.function.Supplier<Store> reopen)
      throws Exception {
    int port = freePort();
    Process process = startServer(port, databaseUrl);
    String base = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    String sessionId;
    try {
      awaitHealthy(http, base);
      String agent =
          id(post(http, base, "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
      String env = id(post(http, base, "/v1/environments", "{\"name\":\"e\"}"));
      sessionId =
          id(
              post(
                  http,
                  base,
                  "/v1/sessions",
                  "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      String path = "/v1/sessions/" + sessionId + "/events";
      for (int w = 0; w < WRITERS; w++) {
        writers.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (!stop.get()) {
                        try {
                          var body =
                              "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}";
                          var data =
                              Json.mapper()
                                  .readTree(post(http, base, path, body).body())
                                  .get("data");
                          data.forEach(e -> acknowledged.add(e.get("id").asText()));
                        } catch (Exception e) {
                          return;
                        }
                      }
                    }));
      }
      // Writers that all failed (a server that died early) must fail the test, not hang it.
      org.awaitility.Awaitility.await("300 acknowledged appends")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> acknowledged.size() >= 300);
      process.destroyForcibly();
      process.waitFor();
      stop.set(true);
      for (Thread t : writers) {
        t.join(5_000);
      }
    } finally {
      process.destroyForcibly();
    }
    try (Store store = reopen.get()) {
      List<StoredEvent> log = store.events().readAfter(sessionId, 0, 1_000_000);
      for (int i = 0; i < log.size(); i++) {
        assertThat(log.get(i).seq()).isEqualTo(i + 1);
      }
      assertThat(log).extracting(StoredEvent::id).containsAll(acknowledged);
      assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);
    }
  }

  private Process startServer(int port, String databaseUrl) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ServerProcessMain.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve("server.log").toFile());
    Map<String, String> env = pb.environment();
    env.put("AGENTRY_PORT", Integer.toString(port));
    env.put("AGENTRY_DATA_DIR", dataDir.toString());
    env.put("AGENTRY_API_KEY", TestServer.KEY);
    // Its agent names a model it never calls.
    env.put("AGENTRY_MODEL_CHECK", "form");
    if (databaseUrl != null) {
      env.put("AGENTRY_DATABASE_URL", databaseUrl);
    } else {
      env.remove("AGENTRY_DATABASE_URL");
    }
    return pb.start();
  }

  private static HttpResponse<String> post(HttpClient http, String base, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("x-api-key", TestServer.KEY)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + ": " + response.body());
    }
    return response;
  }

  private static String id(HttpResponse<String> response) throws IOException {
    return Json.mapper().readTree(response.body()).get("id").asText();
  }

  private static void awaitHealthy(HttpClient http, String base) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      try {
        var r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("server did not start");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
