package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.memorystores.MemoryStoreCreateParams;
import com.anthropic.models.beta.memorystores.memories.MemoryCreateParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsMemoryStoreResourceParam;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryVersion;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory stores seen by agents, end to end: a real server with bubblewrap sandboxes, the scripted
 * fake model asking for bash, the official Java SDK as the client.
 */
class MemoryEndToEndTest {
  @TempDir Path dataDir;
  FakeAnthropic fake;
  TestServer server;
  AnthropicClient client;
  String agent;
  String environment;

  @BeforeEach
  void start() {
    fake = FakeAnthropic.start();
    startServer();
    agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("rememberer")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .system("You are careful.")
                    .addTool(
                        BetaManagedAgentsAgentToolset20260401Params.builder()
                            .type(JsonValue.from("agent_toolset_20260401"))
                            .build())
                    .build())
            .id();
    environment =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("mem-" + System.nanoTime()).build())
            .id();
  }

  void startServer() {
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-memory"));
    client = server.sdk();
  }

  @AfterEach
  void stop() {
    server.close();
    fake.close();
  }

  String newStore(String name) {
    return client
        .beta()
        .memoryStores()
        .create(
            MemoryStoreCreateParams.builder()
                .name(name)
                .description("Facts about the user")
                .build())
        .id();
  }

  String session(String store, boolean readOnly) {
    return client
        .beta()
        .sessions()
        .create(
            SessionCreateParams.builder()
                .agent(agent)
                .environmentId(environment)
                .addResource(
                    BetaManagedAgentsMemoryStoreResourceParam.builder()
                        .type(JsonValue.from("memory_store"))
                        .memoryStoreId(store)
                        .access(
                            readOnly
                                ? BetaManagedAgentsMemoryStoreResourceParam.Access.READ_ONLY
                                : BetaManagedAgentsMemoryStoreResourceParam.Access.READ_WRITE)
                        .instructions("Keep notes.md short.")
                        .build())
                .build())
        .id();
  }

  /** One turn in which the model runs {@code command} with bash; returns the turn's events. */
  List<BetaManagedAgentsStreamSessionEvents> bash(String session, String command) throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", Json.mapper().createObjectNode().put("command", command)),
        FakeAnthropic.text("Done."));
    try (StreamResponse<BetaManagedAgentsStreamSessionEvents> stream =
        client.beta().sessions().events().streamStreaming(session)) {
      BlockingQueue<BetaManagedAgentsStreamSessionEvents> events = new LinkedBlockingQueue<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  stream.stream().forEach(events::add);
                } catch (RuntimeException closed) {
                  // the test closed the stream
                }
              });
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      client
          .beta()
          .sessions()
          .events()
          .send(
              session,
              EventSendParams.builder()
                  .addEvent(
                      BetaManagedAgentsUserMessageEventParams.builder()
                          .addTextContent("go")
                          .build())
                  .build());
      List<BetaManagedAgentsStreamSessionEvents> out = new ArrayList<>();
      while (true) {
        var e = events.poll(60, TimeUnit.SECONDS);
        assertThat(e).as("an event before the timeout; got " + out).isNotNull();
        out.add(e);
        if (e.isSessionStatusIdle()) {
          return out;
        }
      }
    }
  }

  static String toolResult(List<BetaManagedAgentsStreamSessionEvents> turn) {
    return turn.stream()
        .filter(BetaManagedAgentsStreamSessionEvents::isAgentToolResult)
        .findFirst()
        .orElseThrow()
        .toString();
  }

  Optional<Memory> memory(String store, String path) {
    return server.server.store().memories().findByPath(store, path);
  }

  List<MemoryVersion> versions(String store) {
    return server
        .server
        .store()
        .memories()
        .listVersions(
            store,
            dev.agentry.core.MemoryRepository.VersionFilter.ALL,
            dev.agentry.core.PageRequest.first(100, dev.agentry.core.SortOrder.ASC))
        .items();
  }

  @Test
  void whatOneSessionWrites_aLaterSessionReads_andThePromptDescribesTheMount() throws Exception {
    String store = newStore("Team Notes");
    String first = session(store, false);
    var created = client.beta().sessions().retrieve(first).resources().get(0).asMemoryStore();
    assertThat(created.mountPath()).contains("/mnt/memory/team-notes");
    assertThat(created.name()).contains("Team Notes");

    var turn =
        bash(
            first,
            "mkdir -p /mnt/memory/team-notes/people && printf 'likes tea' >"
                + " /mnt/memory/team-notes/people/ada.md && echo wrote");
    assertThat(toolResult(turn)).contains("wrote").doesNotContain("[memory]");
    Memory ada = memory(store, "/people/ada.md").orElseThrow();
    assertThat(ada.content()).isEqualTo("likes tea");
    MemoryVersion made = versions(store).getLast();
    assertThat(made.createdBy()).isEqualTo(MemoryActor.session(first));
    assertThat(made.operation()).isEqualTo(MemoryVersion.CREATED);

    String system = fake.requests().getLast().body().path("system").toString();
    assertThat(system)
        .contains("You are careful.")
        .contains("# Memory")
        .contains("Team Notes")
        .contains("/mnt/memory/team-notes")
        .contains("read_write")
        .contains("Facts about the user")
        .contains("Keep notes.md short.");

    String second = session(store, false);
    assertThat(toolResult(bash(second, "cat /mnt/memory/team-notes/people/ada.md")))
        .contains("likes tea");
  }

  @Test
  void aReadOnlyMount_refusesTheWrite_andTheStoreIsUnchanged() throws Exception {
    String store = newStore("Ro");
    client
        .beta()
        .memoryStores()
        .memories()
        .create(store, MemoryCreateParams.builder().path("/fact.md").content("fixed").build());
    String session = session(store, true);
    String result =
        toolResult(
            bash(
                session,
                "cat /mnt/memory/ro/fact.md; echo changed > /mnt/memory/ro/fact.md; echo rc=$?;"
                    + " echo new > /mnt/memory/ro/new.md; echo rc2=$?"));
    assertThat(result).contains("fixed").contains("Read-only file system");
    assertThat(result).doesNotContain("rc=0").doesNotContain("rc2=0");
    assertThat(memory(store, "/fact.md").orElseThrow().content()).isEqualTo("fixed");
    assertThat(memory(store, "/new.md")).isEmpty();
    assertThat(fake.requests().getLast().body().path("system").toString()).contains("read_only");
  }

  @Test
  void aBinaryOrOversizedFile_isAnErrorInTheToolResult_andNeverReachesTheStore() throws Exception {
    String store = newStore("Bin");
    String session = session(store, false);
    var turn =
        bash(
            session,
            "printf '\\377\\376\\000' > /mnt/memory/bin/blob.dat;"
                + " head -c 102401 /dev/zero | tr '\\0' a > /mnt/memory/bin/big.md;"
                + " printf ok > /mnt/memory/bin/fine.md");
    String result = toolResult(turn);
    assertThat(result)
        .contains("/mnt/memory/bin/blob.dat was not saved")
        .contains("not UTF-8 text")
        .contains("/mnt/memory/bin/big.md was not saved")
        .contains("over the limit of 102400");
    assertThat(
            turn.stream()
                .filter(e -> e.isAgentToolResult())
                .findFirst()
                .orElseThrow()
                .asAgentToolResult()
                .isError())
        .contains(true);
    assertThat(memory(store, "/blob.dat")).isEmpty();
    assertThat(memory(store, "/big.md")).isEmpty();
    assertThat(memory(store, "/fine.md").orElseThrow().content()).isEqualTo("ok");
    assertThat(toolResult(bash(session, "ls /mnt/memory/bin")))
        .contains("fine.md")
        .doesNotContain("blob.dat");
  }

  @Test
  void twoSessionsWritingOneMemory_neitherUpdateIsLostSilently() throws Exception {
    String store = newStore("Shared");
    client
        .beta()
        .memoryStores()
        .memories()
        .create(store, MemoryCreateParams.builder().path("/plan.md").content("v1").build());
    String a = session(store, false);
    String b = session(store, false);
    // B's sandbox runs with v1; A writes, then B writes over the v1 it still has.
    assertThat(toolResult(bash(b, "cat /mnt/memory/shared/plan.md"))).contains("v1");
    bash(a, "printf 'from A' > /mnt/memory/shared/plan.md");
    assertThat(memory(store, "/plan.md").orElseThrow().content()).isEqualTo("from A");
    var turn = bash(b, "printf 'from B' > /mnt/memory/shared/plan.md");
    assertThat(memory(store, "/plan.md").orElseThrow().content())
        .as("the store keeps A's write")
        .isEqualTo("from A");
    assertThat(toolResult(turn)).contains("/mnt/memory/shared/plan.md was changed by someone else");
    assertThat(turn.stream().filter(e -> e.isSessionError()).map(Object::toString))
        .anySatisfy(e -> assertThat(e).contains("memory_sync_conflict").contains("/plan.md"));
    assertThat(toolResult(bash(b, "cat /mnt/memory/shared/plan.md"))).contains("from A");
    assertThat(versions(store))
        .filteredOn(v -> v.operation().equals(MemoryVersion.MODIFIED))
        .extracting(MemoryVersion::createdBy)
        .containsExactly(MemoryActor.session(a));
  }

  @Test
  void aWriteNotYetSyncedWhenTheNodeDied_isSyncedByTheNextTurn() throws Exception {
    String store = newStore("Crash");
    String session = session(store, false);
    bash(session, "printf 'before' > /mnt/memory/crash/a.md");
    assertThat(memory(store, "/a.md").orElseThrow().content()).isEqualTo("before");
    String resource =
        client
            .beta()
            .sessions()
            .retrieve(session)
            .resources()
            .get(0)
            .asMemoryStore()
            ._additionalProperties()
            .get("id")
            .toString()
            .replace("\"", "");
    Path folder =
        dataDir.resolve("session-mounts").resolve(session).resolve("memory").resolve(resource);
    // The sandbox wrote this, and the node died before the sync that follows the tool call.
    server.close();
    Files.writeString(folder.resolve("a.md"), "after the crash");
    Files.writeString(folder.resolve("b.md"), "also unsynced");
    startServer();
    bash(session, "true");
    assertThat(memory(store, "/a.md").orElseThrow().content()).isEqualTo("after the crash");
    assertThat(memory(store, "/b.md").orElseThrow().content()).isEqualTo("also unsynced");
    assertThat(versions(store).getLast().createdBy()).isEqualTo(MemoryActor.session(session));
  }

  @Test
  void theTurnsEnd_syncsWhatTheLastToolCallLeft() throws Exception {
    String store = newStore("Late");
    String session = session(store, false);
    // A background process writes after its tool call returned; the turn's end picks it up.
    bash(session, "(sleep 1; printf late > /mnt/memory/late/late.md) > /dev/null 2>&1 &");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(dataDir.resolve("session-mounts").resolve(session)));
    bash(session, "sleep 2");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(memory(store, "/late.md").map(Memory::content)).contains("late"));
  }

  @Test
  void badResources_areA400NamingTheField() throws Exception {
    String store = newStore("Bad Input");
    String nine =
        "["
            + String.join(
                ",",
                java.util.Collections.nCopies(
                    9, "{\"type\":\"memory_store\",\"memory_store_id\":\"" + store + "\"}"))
            + "]";
    String body =
        "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + environment + "\",\"resources\":";
    var r = server.call("POST", "/v1/sessions", body + nine + "}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("resources[8]").contains("at most 8 memory_store");
    client.beta().memoryStores().archive(newStore("Old"));
    String archived =
        client
            .beta()
            .memoryStores()
            .list(
                com.anthropic.models.beta.memorystores.MemoryStoreListParams.builder()
                    .includeArchived(true)
                    .build())
            .data()
            .stream()
            .filter(s -> s.archivedAt().isPresent())
            .findFirst()
            .orElseThrow()
            .id();
    r =
        server.call(
            "POST",
            "/v1/sessions",
            body + "[{\"type\":\"memory_store\",\"memory_store_id\":\"" + archived + "\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("resources[0].memory_store_id").contains("archived");
    r =
        server.call(
            "POST",
            "/v1/sessions",
            body
                + "[{\"type\":\"memory_store\",\"memory_store_id\":\""
                + store
                + "\",\"access\":\"admin\"}]}");
    assertThat(r.body()).contains("resources[0].access: must be one of read_write, read_only");
    r =
        server.call(
            "POST",
            "/v1/sessions",
            body
                + "[{\"type\":\"memory_store\",\"memory_store_id\":\""
                + store
                + "\",\"mount_path\":\"/x\"}]}");
    assertThat(r.body()).contains("resources[0].mount_path: unknown field");
    String session = session(store, false);
    r =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/resources",
            "{\"type\":\"memory_store\",\"memory_store_id\":\"" + store + "\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("only file resources can be added");
  }
}
