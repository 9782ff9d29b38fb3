package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (the store answers too) and {@code
 * /metrics} (Prometheus text format). None needs a key.
 */
final class HealthRoutes implements Api.Routes {
  private final Api api;
  private final Metrics metrics;

  HealthRoutes(Api api, Metrics metrics) {
    this.api = api;
    this.metrics = metrics;
  }

  @Override
  public void register(HttpRules r) {
    r.get(
            "/healthz",
            (req, res) -> Http.ok(res, Json.mapper().createObjectNode().put("status", "ok")))
        .get("/readyz", this::ready)
        .get("/metrics", this::metrics);
  }

  /** What the sandboxes enforce and by which mechanism, or why they cannot start. */
  private ObjectNode sandbox() {
    ObjectNode out = Json.mapper().createObjectNode();
    out.put("alive", api.hands().sandboxes().alive());
    try {
      api.hands().provider().enforcement().forEach(out::put);
      out.put("status", "ok");
    } catch (RuntimeException e) {
      out.put("status", "unavailable").put("reason", e.getMessage());
    }
    return out;
  }

  private void metrics(ServerRequest req, ServerResponse res) throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    metrics.write(out);
    res.header("Content-Type", metrics.contentType());
    res.send(out.toByteArray());
  }

  /** How long readiness waits for the store before calling it unavailable. */
  private static final long PING_MILLIS = 1500;

  /**
   * The store's ping, given up after {@link #PING_MILLIS}: a database that went silent (not just
   * refused) must not hold a load balancer's probe for the driver's socket timeout.
   */
  private void boundedPing() {
    var ping =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> api.store().ping(), r -> Thread.ofVirtual().name("readyz-ping").start(r));
    try {
      ping.get(PING_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the store did not answer within " + PING_MILLIS + " ms");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("the store did not answer", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void ready(ServerRequest req, ServerResponse res) {
    var body = Json.mapper().createObjectNode();
    var store = body.putObject("store").put("backend", api.store().describe());
    try {
      boundedPing();
      store.put("status", "ok");
      body.put("status", "ok");
      body.put("sse_subscribers", api.streams().subscribers());
      body.set("sandbox", sandbox());
      Http.ok(res, body);
    } catch (RuntimeException e) {
      store.put("status", "unavailable");
      body.put("status", "unavailable");
      Http.json(res, 503, body);
    }
  }
}
