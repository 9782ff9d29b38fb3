package dev.agentry.server;

import static dev.agentry.server.BadInputTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-hosted worker protocol over raw HTTP against a real server and the fake model: a
 * self-hosted session's built-in calls wait for a worker, the work queue hands the session out, and
 * the three credentials each do only what they may (docs/decisions/0038).
 */
class SelfHostedWorkTest {
  @TempDir Path dataDir;
  final SettableClock clock = new SettableClock();
  FakeAnthropic fake;
  TestServer server;
  String env;
  String envKey;
  String agent;

  @BeforeEach
  void start() throws Exception {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL", fake.baseUrl(),
                "ANTHROPIC_API_KEY", "sk-ant-test-secret",
                "AGENTRY_MODEL_RETRIES", "1"),
            clock);
    env =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/environments",
                "{\"name\":\"hands\",\"config\":{\"type\":\"self_hosted\"}}"));
    envKey = newKey(env);
    agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"w\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + "[{\"type\":\"agent_toolset_20260401\"}]}"));
  }

  @AfterEach
  void stop() {
    server.close();
    fake.close();
  }

  String newKey(String environment) throws Exception {
    HttpResponse<String> r =
        server.call("POST", "/v1/agentry/environments/" + environment + "/keys", "{}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r).path("key").asText();
  }

  String session() throws Exception {
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"));
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return Json.mapper().readTree(r.body());
  }

  static Map<String, String> bearer(String secret) {
    return Map.of("authorization", "Bearer " + secret);
  }

  HttpResponse<String> as(String secret, String method, String path, String body) {
    return server.call(method, path, body, bearer(secret));
  }

  List<JsonNode> events(String session) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    json(server.call("GET", "/v1/sessions/" + session + "/events?limit=1000", null))
        .get("data")
        .forEach(out::add);
    return out;
  }

  /** Waits for the session's idle event number {@code n}, and returns it. */
  JsonNode awaitIdle(String session, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonNode> idles =
          events(session).stream()
              .filter(e -> e.path("type").asText().equals("session.status_idle"))
              .toList();
      if (idles.size() >= n) {
        return idles.get(n - 1);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no idle #" + n + ": " + events(session));
  }

  void say(String session, String text) {
    HttpResponse<String> r =
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\""
                + text
                + "\"}]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  JsonNode poll(String key, String worker) throws Exception {
    HttpResponse<String> r =
        server.call(
            "GET",
            "/v1/environments/" + env + "/work/poll?block_ms=200",
            null,
            Map.of("authorization", "Bearer " + key, "Anthropic-Worker-ID", worker));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r);
  }

  static String token(JsonNode item) throws Exception {
    String secret = item.path("secret").asText();
    JsonNode decoded =
        Json.mapper()
            .readTree(new String(Base64.getUrlDecoder().decode(secret), StandardCharsets.UTF_8));
    return decoded.path("sessions_token").asText();
  }

  /** A session of the environment whose first turn waits on {@code tool} with {@code input}. */
  String waitingOn(String tool, String input) throws Exception {
    fake.enqueue(FakeAnthropic.toolUse(tool, input));
    String s = session();
    say(s, "go");
    JsonNode idle = awaitIdle(s, 1);
    assertThat(idle.at("/stop_reason/type").asText()).isEqualTo("requires_action");
    return s;
  }

  /** Poll, ack and claim: the item, its token and its first heartbeat. */
  record Claim(JsonNode item, String token, String lastHeartbeat) {}

  Claim claim(String worker) throws Exception {
    JsonNode item = poll(envKey, worker);
    assertThat(item.isNull()).as("an item was offered").isFalse();
    String id = item.path("id").asText();
    HttpResponse<String> ack = as(envKey, "POST", workPath(id) + "/ack", null);
    assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
    assertThat(json(ack).path("state").asText()).isEqualTo("starting");
    String token = token(item);
    HttpResponse<String> hb =
        as(token, "POST", workPath(id) + "/heartbeat?expected_last_heartbeat=NO_HEARTBEAT", null);
    assertThat(hb.statusCode()).as(hb.body()).isEqualTo(200);
    return new Claim(item, token, json(hb).path("last_heartbeat").asText());
  }

  String workPath(String id) {
    return "/v1/environments/" + env + "/work/" + id;
  }

  static String toolResult(String toolUseId, String text) {
    return "{\"events\":[{\"type\":\"user.tool_result\",\"tool_use_id\":\""
        + toolUseId
        + "\",\"content\":[{\"type\":\"text\",\"text\":\""
        + text
        + "\"}]}]}";
  }

  @Test
  void aBuiltInCallWaitsForTheWorker_andItsResultFinishesTheTurn() throws Exception {
    String s = waitingOn("bash", "{\"command\":\"echo hi\"}");
    List<JsonNode> log = events(s);
    JsonNode use =
        log.stream()
            .filter(e -> e.path("type").asText().equals("agent.tool_use"))
            .findFirst()
            .orElseThrow();
    assertThat(log).noneMatch(e -> e.path("type").asText().equals("agent.tool_result"));
    JsonNode idle = awaitIdle(s, 1);
    assertThat(idle.at("/stop_reason/event_ids/0").asText()).isEqualTo(use.path("id").asText());

    HttpResponse<String> stats =
        server.call("GET", "/v1/environments/" + env + "/work/stats", null);
    assertThat(json(stats).path("type").asText()).isEqualTo("work_queue_stats");
    assertThat(json(stats).path("depth").asInt()).isEqualTo(1);

    Claim c = claim("worker-a");
    assertThat(c.item().at("/data/id").asText()).isEqualTo(s);
    assertThat(c.item().path("type").asText()).isEqualTo("work");
    assertThat(
            json(server.call("GET", "/v1/environments/" + env + "/work/stats", null))
                .path("workers_polling")
                .asInt())
        .isEqualTo(1);

    // The worker reads its session with the item's token and answers the call.
    HttpResponse<String> read = as(c.token(), "GET", "/v1/sessions/" + s, null);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    fake.enqueue(FakeAnthropic.text("done"));
    HttpResponse<String> post =
        as(
            c.token(),
            "POST",
            "/v1/sessions/" + s + "/events",
            toolResult(use.path("id").asText(), "hi from the worker"));
    assertThat(post.statusCode()).as(post.body()).isEqualTo(200);
    JsonNode end = awaitIdle(s, 2);
    assertThat(end.at("/stop_reason/type").asText()).isEqualTo("end_turn");
    assertThat(fake.requests().getLast().body().toString()).contains("hi from the worker");

    // A second result for the same call is refused, and the first is kept.
    assertError(
        as(
            c.token(),
            "POST",
            "/v1/sessions/" + s + "/events",
            toolResult(use.path("id").asText(), "again")),
        400,
        "invalid_request_error",
        "tool_use_id: " + use.path("id").asText(),
        "already answered");
    assertThat(
            events(s).stream()
                .filter(e -> e.path("type").asText().equals("user.tool_result"))
                .count())
        .isEqualTo(1);

    HttpResponse<String> stopped =
        as(c.token(), "POST", workPath(c.item().path("id").asText()) + "/stop", "{\"force\":true}");
    assertThat(json(stopped).path("state").asText()).isEqualTo("stopped");
    assertThat(
            as(
                    c.token(),
                    "POST",
                    workPath(c.item().path("id").asText()) + "/stop",
                    "{\"force\":true}")
                .statusCode())
        .isIn(401, 409);
    assertError(
        server.call("POST", workPath(c.item().path("id").asText()) + "/stop", "{}"),
        409,
        "invalid_request_error",
        "already stopped");
  }

  @Test
  void aResultForACallThatIsNotWaiting_is400NamingIt() throws Exception {
    String s = waitingOn("bash", "{\"command\":\"true\"}");
    assertError(
        server.call("POST", "/v1/sessions/" + s + "/events", toolResult("sevt_nosuchcall", "x")),
        400,
        "invalid_request_error",
        "events[0].tool_use_id: sevt_nosuchcall");
  }

  @Test
  void aSecondClaimOrAStaleHeartbeat_is412WithTheLeaseAsHeld() throws Exception {
    waitingOn("bash", "{\"command\":\"true\"}");
    Claim c = claim("worker-a");
    String id = c.item().path("id").asText();
    // Another worker (the environment key) claiming the held item.
    HttpResponse<String> other =
        as(envKey, "POST", workPath(id) + "/heartbeat?expected_last_heartbeat=NO_HEARTBEAT", null);
    assertError(other, 412, "invalid_request_error", "another worker may hold its lease");
    JsonNode details = json(other).at("/error/details");
    assertThat(details.path("error_code").asText()).isEqualTo("heartbeat_precondition_failed");
    assertThat(details.at("/current_state/last_heartbeat").asText()).isEqualTo(c.lastHeartbeat());
    assertThat(details.at("/current_state/state").asText()).isEqualTo("active");
    assertThat(details.at("/current_state/lease_extended").asBoolean()).isFalse();

    // The holder echoes its last heartbeat and keeps the lease.
    HttpResponse<String> next =
        as(
            c.token(),
            "POST",
            workPath(id)
                + "/heartbeat?expected_last_heartbeat="
                + c.lastHeartbeat()
                + "&desired_ttl_seconds=60",
            null);
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
    assertThat(json(next).path("lease_extended").asBoolean()).isTrue();
    assertThat(json(next).path("ttl_seconds").asInt()).isEqualTo(60);
    assertThat(json(next).path("type").asText()).isEqualTo("work_heartbeat");
    // Its old value is stale now.
    assertThat(
            as(
                    c.token(),
                    "POST",
                    workPath(id) + "/heartbeat?expected_last_heartbeat=" + c.lastHeartbeat(),
                    null)
                .statusCode())
        .isEqualTo(412);

    // A stop asked from outside: the next heartbeat says to finish up.
    HttpResponse<String> stop = server.call("POST", workPath(id) + "/stop", "{}");
    assertThat(json(stop).path("state").asText()).isEqualTo("stopping");
    HttpResponse<String> after =
        as(
            c.token(),
            "POST",
            workPath(id)
                + "/heartbeat?expected_last_heartbeat="
                + json(next).path("last_heartbeat").asText(),
            null);
    assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    assertThat(json(after).path("lease_extended").asBoolean()).isFalse();
    assertThat(json(after).path("state").asText()).isEqualTo("stopping");
  }

  @Test
  void anItemTokenActsOnlyForItsSessionAndItem_andDiesWhenTheItemStops() throws Exception {
    String mine = waitingOn("bash", "{\"command\":\"true\"}");
    Claim c = claim("worker-a");
    String other = waitingOn("bash", "{\"command\":\"true\"}");

    assertError(as(c.token(), "GET", "/v1/sessions/" + other, null), 404, "not_found_error", other);
    assertError(
        as(c.token(), "GET", "/v1/sessions/" + other + "/events", null), 404, "not_found_error");
    assertError(
        as(c.token(), "POST", "/v1/sessions/" + other + "/events", toolResult("sevt_x", "x")),
        404,
        "not_found_error");
    assertThat(as(c.token(), "GET", "/v1/sessions/" + mine + "/events", null).statusCode())
        .isEqualTo(200);
    assertError(as(c.token(), "GET", "/v1/agents", null), 403, "permission_error");
    assertError(as(c.token(), "GET", "/v1/sessions", null), 403, "permission_error");
    assertError(
        as(c.token(), "POST", "/v1/sessions/" + mine + "/archive", "{}"), 403, "permission_error");
    assertError(
        as(
            c.token(),
            "POST",
            "/v1/sessions/" + mine + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]}"),
        403,
        "permission_error",
        "user.message");
    assertError(
        as(c.token(), "GET", "/v1/environments/" + env + "/work/stats", null),
        403,
        "permission_error");
    assertError(
        as(c.token(), "GET", "/v1/memory_stores/memstore_nope", null), 404, "not_found_error");

    // Another item of the same environment is not this token's.
    JsonNode second = poll(envKey, "worker-b");
    assertError(
        as(
            c.token(),
            "POST",
            workPath(second.path("id").asText())
                + "/heartbeat?expected_last_heartbeat=NO_HEARTBEAT",
            null),
        404,
        "not_found_error");

    as(c.token(), "POST", workPath(c.item().path("id").asText()) + "/stop", "{\"force\":true}");
    assertError(as(c.token(), "GET", "/v1/sessions/" + mine, null), 401, "authentication_error");
  }

  @Test
  void anItemTokenReadsOnlyTheSkillsItsSessionUses() throws Exception {
    String used = skill("Used");
    String unused = skill("Unused");
    agent =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"s\",\"model\":\"claude-sonnet-4-6\",\"tools\":"
                    + "[{\"type\":\"agent_toolset_20260401\"}],\"skills\":[{\"type\":\"custom\","
                    + "\"skill_id\":\""
                    + used
                    + "\"}]}"));
    waitingOn("bash", "{\"command\":\"true\"}");
    Claim c = claim("worker-a");

    assertThat(as(c.token(), "GET", "/v1/skills/" + used, null).statusCode()).isEqualTo(200);
    HttpResponse<String> content =
        as(c.token(), "GET", "/v1/skills/" + used + "/versions/1/content", null);
    assertThat(content.statusCode()).isEqualTo(200);
    assertError(as(c.token(), "GET", "/v1/skills/" + unused, null), 404, "not_found_error", unused);
    assertError(
        as(c.token(), "GET", "/v1/skills/" + unused + "/versions/1/content", null),
        404,
        "not_found_error");
    assertError(as(c.token(), "GET", "/v1/skills", null), 403, "permission_error");
  }

  private String skill(String displayName) {
    return server
        .sdk()
        .beta()
        .skills()
        .create(
            com.anthropic.models.beta.skills.SkillCreateParams.builder()
                .displayName(displayName)
                .addFile(SkillsApiTest.file("pdf-tools/SKILL.md", SkillsApiTest.SKILL_MD))
                .build())
        .id();
  }

  @Test
  void environmentKeys_pollOnlyTheirEnvironment_andARevokedKeyIsRefused() throws Exception {
    String otherEnv =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/environments",
                "{\"name\":\"other\",\"config\":{\"type\":\"self_hosted\"}}"));
    String otherKey = newKey(otherEnv);
    assertError(
        as(otherKey, "GET", "/v1/environments/" + env + "/work/poll", null),
        403,
        "permission_error",
        otherEnv);
    assertError(as(envKey, "GET", "/v1/agents", null), 403, "permission_error");
    assertError(
        as(envKey, "GET", "/v1/environments/" + env + "/work/stats", null),
        403,
        "permission_error");
    // Polling takes the environment key, not an API key.
    assertError(
        server.call("GET", "/v1/environments/" + env + "/work/poll", null),
        403,
        "permission_error",
        "environment");
    assertError(
        as(envKey, "GET", "/v1/environments/" + env + "/work/poll?block_ms=1000", null),
        400,
        "invalid_request_error",
        "block_ms");

    JsonNode keys =
        json(server.call("GET", "/v1/agentry/environments/" + otherEnv + "/keys", null));
    assertThat(keys.path("data")).hasSize(1);
    assertThat(keys.toString()).doesNotContain(otherKey);
    String kid = keys.at("/data/0/id").asText();
    assertThat(
            server
                .call("DELETE", "/v1/agentry/environments/" + otherEnv + "/keys/" + kid, null)
                .statusCode())
        .isEqualTo(200);
    assertError(
        as(otherKey, "GET", "/v1/environments/" + otherEnv + "/work/poll", null),
        401,
        "authentication_error",
        "revoked");
    assertThat(as(envKey, "GET", "/v1/environments/" + env + "/work/poll", null).body())
        .isEqualTo("null");

    String cloud = BadInputTest.id(server.call("POST", "/v1/environments", "{\"name\":\"cloud\"}"));
    assertError(
        server.call("POST", "/v1/agentry/environments/" + cloud + "/keys", "{}"),
        400,
        "invalid_request_error",
        "not self_hosted");
  }

  @Test
  void aLapsedLease_isOfferedAgain_andTheLostSideEffectIsAnUnknownOutcome() throws Exception {
    String s = waitingOn("bash", "{\"command\":\"touch /tmp/once\"}");
    JsonNode use =
        events(s).stream()
            .filter(e -> e.path("type").asText().equals("agent.tool_use"))
            .findFirst()
            .orElseThrow();
    Claim dead = claim("worker-dead");
    String deadId = dead.item().path("id").asText();

    // The worker dies: its lease (300 s by default) lapses.
    fake.enqueue(FakeAnthropic.text("I will check"));
    clock.advance(Duration.ofSeconds(301));
    JsonNode again = poll(envKey, "worker-new");
    // The side-effecting call was answered as of unknown outcome, so the turn went on without a
    // worker; nothing waits, so nothing is offered.
    assertThat(again.isNull()).isTrue();
    JsonNode end = awaitIdle(s, 2);
    assertThat(end.at("/stop_reason/type").asText()).isEqualTo("end_turn");
    JsonNode result =
        events(s).stream()
            .filter(e -> e.path("type").asText().equals("agent.tool_result"))
            .findFirst()
            .orElseThrow();
    assertThat(result.path("tool_use_id").asText()).isEqualTo(use.path("id").asText());
    assertThat(result.toString()).contains("outcome of this tool call is unknown");

    // The dead worker's late result and heartbeat are refused.
    assertThat(
            as(
                    dead.token(),
                    "POST",
                    "/v1/sessions/" + s + "/events",
                    toolResult(use.path("id").asText(), "late"))
                .statusCode())
        .isEqualTo(401);
    assertError(
        server.call(
            "POST", "/v1/sessions/" + s + "/events", toolResult(use.path("id").asText(), "late")),
        400,
        "invalid_request_error",
        "already answered");
    assertThat(
            as(
                    envKey,
                    "POST",
                    workPath(deadId) + "/heartbeat?expected_last_heartbeat=" + dead.lastHeartbeat(),
                    null)
                .statusCode())
        .isEqualTo(412);
  }

  @Test
  void anInterruptOfASessionWhoseWorkerFailed_requeuesIt() throws Exception {
    String s = waitingOn("bash", "{\"command\":\"sleep 1000\"}");
    Claim dead = claim("worker-dead");
    clock.advance(Duration.ofSeconds(301));
    HttpResponse<String> r =
        server.call(
            "POST",
            "/v1/sessions/" + s + "/events",
            "{\"events\":[{\"type\":\"user.interrupt\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    awaitIdle(s, 2);
    JsonNode again = poll(envKey, "worker-new");
    assertThat(again.isNull()).isFalse();
    assertThat(again.at("/data/id").asText()).isEqualTo(s);
    assertThat(again.path("id").asText()).isNotEqualTo(dead.item().path("id").asText());
  }

  @Test
  void aLapsedLeaseWithAReadOnlyCall_offersTheSessionToTheNextWorker() throws Exception {
    String s = waitingOn("read", "{\"file_path\":\"/etc/hostname\"}");
    Claim dead = claim("worker-dead");
    clock.advance(Duration.ofSeconds(301));
    JsonNode again = poll(envKey, "worker-new");
    assertThat(again.isNull()).isFalse();
    assertThat(again.path("id").asText()).isNotEqualTo(dead.item().path("id").asText());
    assertThat(again.at("/data/id").asText()).isEqualTo(s);
    JsonNode old = json(server.call("GET", workPath(dead.item().path("id").asText()), null));
    assertThat(old.path("state").asText()).isEqualTo("stopped");
  }
}
