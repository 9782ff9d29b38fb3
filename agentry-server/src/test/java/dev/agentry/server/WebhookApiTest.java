package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.core.UnwrapWebhookParams;
import com.anthropic.core.http.Headers;
import com.anthropic.errors.AnthropicWebhookException;
import com.anthropic.models.beta.webhooks.UnwrapWebhookEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.WebhookReceiver;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/agentry/webhooks} on a real server whose deliveries go to a loopback receiver that
 * verifies every signature (private targets allowed, as a self-hosted user would set).
 */
class WebhookApiTest {
  @TempDir static Path dataDir;
  static FakeAnthropic fake;
  static TestServer server;
  static WebhookReceiver receiver;

  @BeforeAll
  static void start() {
    fake = FakeAnthropic.start();
    receiver = WebhookReceiver.start();
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "ANTHROPIC_BASE_URL", fake.baseUrl(),
                "ANTHROPIC_API_KEY", "sk-ant-test-secret",
                "AGENTRY_WEBHOOK_ALLOW_PRIVATE", "true"));
  }

  @AfterAll
  static void stop() {
    server.close();
    receiver.close();
    fake.close();
  }

  private static JsonNode json(HttpResponse<String> r) {
    return Json.read(r.body(), JsonNode.class);
  }

  private static JsonNode ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r);
  }

  private static void badRequest(String body, String... mentions) {
    HttpResponse<String> r = server.call("POST", "/v1/agentry/webhooks", body);
    assertThat(r.statusCode()).as(body + " → " + r.body()).isEqualTo(400);
    JsonNode error = json(r);
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.at("/error/message").asText()).contains(mentions);
  }

  /** Registers the receiver for {@code types} and returns the endpoint with its secret. */
  private static JsonNode register(String... types) {
    String typeList = String.join("\",\"", types);
    JsonNode created =
        ok(
            server.call(
                "POST",
                "/v1/agentry/webhooks",
                "{\"url\":\"" + receiver.url() + "\",\"types\":[\"" + typeList + "\"]}"));
    receiver.secret(created.get("secret").asText());
    return created;
  }

  private static List<JsonNode> deliveredData(String type) {
    return receiver.received().stream()
        .filter(WebhookReceiver.Received::delivered)
        .map(r -> Json.read(r.body(), JsonNode.class).get("data"))
        .filter(d -> d.get("type").asText().equals(type))
        .toList();
  }

  @Test
  void create_showsTheSecretOnce_andTheEndpointCanBeListedUpdatedAndDeleted() {
    JsonNode created = register("agent.created");
    String id = created.get("id").asText();
    assertThat(id).startsWith("whep_");
    assertThat(created.get("secret").asText()).startsWith("whsec_");
    assertThat(created.get("enabled").asBoolean()).isTrue();

    JsonNode retrieved = ok(server.call("GET", "/v1/agentry/webhooks/" + id, null));
    assertThat(retrieved.has("secret")).isFalse();
    assertThat(retrieved.get("url").asText()).isEqualTo(receiver.url());
    assertThat(ok(server.call("GET", "/v1/agentry/webhooks", null)).get("data").toString())
        .contains(id)
        .doesNotContain("whsec_");

    JsonNode disabled =
        ok(server.call("POST", "/v1/agentry/webhooks/" + id, "{\"enabled\":false}"));
    assertThat(disabled.get("enabled").asBoolean()).isFalse();
    assertThat(disabled.get("disabled_reason").asText()).isEqualTo("api");
    JsonNode reenabled =
        ok(
            server.call(
                "POST",
                "/v1/agentry/webhooks/" + id,
                "{\"enabled\":true,\"types\":[\"vault.created\"]}"));
    assertThat(reenabled.get("enabled").asBoolean()).isTrue();
    assertThat(reenabled.get("types").toString()).isEqualTo("[\"vault.created\"]");

    JsonNode deleted = ok(server.call("DELETE", "/v1/agentry/webhooks/" + id, null));
    assertThat(deleted.get("type").asText()).isEqualTo("webhook_deleted");
    assertThat(server.call("GET", "/v1/agentry/webhooks/" + id, null).statusCode()).isEqualTo(404);
  }

  @Test
  void badInput_is400NamingTheFieldAndTheRule() {
    badRequest("{\"url\":\"ftp://example.com/x\",\"types\":[\"agent.created\"]}", "url", "http");
    badRequest("{\"url\":\"example.com/x\",\"types\":[\"agent.created\"]}", "url");
    badRequest("{\"url\":\"https://example.com/x\"}", "types");
    badRequest("{\"url\":\"https://example.com/x\",\"types\":[]}", "types");
    badRequest(
        "{\"url\":\"https://example.com/x\",\"types\":[\"session.pending\"]}",
        "types[0]",
        "never sends");
    badRequest(
        "{\"url\":\"https://example.com/x\",\"types\":[\"session.status_idle\"]}",
        "types[0]",
        "session.status_idle");
    badRequest(
        "{\"url\":\"https://example.com/x\",\"types\":[\"agent.created\"],\"secret\":\"x\"}",
        "secret",
        "unknown field");
  }

  @Test
  void aChangeMadeThroughTheApi_isDeliveredSignedToTheEndpoint() {
    String secret =
        register(
                "agent.created",
                "session.created",
                "session.status_run_started",
                "session.status_idled")
            .get("secret")
            .asText();
    fake.enqueue(FakeAnthropic.text("hello"));
    String agent =
        ok(server.call(
                "POST", "/v1/agents", "{\"name\":\"hooked\",\"model\":\"claude-sonnet-4-6\"}"))
            .get("id")
            .asText();
    String env =
        ok(server.call("POST", "/v1/environments", "{\"name\":\"hooks\"}")).get("id").asText();
    String session =
        ok(server.call(
                "POST",
                "/v1/sessions",
                "{\"agent\":\"" + agent + "\",\"environment_id\":\"" + env + "\"}"))
            .get("id")
            .asText();
    ok(
        server.call(
            "POST",
            "/v1/sessions/" + session + "/events",
            "{\"events\":[{\"type\":\"user.message\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !deliveredData("session.status_idled").isEmpty());
    assertThat(deliveredData("agent.created"))
        .extracting(d -> d.get("id").asText())
        .contains(agent);
    assertThat(deliveredData("session.created"))
        .extracting(d -> d.get("id").asText())
        .containsExactly(session);
    assertThat(deliveredData("session.status_run_started"))
        .extracting(d -> d.get("id").asText())
        .containsExactly(session);
    assertThat(receiver.received()).allSatisfy(r -> assertThat(r.verified()).isTrue());

    // The official SDK verifies and reads the delivery as a user's receiver would.
    WebhookReceiver.Received idled =
        receiver.received().stream()
            .filter(r -> r.delivered() && r.body().contains("\"session.status_idled\""))
            .findFirst()
            .orElseThrow();
    UnwrapWebhookEvent event =
        server
            .sdk()
            .beta()
            .webhooks()
            .unwrap(
                UnwrapWebhookParams.builder()
                    .body(idled.body())
                    .headers(
                        Headers.builder()
                            .put("webhook-id", idled.id())
                            .put("webhook-timestamp", idled.timestamp())
                            .put("webhook-signature", idled.signature())
                            .build())
                    .secret(secret)
                    .build());
    assertThat(event.id()).isEqualTo(idled.id());
    assertThat(event.data().sessionStatusIdled().orElseThrow().id()).isEqualTo(session);
    assertThat(event.data().sessionStatusIdled().orElseThrow().workspaceId())
        .isEqualTo("wrkspc_default");
    // A body changed in transit does not verify.
    assertThatThrownBy(
            () ->
                server
                    .sdk()
                    .beta()
                    .webhooks()
                    .unwrap(
                        UnwrapWebhookParams.builder()
                            .body(idled.body().replace(session, "sesn_forged"))
                            .headers(
                                Headers.builder()
                                    .put("webhook-id", idled.id())
                                    .put("webhook-timestamp", idled.timestamp())
                                    .put("webhook-signature", idled.signature())
                                    .build())
                            .secret(secret)
                            .build()))
        .isInstanceOf(AnthropicWebhookException.class);
  }

  @Test
  void aTestDelivery_reportsTheReceiversAnswer() {
    String id = register("vault.created").get("id").asText();
    JsonNode result = ok(server.call("POST", "/v1/agentry/webhooks/" + id + "/test", null));
    assertThat(result.get("success").asBoolean()).as(result.toString()).isTrue();
    assertThat(result.get("status_code").asInt()).isEqualTo(200);
    String eventId = result.get("event_id").asText();
    assertThat(receiver.received())
        .anySatisfy(
            r -> {
              assertThat(r.id()).isEqualTo(eventId);
              assertThat(r.verified()).isTrue();
              assertThat(r.body()).contains("webhook.test");
            });
  }

  @Test
  void aPrivateTarget_isRefused_unlessAllowed(@TempDir Path otherDir) {
    try (TestServer strict = new TestServer(otherDir, null)) {
      HttpResponse<String> r =
          strict.call(
              "POST",
              "/v1/agentry/webhooks",
              "{\"url\":\"" + receiver.url() + "\",\"types\":[\"agent.created\"]}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(r.body()).contains("internal address", "AGENTRY_WEBHOOK_ALLOW_PRIVATE");
    }
  }
}
