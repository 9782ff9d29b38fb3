package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.anthropic.client.AnthropicClient;
import com.anthropic.models.beta.sessions.BetaManagedAgentsGitHubRepositoryResourceParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.resources.ResourceUpdateParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.GitTestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A {@code github_repository} resource end to end, through the official Java SDK: the session is
 * created with a private repository on the loopback git server (its host allowed by the operator,
 * the environment without networking), the agent (the fake model's script) reads the checkout with
 * {@code git log} and {@code cat}, commits and pushes through the egress proxy, and {@code
 * resources.update} rotates the token, after which the next push goes out with the new one. The
 * tokens appear nowhere: not in API responses, the event log, the model's requests, the server's
 * log lines, or anything the sandbox can read.
 */
class RepositoryEndToEndTest {
  static final String FIRST = "ghp_e2eFIRSTtoken0123456789abcdef";
  static final String SECOND = "ghp_e2eSECONDtoken0123456789abcdef";
  static final String COMMIT =
      "git -c user.name=agent -c user.email=agent@example.test commit -q -m";

  @TempDir static Path dataDir;
  @TempDir static Path gitRoot;
  static GitTestServer git;
  static FakeAnthropic fake;
  static TestServer server;
  static AnthropicClient client;
  static ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void start() {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    git = GitTestServer.start(gitRoot);
    git.createRepository("app", false).grant(FIRST, "app", true);
    git.createRepository("other", false);
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL",
                fake.baseUrl(),
                "ANTHROPIC_API_KEY",
                "sk-ant-repo-e2e",
                "AGENTRY_GIT_ALLOWED_HOSTS",
                "127.0.0.1:" + git.port()));
    client = server.sdk();
  }

  @AfterAll
  static void stop() {
    server.close();
    fake.close();
    git.close();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  static String bash(String command) {
    return Json.mapper().createObjectNode().put("command", command).toString();
  }

  @Test
  void cloneReadPushRotate_withTheTokenNowhere() throws Exception {
    String agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"repo\",\"model\":\"claude-sonnet-4-6\","
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    // no networking at all: the repository's host is reachable because of the resource only
    String env = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"closed\"}"));
    String url = git.url("app");
    var session =
        client
            .beta()
            .sessions()
            .create(
                SessionCreateParams.builder()
                    .agent(agent)
                    .environmentId(env)
                    .addResource(
                        BetaManagedAgentsGitHubRepositoryResourceParams.builder()
                            .url(url)
                            .authorizationToken(FIRST)
                            .branchCheckout("main")
                            .build())
                    .build());
    String sessionId = session.id();
    assertThat(session.resources()).hasSize(1);
    String resourceId = session.resources().getFirst().asGitHubRepository().id();

    // turn 1: read the checkout, commit, push, and look for the token from inside
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash", bash("cd /workspace/app && git log --oneline && cat README.md")),
        FakeAnthropic.toolUse(
            "bash",
            bash(
                "cd /workspace/app && echo one > one.txt && git add one.txt && "
                    + COMMIT
                    + " one && git push -q origin main 2>&1 && echo pushed-one")),
        FakeAnthropic.toolUse(
            "bash",
            bash(
                "cd /workspace/app && env; cat .git/config; git config --list;"
                    + " grep -rl ghp_ /workspace /proc/self/environ 2>/dev/null; echo scanned")),
        // another repository on the same host: outside the resource's path, so no token (401;
        // with the token it would be a 403, FIRST not being granted there)
        FakeAnthropic.toolUse(
            "bash",
            bash(
                "curl -sS -o /dev/null -w 'other=%{http_code}' "
                    + git.url("other")
                    + "/info/refs?service=git-upload-pack")),
        FakeAnthropic.text("done"));
    AgentLoopEndToEndTest.say(server, sessionId, "work on the repository");
    List<JsonNode> log = awaitIdle(sessionId, 1);
    String text = log.toString();
    assertThat(text)
        .contains("initial commit of app")
        .contains("# app")
        .contains("pushed-one")
        .contains("scanned")
        .contains("other=401")
        .contains("url = " + url);
    assertThat(git.show("app", "main", "one.txt")).isEqualTo("one\n");
    assertThat(lastPushToken()).isEqualTo(FIRST);

    // rotation: the old token dies at the server; the session gets the new one
    git.grant(SECOND, "app", true);
    git.revoke(FIRST);
    client
        .beta()
        .sessions()
        .resources()
        .update(
            resourceId,
            ResourceUpdateParams.builder().sessionId(sessionId).authorizationToken(SECOND).build());
    fake.enqueue(
        FakeAnthropic.toolUse(
            "bash",
            bash(
                "cd /workspace/app && echo two > two.txt && git add two.txt && "
                    + COMMIT
                    + " two && git push -q origin main 2>&1 && echo pushed-two")),
        FakeAnthropic.text("done again"));
    AgentLoopEndToEndTest.say(server, sessionId, "push again");
    log = awaitIdle(sessionId, 2);
    assertThat(log.toString()).contains("pushed-two");
    assertThat(git.show("app", "main", "two.txt")).isEqualTo("two\n");
    assertThat(lastPushToken()).isEqualTo(SECOND);

    // the secret scan
    List<String> seen = new ArrayList<>();
    seen.add(log.toString());
    seen.add(server.call("GET", "/v1/sessions/" + sessionId, null).body());
    seen.add(server.call("GET", "/v1/sessions/" + sessionId + "/resources", null).body());
    seen.add(
        server.call("GET", "/v1/sessions/" + sessionId + "/resources/" + resourceId, null).body());
    seen.add(session.toString());
    fake.requests().forEach(r -> seen.add(r.body().toString()));
    for (ILoggingEvent e : logs.list) {
      seen.add(e.getFormattedMessage());
      if (e.getThrowableProxy() != null) {
        seen.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      }
    }
    for (String s : seen) {
      assertThat(s).doesNotContain(FIRST).doesNotContain(SECOND);
    }
    assertThat(filesContaining(dataDir, FIRST)).isEmpty();
    assertThat(filesContaining(dataDir, SECOND)).isEmpty();
    assertThat(logs.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.contains("repository token added for /app.git/"))
        .anyMatch(m -> m.contains("clone of " + url));
  }

  private static String lastPushToken() {
    List<GitTestServer.Request> pushes =
        git.requests().stream().filter(GitTestServer.Request::push).toList();
    assertThat(pushes).isNotEmpty();
    return pushes.getLast().token();
  }

  static List<JsonNode> awaitIdle(String session, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode body =
          Json.mapper()
              .readTree(
                  server.call("GET", "/v1/sessions/" + session + "/events?limit=200", null).body());
      List<JsonNode> out = new ArrayList<>();
      body.get("data").forEach(out::add);
      if (out.stream().filter(e -> e.get("type").asText().equals("session.status_idle")).count()
          >= count) {
        return out;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("session " + session + " did not go idle");
  }

  /**
   * Paths of the regular files under {@code root} whose bytes contain {@code needle}. A file that
   * vanishes mid-scan (a blob upload's temp file, renamed to its final name) restarts the scan, so
   * that what it became is read too: a pass counts only when it read every file it listed.
   */
  static List<String> filesContaining(Path root, String needle) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return scan(root, needle);
      } catch (java.nio.file.NoSuchFileException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  private static List<String> scan(Path root, String needle) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).toList();
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause(); // the walk met a vanished file: the same restart as a read that does
    }
    List<String> hits = new ArrayList<>();
    for (Path p : files) {
      if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(needle)) {
        hits.add(p.toString());
      }
    }
    return hits;
  }
}
