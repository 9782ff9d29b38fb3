package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryException;
import dev.agentry.core.ToolOutcome;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Repository resources wired end to end with a cloner double (the git module's tests run JGit
 * against a real git server): cloned into the workspace before create returns, a clone failure is a
 * {@code session.error}, the token is rotated, used again by a node that must clone anew, and never
 * appears in a response, an event, a log line or a file on disk. Also every bad resource input.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
class SessionRepositoryResourcesTest {
  static final String TOKEN = "ghp_RepoSecretToken0123456789abcd";
  static final String ROTATED = "ghp_RotatedRepoToken9876543210zyx";
  static final String GIT = "http://127.0.0.1:9418";

  @TempDir static Path dataDir;
  static TestServer server;
  static final List<Clone> clones = new CopyOnWriteArrayList<>();
  static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  record Clone(String url, String branch, String commit, String token, Path dest) {}

  /** Records each clone; "missing" repositories do not exist; others get a README. */
  static final RepositoryCloner CLONER =
      (url, branch, commit, token, dest, timeout) -> {
        clones.add(new Clone(url, branch, commit, token, dest));
        if (url.contains("missing")) {
          throw new RepositoryException("repository_not_found_error", "no repository at " + url);
        }
        try {
          Files.createDirectories(dest);
          Files.writeString(dest.resolve("README"), "cloned " + url + " at " + branch + "\n");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      };

  @BeforeAll
  static void start() {
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    server =
        new TestServer(
            dataDir,
            Map.of("AGENTRY_MODEL_CHECK", "form", "AGENTRY_GIT_ALLOWED_HOSTS", "127.0.0.1:9418"),
            CLONER);
  }

  @AfterAll
  static void stop() {
    server.close();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  static String agentAndEnv() throws Exception {
    String agent =
        BadInputTest.id(
            server.call("POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}"));
    String env =
        BadInputTest.id(
            server.call("POST", "/v1/environments", "{\"name\":\"e" + System.nanoTime() + "\"}"));
    return "\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"";
  }

  static HttpResponse<String> create(String resources) throws Exception {
    return server.call(
        "POST", "/v1/sessions", "{" + agentAndEnv() + ",\"resources\":" + resources + "}");
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

  @Test
  void repository_isClonedBeforeCreateReturns_tokenRotated_andNeverShown() throws Exception {
    var created =
        create(
            "[{\"type\":\"github_repository\",\"url\":\""
                + GIT
                + "/acme/repo.git\",\"authorization_token\":\""
                + TOKEN
                + "\",\"checkout\":{\"type\":\"branch\",\"name\":\"main\"}}]");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    JsonNode session = Json.mapper().readTree(created.body());
    String id = session.get("id").asText();
    JsonNode resource = session.get("resources").get(0);
    assertThat(resource.get("type").asText()).isEqualTo("github_repository");
    assertThat(resource.get("url").asText()).isEqualTo(GIT + "/acme/repo.git");
    assertThat(resource.get("mount_path").asText()).isEqualTo("/workspace/repo");
    assertThat(resource.get("checkout").toString())
        .isEqualTo("{\"type\":\"branch\",\"name\":\"main\"}");
    assertThat(resource.has("authorization_token")).isFalse();
    String rid = resource.get("id").asText();

    Clone clone = clones.stream().filter(c -> c.dest().toString().contains(id)).findFirst().get();
    assertThat(clone.token()).isEqualTo(TOKEN);
    assertThat(clone.branch()).isEqualTo("main");
    assertThat(clone.dest()).isEqualTo(dataDir.resolve("workspaces").resolve(id).resolve("repo"));
    assertThat(bash(id, "cat /workspace/repo/README")).startsWith("cloned " + GIT);

    var rotated =
        server.call(
            "POST",
            "/v1/sessions/" + id + "/resources/" + rid,
            "{\"authorization_token\":\"" + ROTATED + "\"}");
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    assertThat(Json.mapper().readTree(rotated.body()).get("id").asText()).isEqualTo(rid);

    // Another node (here: the workspace gone and the sandbox stopped) clones again before the
    // first tool call, with the rotated token.
    server.server.sandboxes().deleteSession(id);
    Files.deleteIfExists(
        dataDir.resolve("session-mounts").resolve(id).resolve(".cloned").resolve(rid));
    assertThat(bash(id, "cat /workspace/repo/README")).startsWith("cloned " + GIT);
    assertThat(clones.getLast().token()).isEqualTo(ROTATED);

    String[] reads = {
      created.body(),
      rotated.body(),
      server.call("GET", "/v1/sessions/" + id, null).body(),
      server.call("GET", "/v1/sessions", null).body(),
      server.call("GET", "/v1/sessions/" + id + "/resources", null).body(),
      server.call("GET", "/v1/sessions/" + id + "/resources/" + rid, null).body(),
      server.call("GET", "/v1/sessions/" + id + "/events", null).body()
    };
    for (String body : reads) {
      assertThat(body).doesNotContain(TOKEN).doesNotContain(ROTATED);
    }
    assertThat(reads[4]).contains(rid);
  }

  @Test
  void cloneFailure_isASessionError_andTheSessionIsStillCreated() throws Exception {
    var created = create("[{\"type\":\"github_repository\",\"url\":\"" + GIT + "/acme/missing\"}]");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String id = BadInputTest.id(created);
    JsonNode events =
        Json.mapper().readTree(server.call("GET", "/v1/sessions/" + id + "/events", null).body());
    JsonNode error = events.get("data").get(0);
    assertThat(error.get("type").asText()).isEqualTo("session.error");
    assertThat(error.get("error").get("type").asText()).isEqualTo("repository_not_found_error");
    assertThat(clones.getLast().token()).as("a public repository needs no token").isNull();
    assertThat(server.call("GET", "/v1/sessions/" + id, null).statusCode()).isEqualTo(200);
  }

  @Test
  void badResources_are400sNamingTheFieldAndTheRule_andCreateNothing() throws Exception {
    String fileId =
        server
            .sdk()
            .beta()
            .files()
            .upload(
                com.anthropic.models.beta.files.FileUploadParams.builder()
                    .file("x".getBytes(StandardCharsets.UTF_8))
                    .build())
            .id();
    String file = "{\"type\":\"file\",\"file_id\":\"" + fileId + "\"";
    String repo = "{\"type\":\"github_repository\",\"url\":\"" + GIT + "/o/r\"";
    int before = sessionCount();
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put(
        "[{\"type\":\"file\",\"file_id\":\"file_nope\"}]",
        "resources[0].file_id: no file file_nope");
    cases.put(
        "[" + file + ",\"mount_path\":\"data/x\"}]",
        "resources[0].mount_path: must be an absolute path");
    cases.put(
        "[" + file + ",\"mount_path\":\"/data/../etc/x\"}]",
        "resources[0].mount_path: must not contain ..");
    cases.put(
        "[" + file + ",\"mount_path\":\"/data/x\"}," + file + ",\"mount_path\":\"/data/x\"}]",
        "resources[1].mount_path: /data/x is the mount path of another resource");
    cases.put(
        "[" + repo + ",\"mount_path\":\"/src\"}," + file + ",\"mount_path\":\"/src/in.txt\"}]",
        "resources[1].mount_path: /src/in.txt overlaps");
    cases.put(
        "[" + file + "}," + file + "}]",
        "resources[1].mount_path: /mnt/session/uploads/"
            + fileId
            + " is the mount path of another resource");
    cases.put(
        "[" + file + ",\"mount_path\":\"/mnt/session/outputs/x\"}]",
        "resources[0].mount_path: /mnt/session/outputs is the session's outputs directory");
    cases.put(
        "[" + file + ",\"mount_path\":\"/usr/bin/x\"}]",
        "resources[0].mount_path: /usr belongs to the sandbox");
    cases.put("[" + file + ",\"mount\":\"/x\"}]", "resources[0].mount: unknown field");
    cases.put(
        "[{\"type\":\"memory_store\",\"memory_store_id\":\"memstore_1\"}]",
        "resources[0].memory_store_id: no memory store memstore_1 in this workspace");
    cases.put("[{\"type\":\"gist\"}]", "resources[0].type: must be one of file, github_repository");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"http://github.com/o/r\"}]",
        "resources[0].url: must be https://");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"http://127.0.0.1:9419/o/r\"}]",
        "resources[0].url: must be https://");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"https://127.0.0.1/o/r\"}]",
        "resources[0].url: points at a private, loopback or link-local address");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"https://10.2.3.4/o/r\"}]",
        "resources[0].url: points at a private");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"https://localhost/o/r\"}]",
        "resources[0].url: points at a private");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"https://u:p@github.com/o/r\"}]",
        "resources[0].url: must not carry credentials");
    cases.put(
        "[{\"type\":\"github_repository\",\"url\":\"ssh://github.com/o/r\"}]",
        "resources[0].url: must be an https:// URL");
    cases.put(
        "[" + repo + ",\"checkout\":{\"type\":\"tag\",\"name\":\"v1\"}}]",
        "resources[0].checkout.type: must be one of branch, commit");
    cases.put(
        "[" + repo + ",\"checkout\":{\"type\":\"commit\",\"sha\":\"xyz\"}}]",
        "resources[0].checkout.sha: must be 7 to 64 hexadecimal digits");
    cases.put(
        "[" + repo + ",\"checkout\":{\"type\":\"branch\",\"name\":\"a..b\"}}]",
        "resources[0].checkout.name: is not a valid git branch name");
    cases.put(
        "[" + repo + ",\"authorization_token\":\"has space\"}]",
        "resources[0].authorization_token: must not contain whitespace");
    cases.put(
        "[" + repo + "}," + repo + "}]",
        "resources[1].mount_path: /workspace/r is the mount path of another resource");
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i < 1000; i++) {
      many.append(i == 0 ? "" : ",").append("{\"type\":\"file\",\"file_id\":\"f\"}");
    }
    cases.put(
        many.append("]").toString(), "resources[999]: a session has at most 999 file resources");
    for (var c : cases.entrySet()) {
      var res = create(c.getKey());
      assertThat(res.statusCode()).as(c.getKey() + " -> " + res.body()).isEqualTo(400);
      JsonNode err = Json.mapper().readTree(res.body());
      assertThat(err.get("type").asText()).isEqualTo("error");
      assertThat(err.get("error").get("message").asText()).as(c.getKey()).contains(c.getValue());
    }
    var memory = create("[{\"type\":\"memory_store\",\"memory_store_id\":\"memstore_1\"}]");
    assertThat(memory.body()).contains("memory_store_not_found");
    assertThat(sessionCount()).isEqualTo(before);

    // Another workspace's file is unknown here.
    String otherKey = server.createKey("wrkspc_other" + System.nanoTime() % 100000, "admin");
    String foreign =
        server
            .sdk(otherKey)
            .beta()
            .files()
            .upload(
                com.anthropic.models.beta.files.FileUploadParams.builder()
                    .file("y".getBytes(StandardCharsets.UTF_8))
                    .build())
            .id();
    var res = create("[{\"type\":\"file\",\"file_id\":\"" + foreign + "\"}]");
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.body()).contains("resources[0].file_id: no file " + foreign);

    // The sub-API: add takes files only, update takes a token for repositories only.
    String id = BadInputTest.id(create("[" + repo + "}]"));
    String rid =
        Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + id, null).body())
            .get("resources")
            .get(0)
            .get("id")
            .asText();
    var addRepo = server.call("POST", "/v1/sessions/" + id + "/resources", repo + "}");
    assertThat(addRepo.statusCode()).isEqualTo(400);
    assertThat(addRepo.body()).contains("type: only file resources can be added");
    var addFile =
        server.call(
            "POST",
            "/v1/sessions/" + id + "/resources",
            file + ",\"mount_path\":\"/workspace/r/x\"}");
    assertThat(addFile.body()).contains("mount_path: /workspace/r/x overlaps");
    var fileRes = server.call("POST", "/v1/sessions/" + id + "/resources", file + "}");
    assertThat(fileRes.statusCode()).as(fileRes.body()).isEqualTo(200);
    String fileRid = BadInputTest.id(fileRes);
    var rotateFile =
        server.call(
            "POST",
            "/v1/sessions/" + id + "/resources/" + fileRid,
            "{\"authorization_token\":\"abc\"}");
    assertThat(rotateFile.statusCode()).isEqualTo(400);
    assertThat(rotateFile.body()).contains("only github_repository resources have a token");
    var extra =
        server.call(
            "POST",
            "/v1/sessions/" + id + "/resources/" + rid,
            "{\"authorization_token\":\"abc\",\"url\":\"x\"}");
    assertThat(extra.body()).contains("url: unknown field");
    assertThat(
            server.call("GET", "/v1/sessions/" + id + "/resources/sesrsc_nope", null).statusCode())
        .isEqualTo(404);
    assertThat(
            server
                .call("DELETE", "/v1/sessions/" + id + "/resources/sesrsc_nope", null)
                .statusCode())
        .isEqualTo(404);
  }

  /**
   * The last test by name, after the others used both tokens: the whole data dir and every log
   * line, scanned for them.
   */
  @Test
  void zz_tokens_areNowhereOnDisk_norInTheLogs() throws Exception {
    assertThat(clones).extracting(Clone::token).contains(TOKEN, ROTATED);
    server.server.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertThat(raw).as(f.toString()).doesNotContain(TOKEN).doesNotContain(ROTATED);
      }
    }
    assertThat(logs.list).isNotEmpty();
    for (ILoggingEvent e : logs.list) {
      assertThat(e.getFormattedMessage()).doesNotContain(TOKEN).doesNotContain(ROTATED);
    }
  }

  static int sessionCount() throws Exception {
    return Json.mapper()
        .readTree(server.call("GET", "/v1/sessions?limit=100", null).body())
        .get("data")
        .size();
  }
}
