package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.WebhookReceiver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server process is killed with SIGKILL while deliveries are owed (failed once, in flight or
 * not yet fanned out) and started again on the same data: every change is delivered, each under one
 * event id however often it was tried, and every request the receiver got verifies.
 */
class WebhookCrashTest extends ServerProcessTestBase {
  private static final int AGENTS = 12;
  private final WebhookReceiver receiver = WebhookReceiver.start();

  @Override
  Map<String, String> extraEnv() {
    return Map.of(
        "AGENTRY_WEBHOOK_ALLOW_PRIVATE", "true",
        "AGENTRY_WEBHOOK_TIMEOUT_MS", "500",
        "AGENTRY_WEBHOOK_FIRST_RETRY_MS", "1000");
  }

  @AfterEach
  void stopReceiver() {
    receiver.close();
  }

  @Test
  void kill9WithDeliveriesOwed_losesNone() throws Exception {
    var created =
        Json.read(
            call(
                    "POST",
                    "/v1/agentry/webhooks",
                    "{\"url\":\"" + receiver.url() + "\",\"types\":[\"agent.created\"]}")
                .body(),
            JsonNode.class);
    receiver.secret(created.get("secret").asText());
    // Until the crash the receiver refuses everything, so nothing is delivered before it.
    receiver.answer(() -> 503);
    List<String> agents = new ArrayList<>();
    for (int i = 0; i < AGENTS; i++) {
      agents.add(
          id(
              call(
                  "POST",
                  "/v1/agents",
                  "{\"name\":\"a" + i + "\",\"model\":\"claude-sonnet-4-6\"}")));
    }
    server.destroyForcibly();
    server.waitFor();
    receiver.answer(() -> 200);
    server = startServer();

    await(() -> delivered().containsAll(agents), "every agent.created to be delivered");
    List<WebhookReceiver.Received> all = receiver.received();
    assertThat(all).allSatisfy(r -> assertThat(r.verified()).isTrue());
    // Retries reuse the event's id: one id per agent, whatever the number of attempts.
    Map<String, Set<String>> idsByAgent =
        all.stream()
            .collect(
                Collectors.groupingBy(
                    r -> agentOf(r), Collectors.mapping(r -> r.id(), Collectors.toSet())));
    assertThat(idsByAgent.keySet()).containsExactlyInAnyOrderElementsOf(agents);
    assertThat(idsByAgent.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
    var endpoint =
        Json.read(
            call("GET", "/v1/agentry/webhooks/" + created.get("id").asText(), null).body(),
            JsonNode.class);
    assertThat(endpoint.get("enabled").asBoolean()).isTrue();
  }

  private Set<String> delivered() {
    return receiver.received().stream()
        .filter(WebhookReceiver.Received::delivered)
        .map(WebhookCrashTest::agentOf)
        .collect(Collectors.toSet());
  }

  private static String agentOf(WebhookReceiver.Received r) {
    return Json.read(r.body(), JsonNode.class).at("/data/id").asText();
  }
}
