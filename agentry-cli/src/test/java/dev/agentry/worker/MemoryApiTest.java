package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryFolder;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's memory folder synced against a real server's memories API ({@link MemoryApi} under
 * {@link MemoryFolder}): a write made in the store while the worker's own change is on its way is
 * kept (the update's {@code content_sha256} precondition fails, the store wins, the folder gets its
 * version), and a file deleted in the folder is deleted from the store only after it stayed
 * missing, a few per sync.
 */
class MemoryApiTest {
  private static final String KEY = "sk-agentry-memory-api-test-0123456789";

  @TempDir Path dataDir;
  @TempDir Path dir;
  private AgentryServer server;
  private WorkApi api;
  private String store;
  private final List<String> conflicts = new ArrayList<>();
  private final List<String> refusals = new ArrayList<>();
  private final MemoryFolder.Outcome outcome =
      new MemoryFolder.Outcome() {
        @Override
        public void conflict(String path) {
          conflicts.add(path);
        }

        @Override
        public void refused(String path, String reason, boolean removed) {
          refusals.add(path + ": " + reason);
        }
      };

  @BeforeEach
  void start() {
    server =
        AgentryServer.start(
            ServerConfig.builder(Map.of()).port(0).dataDir(dataDir).apiKey(KEY).build(),
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            ModelClients.fromEnv(Map.of("ANTHROPIC_API_KEY", "k")));
    URI url = URI.create("http://127.0.0.1:" + server.port());
    api = new WorkApi(HttpClient.newHttpClient(), url, "env_unused");
    store = post("/v1/memory_stores", "{\"name\":\"plans\"}").path("id").asText();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aStoreWriteRacingTheWorkersUpdate_isKept_andTheFolderGetsIt() throws Exception {
    String id = createMemory("/plan.md", "v1");
    MemoryFolder folder = folder(MemoryFolder.Deletes.AT_ONCE);
    MemoryApi memories = new MemoryApi(api, KEY, store);
    folder.sync(memories, outcome);
    Path plan = dir.resolve("folder/plan.md");
    assertThat(plan).hasContent("v1");

    Files.writeString(plan, "the worker's");
    // Between the sync's listing and its update, someone else writes the memory.
    folder.sync(
        new Racing(memories, () -> post(memoryPath(id), "{\"content\":\"someone else's\"}")),
        outcome);

    assertThat(content(id)).isEqualTo("someone else's");
    assertThat(plan).hasContent("someone else's");
    assertThat(conflicts).containsExactly("/plan.md");
    folder.sync(memories, outcome);
    assertThat(content(id)).as("nothing pending afterwards").isEqualTo("someone else's");
  }

  @Test
  void aFileDeletedInTheFolder_isDeletedFromTheStoreOnlyAfterItStaysMissing_aFewPerSync()
      throws Exception {
    for (String name : List.of("a", "b", "c")) {
      createMemory("/" + name + ".md", name);
    }
    MutableClock clock = new MutableClock();
    MemoryFolder folder = folder(new PendingDeletes(clock, Duration.ofSeconds(10), 2));
    MemoryApi memories = new MemoryApi(api, KEY, store);
    folder.sync(memories, outcome);
    for (String name : List.of("a", "b", "c")) {
      Files.delete(dir.resolve("folder/" + name + ".md"));
    }

    folder.sync(memories, outcome);
    assertThat(paths()).as("missing for 0 s").containsExactly("/a.md", "/b.md", "/c.md");
    clock.advance(Duration.ofSeconds(11));
    folder.sync(memories, outcome);
    assertThat(paths()).as("two deletes per sync").containsExactly("/c.md");
    folder.sync(memories, outcome);
    assertThat(paths()).isEmpty();
    assertThat(conflicts).isEmpty();
    assertThat(refusals).isEmpty();
  }

  @Test
  void aMemoryDeletedInTheStore_whileItsFileWasEdited_isMadeAgainFromTheFile() throws Exception {
    String id = createMemory("/todo.md", "v1");
    MemoryFolder folder = folder(new PendingDeletes(Clock.systemUTC(), Duration.ofSeconds(10), 50));
    MemoryApi memories = new MemoryApi(api, KEY, store);
    folder.sync(memories, outcome);
    Files.writeString(dir.resolve("folder/todo.md"), "v2, not yet sent");
    api.delete(KEY, memoryPath(id));

    folder.sync(memories, outcome);

    assertThat(paths()).containsExactly("/todo.md");
    assertThat(memories.findByPath("/todo.md").flatMap(memories::content))
        .contains("v2, not yet sent");
    assertThat(conflicts).isEmpty();
  }

  private MemoryFolder folder(MemoryFolder.Deletes deletes) {
    return new MemoryFolder(dir.resolve("folder"), dir.resolve(".base.json"), false, deletes);
  }

  /** The store as {@code delegate} shows it, with {@code race} run once after the first listing. */
  private record Racing(MemoryApi delegate, Runnable race) implements MemoryFolder.Remote {
    @Override
    public List<Memory> list() {
      List<Memory> listed = delegate.list();
      race.run();
      return listed;
    }

    @Override
    public Optional<String> content(Memory m) {
      return delegate.content(m);
    }

    @Override
    public Optional<Memory> findByPath(String path) {
      return delegate.findByPath(path);
    }

    @Override
    public Memory create(String path, String content) {
      return delegate.create(path, content);
    }

    @Override
    public Memory update(Memory m, String content, String expectedSha256) {
      return delegate.update(m, content, expectedSha256);
    }

    @Override
    public void delete(Memory m, String expectedSha256) {
      delegate.delete(m, expectedSha256);
    }
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  private String createMemory(String path, String content) {
    return post(
            "/v1/memory_stores/" + store + "/memories",
            Json.mapper().createObjectNode().put("path", path).put("content", content).toString())
        .path("id")
        .asText();
  }

  private String memoryPath(String id) {
    return "/v1/memory_stores/" + store + "/memories/" + id;
  }

  private String content(String id) {
    return api.get(KEY, memoryPath(id)).path("content").asText();
  }

  private List<String> paths() {
    List<String> out = new ArrayList<>();
    api.get(KEY, "/v1/memory_stores/" + store + "/memories")
        .path("data")
        .forEach(m -> out.add(m.path("path").asText()));
    return out;
  }

  private JsonNode post(String path, String body) {
    try {
      return api.post(
          "test",
          KEY,
          path,
          (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(body));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
