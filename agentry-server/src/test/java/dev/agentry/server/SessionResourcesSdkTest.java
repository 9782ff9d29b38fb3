package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsFileResourceParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.anthropic.models.beta.sessions.resources.ResourceAddParams;
import com.anthropic.models.beta.sessions.resources.ResourceDeleteParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveParams;
import dev.agentry.core.Json;
import dev.agentry.core.ToolOutcome;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File resources and outputs through the official Java SDK, against a real server with bubblewrap
 * sandboxes: the agent (the scripted fake model asking for bash) reads a mounted file, cannot write
 * it, and what it writes under /mnt/session/outputs becomes the session's files.
 */
class SessionResourcesSdkTest {
  static final String CSV = "city,temp\nOslo,-3\nLima,19\n";
  @TempDir static Path dataDir;
  @TempDir static Path uploads;
  static FakeAnthropic fake;
  static TestServer server;
  static AnthropicClient client;

  @BeforeAll
  static void start() {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-resources"));
    client = server.sdk();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
  }

  static String upload(String name, String content) throws Exception {
    Path p = uploads.resolve(name);
    Files.writeString(p, content);
    return client.beta().files().upload(FileUploadParams.builder().file(p).build()).id();
  }

  static String agentAndEnvironment(String[] envOut) {
    String agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("reader")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .addTool(
                        BetaManagedAgentsAgentToolset20260401Params.builder()
                            .type(JsonValue.from("agent_toolset_20260401"))
                            .build())
                    .build())
            .id();
    envOut[0] =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("res-" + System.nanoTime()).build())
            .id();
    return agent;
  }

  static List<BetaFileMetadata> outputs(String session) {
    return client.beta().files().list(FileListParams.builder().scopeId(session).build()).data();
  }

  static String download(String fileId) throws Exception {
    try (var response = client.beta().files().download(fileId)) {
      return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void mountedFile_isReadOnly_andOutputsAreIndexedOncePerContent() throws Exception {
    String fileId = upload("weather.csv", CSV);
    String[] env = new String[1];
    String agent = agentAndEnvironment(env);
    var session =
        client
            .beta()
            .sessions()
            .create(
                SessionCreateParams.builder()
                    .agent(agent)
                    .environmentId(env[0])
                    .addResource(
                        BetaManagedAgentsFileResourceParams.builder()
                            .type(JsonValue.from("file"))
                            .fileId(fileId)
                            .build())
                    .addResource(
                        BetaManagedAgentsFileResourceParams.builder()
                            .type(JsonValue.from("file"))
                            .fileId(fileId)
                            .mountPath("/workspace/data/weather.csv")
                            .build())
                    .build());
    assertThat(session.resources()).hasSize(2);
    var defaulted = session.resources().get(0).asFile();
    assertThat(defaulted.fileId()).isEqualTo(fileId);
    assertThat(defaulted.mountPath()).isEqualTo("/mnt/session/uploads/" + fileId);
    assertThat(defaulted.id()).startsWith("sesrsc_");
    assertThat(session.resources().get(1).asFile().mountPath())
        .isEqualTo("/workspace/data/weather.csv");

    String upload = "/mnt/session/uploads/" + fileId;
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash",
            Json.mapper()
                .createObjectNode()
                .put(
                    "command",
                    "cat "
                        + upload
                        + "; cat /workspace/data/weather.csv"
                        + "; echo tampered > "
                        + upload
                        + "; echo upload-rc=$?"
                        + "; echo tampered > /workspace/data/weather.csv; echo custom-rc=$?"
                        + "; printf 'made by the agent' > /mnt/session/outputs/x.txt"
                        + "; mkdir -p /mnt/session/outputs/charts"
                        + " && printf 'svg' > /mnt/session/outputs/charts/c.svg")),
        FakeAnthropic.text("Read it and wrote x.txt."));
    try (Reader reader = reader(session.id())) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session.id(), "summarise the weather");
      var turn = reader.untilIdle();
      String result =
          turn.stream().filter(e -> e.isAgentToolResult()).findFirst().orElseThrow().toString();
      assertThat(result.split("Oslo,-3", -1)).as(result).hasSize(3); // both mounts read
      assertThat(result).contains("Read-only file system").doesNotContain("upload-rc=0");
      assertThat(result).doesNotContain("custom-rc=0").contains("custom-rc=");
    }
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(outputs(session.id()))
                    .extracting(BetaFileMetadata::filename)
                    .containsExactlyInAnyOrder("x.txt", "charts/c.svg"));
    BetaFileMetadata x =
        outputs(session.id()).stream().filter(f -> f.filename().equals("x.txt")).findFirst().get();
    assertThat(download(x.id())).isEqualTo("made by the agent");
    assertThat(x.downloadable()).contains(true);
    assertThat(x.scope().orElseThrow().id()).isEqualTo(session.id());
    assertThat(download(fileId)).as("the upload itself is untouched").isEqualTo(CSV);

    // A second turn adds y.txt and leaves x.txt alone: x.txt is not indexed again.
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo y > /mnt/session/outputs/y.txt\"}"),
        FakeAnthropic.text("Wrote y."));
    runTurn(session.id(), "write y");
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(outputs(session.id()))
                    .extracting(BetaFileMetadata::filename)
                    .containsExactlyInAnyOrder("x.txt", "charts/c.svg", "y.txt"));

    // A third turn changes x.txt: its new content is a new file; the old one stays.
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash", "{\"command\":\"printf 'second version' > /mnt/session/outputs/x.txt\"}"),
        FakeAnthropic.text("Changed x."));
    runTurn(session.id(), "change x");
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(
                        outputs(session.id()).stream()
                            .filter(f -> f.filename().equals("x.txt"))
                            .map(f -> downloadQuietly(f.id()))
                            .toList())
                    .containsExactlyInAnyOrder("made by the agent", "second version"));
    assertThat(outputs(session.id())).hasSize(4);
  }

  /**
   * The outputs folder is the agent's: a symbolic link it leaves there (to a host file, or to a
   * host folder) is not followed by the indexer, which runs on the host; regular files are indexed.
   */
  @Test
  void outputs_symbolicLinksAreNeverFollowed() throws Exception {
    Path secret = Files.writeString(uploads.resolve("host-secret.txt"), "host only");
    String[] env = new String[1];
    String agent = agentAndEnvironment(env);
    String session =
        client
            .beta()
            .sessions()
            .create(SessionCreateParams.builder().agent(agent).environmentId(env[0]).build())
            .id();
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash",
            Json.mapper()
                .createObjectNode()
                .put(
                    "command",
                    "cd /mnt/session/outputs && ln -s "
                        + secret
                        + " leak.txt && ln -s "
                        + uploads
                        + " hostdir && echo fine > ok.txt")),
        FakeAnthropic.text("Done."));
    runTurn(session, "write outputs");
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(outputs(session))
                    .extracting(BetaFileMetadata::filename)
                    .contains("ok.txt"));
    assertThat(outputs(session)).extracting(BetaFileMetadata::filename).containsExactly("ok.txt");
  }

  /**
   * The resources sub-API through the SDK: list (its page), retrieve, add mid-session (a default
   * path shows in the live sandbox at once, the shell keeps its state), delete; a file deleted from
   * the Files API keeps working where it is mounted.
   */
  @Test
  void resourcesApi_listAddRetrieveDelete_andLiveMounts() throws Exception {
    String first = upload("a.txt", "alpha");
    String[] env = new String[1];
    String agent = agentAndEnvironment(env);
    var session =
        client
            .beta()
            .sessions()
            .create(
                SessionCreateParams.builder()
                    .agent(agent)
                    .environmentId(env[0])
                    .addResource(
                        BetaManagedAgentsFileResourceParams.builder()
                            .type(JsonValue.from("file"))
                            .fileId(first)
                            .build())
                    .build());
    var resources = client.beta().sessions().resources();
    var page = resources.list(session.id());
    assertThat(page.data()).hasSize(1);
    assertThat(page.hasNextPage()).isFalse();
    String firstResource = page.data().getFirst().asFile().id();

    assertThat(bash(session.id(), "export MARK=kept; cat /mnt/session/uploads/" + first))
        .isEqualTo("alpha");

    String second = upload("b.txt", "bravo");
    var added =
        resources.add(
            session.id(),
            ResourceAddParams.builder()
                .betaManagedAgentsFileResourceParams(
                    BetaManagedAgentsFileResourceParams.builder()
                        .type(JsonValue.from("file"))
                        .fileId(second)
                        .build())
                .build());
    assertThat(added.mountPath()).isEqualTo("/mnt/session/uploads/" + second);
    assertThat(bash(session.id(), "echo $MARK; cat /mnt/session/uploads/" + second))
        .as("visible at once, in the same shell")
        .isEqualTo("kept\nbravo");

    var custom =
        resources.add(
            session.id(),
            ResourceAddParams.builder()
                .betaManagedAgentsFileResourceParams(
                    BetaManagedAgentsFileResourceParams.builder()
                        .type(JsonValue.from("file"))
                        .fileId(second)
                        .mountPath("/data/b.txt")
                        .build())
                .build());
    assertThat(bash(session.id(), "cat /data/b.txt"))
        .as("a new bind, a new sandbox")
        .isEqualTo("bravo");

    var retrieved =
        resources.retrieve(
            added.id(), ResourceRetrieveParams.builder().sessionId(session.id()).build());
    assertThat(retrieved.asFile().fileId()).isEqualTo(second);
    assertThat(resources.list(session.id()).data())
        .extracting(r -> r.asFile().id())
        .containsExactly(firstResource, added.id(), custom.id());
    var listed =
        resources.list(
            session.id(),
            com.anthropic.models.beta.sessions.resources.ResourceListParams.builder()
                .limit(2)
                .build());
    assertThat(listed.data()).hasSize(2);
    assertThat(listed.hasNextPage()).isTrue();
    assertThat(listed.nextPage().data())
        .extracting(r -> r.asFile().id())
        .containsExactly(custom.id());
    assertThat(
            client.beta().sessions().retrieve(session.id()).resources().stream()
                .map(r -> r.asFile().id()))
        .containsExactly(firstResource, added.id(), custom.id());

    // Deleting the file from the Files API leaves the mounted copies working.
    client.beta().files().delete(second);
    assertThat(bash(session.id(), "cat /mnt/session/uploads/" + second + " /data/b.txt"))
        .isEqualTo("bravobravo");

    var deleted =
        resources.delete(
            added.id(), ResourceDeleteParams.builder().sessionId(session.id()).build());
    assertThat(deleted.id()).isEqualTo(added.id());
    assertThat(deleted._type()).isEqualTo(JsonValue.from("session_resource_deleted"));
    assertThat(bash(session.id(), "test -e /mnt/session/uploads/" + second + " || echo gone"))
        .isEqualTo("gone");
    assertThatThrownBy(
            () ->
                resources.retrieve(
                    added.id(), ResourceRetrieveParams.builder().sessionId(session.id()).build()))
        .isInstanceOf(NotFoundException.class);
    assertThat(resources.list(session.id()).data()).hasSize(2);

    Path copies = dataDir.resolve("session-mounts").resolve(session.id());
    assertThat(copies.resolve("uploads").resolve(first)).hasContent("alpha");
    client.beta().sessions().delete(session.id());
    assertThat(copies).as("the session's copies and outputs go with it").doesNotExist();
  }

  static String bash(String session, String command) {
    ToolOutcome out =
        server
            .server
            .tools()
            .execute(session, "bash", Json.mapper().createObjectNode().put("command", command));
    assertThat(out.isError()).as(out.text()).isFalse();
    return out.text().strip();
  }

  static void runTurn(String session, String text) throws Exception {
    try (Reader reader = reader(session)) {
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      say(session, text);
      reader.untilIdle();
    }
  }

  static Reader reader(String session) {
    return new Reader(session);
  }

  static void say(String session, String text) {
    client
        .beta()
        .sessions()
        .events()
        .send(
            session,
            EventSendParams.builder()
                .addEvent(
                    BetaManagedAgentsUserMessageEventParams.builder().addTextContent(text).build())
                .build());
  }

  /** The session's stream read on a virtual thread, until closed. */
  static final class Reader implements AutoCloseable {
    final BlockingQueue<BetaManagedAgentsStreamSessionEvents> events = new LinkedBlockingQueue<>();
    final StreamResponse<BetaManagedAgentsStreamSessionEvents> stream;

    Reader(String sessionId) {
      stream = client.beta().sessions().events().streamStreaming(sessionId);
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  stream.stream().forEach(events::add);
                } catch (RuntimeException closed) {
                  // the test closed the stream
                }
              });
    }

    /** Events up to and including the next {@code session.status_idle}. */
    List<BetaManagedAgentsStreamSessionEvents> untilIdle() throws InterruptedException {
      List<BetaManagedAgentsStreamSessionEvents> out = new ArrayList<>();
      while (true) {
        var e = events.poll(30, TimeUnit.SECONDS);
        assertThat(e).as("an event before the timeout; got " + out).isNotNull();
        out.add(e);
        if (e.isSessionStatusIdle()) {
          return out;
        }
      }
    }

    @Override
    public void close() {
      stream.close();
    }
  }

  static String downloadQuietly(String id) {
    try {
      return download(id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
