package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WebhookEndpoint;
import dev.agentry.core.WebhookEvent;
import dev.agentry.webhooks.WebhookDispatcher;
import dev.agentry.webhooks.WebhookSecrets;
import dev.agentry.webhooks.WebhookTargets;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /v1/agentry/webhooks}: the Agentry extension that registers webhook endpoints (the Managed
 * Agents API has none: there, endpoints are made in the Console). The signing secret is returned
 * once, by create; it is kept sealed, like vault credentials. An endpoint belongs to the caller's
 * workspace and receives that workspace's events.
 */
final class WebhookRoutes implements Api.Routes {
  static final String PREFIX = "/v1/agentry/webhooks";
  private static final Set<String> FIELDS = Set.of("url", "types", "description", "enabled");
  private static final int MAX_URL = 2048;

  private final Api api;
  private final WebhookDispatcher dispatcher;
  private final SecretBox box;

  WebhookRoutes(Api api, WebhookDispatcher dispatcher, SecretBox box) {
    this.api = api;
    this.dispatcher = dispatcher;
    this.box = box;
  }

  @Override
  public void register(HttpRules r) {
    r.post(PREFIX, this::create)
        .get(PREFIX, this::list)
        .get(PREFIX + "/{id}", this::retrieve)
        .post(PREFIX + "/{id}", this::update)
        .delete(PREFIX + "/{id}", this::delete)
        .post(PREFIX + "/{id}/test", this::test);
  }

  private void create(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    MemoryStoreRoutes.knownFields(body, FIELDS);
    String url = url(Fields.requiredString(body, "", "url", 1, MAX_URL));
    if (Fields.isNullOrAbsent(body, "types")) {
      throw ApiError.invalid("types: is required (the event types to deliver)");
    }
    List<String> types = types(body);
    String description = Fields.optionalString(body, "", "description", 0, 512);
    boolean enabled = Fields.optionalBoolean(body, "", "enabled", true);
    Instant now = api.now();
    String id = Ids.next(IdKind.WEBHOOK);
    String secret = WebhookSecrets.generate();
    WebhookEndpoint endpoint =
        api.store()
            .webhooks()
            .create(
                new WebhookEndpoint(
                    id,
                    Caller.workspace(req),
                    url,
                    types,
                    description,
                    0,
                    enabled ? null : now,
                    enabled ? null : "api",
                    now,
                    now),
                box.seal(secret, id));
    if (endpoint.enabled()) {
      dispatcher.wake(); // an idle dispatcher waits long between polls (ADR 0045)
    }
    ObjectNode view = view(endpoint);
    view.put("secret", secret);
    Http.ok(res, view);
  }

  private void list(ServerRequest req, ServerResponse res) {
    List<WebhookEndpoint> all = api.store().webhooks().list(Caller.workspace(req));
    ObjectNode page = Json.mapper().createObjectNode();
    ArrayNode data = page.putArray("data");
    all.forEach(e -> data.add(view(e)));
    page.put("has_more", false);
    page.put("first_id", all.isEmpty() ? null : all.get(0).id());
    page.put("last_id", all.isEmpty() ? null : all.get(all.size() - 1).id());
    Http.ok(res, page);
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, view(find(req)));
  }

  private void update(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    MemoryStoreRoutes.knownFields(body, FIELDS);
    WebhookEndpoint current = find(req);
    String url =
        Fields.isNullOrAbsent(body, "url")
            ? current.url()
            : url(Fields.requiredString(body, "", "url", 1, MAX_URL));
    List<String> types = Fields.isNullOrAbsent(body, "types") ? current.types() : types(body);
    String description =
        Fields.isPresent(body, "description")
            ? Fields.optionalString(body, "", "description", 0, 512)
            : current.description();
    boolean enabled = Fields.optionalBoolean(body, "", "enabled", current.enabled());
    Instant now = api.now();
    WebhookEndpoint updated =
        api.store()
            .webhooks()
            .update(
                current.id(),
                e -> {
                  // Re-enabling starts the failure count afresh; disabling by the API says so.
                  boolean reenabled = enabled && !e.enabled();
                  boolean disabled = !enabled && e.enabled();
                  return new WebhookEndpoint(
                      e.id(),
                      e.workspaceId(),
                      url,
                      types,
                      description,
                      reenabled ? 0 : e.consecutiveFailures(),
                      enabled ? null : disabled ? now : e.disabledAt(),
                      enabled ? null : disabled ? "api" : e.disabledReason(),
                      e.createdAt(),
                      now);
                });
    if (updated.enabled() && !current.enabled()) {
      dispatcher.wake();
    }
    Http.ok(res, view(updated));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    WebhookEndpoint e = find(req);
    if (!api.store().webhooks().delete(e.id())) {
      throw ApiError.notFound("webhook " + e.id() + " not found");
    }
    Http.ok(res, Views.deleted(e.id(), "webhook_deleted"));
  }

  private void test(ServerRequest req, ServerResponse res) {
    WebhookEndpoint e = find(req);
    WebhookDispatcher.TestResult result = dispatcher.sendTest(e);
    ObjectNode view = Json.mapper().createObjectNode();
    view.put("type", "webhook_test_result");
    view.put("webhook_id", e.id());
    view.put("event_id", result.eventId());
    view.put("success", result.success());
    if (result.statusCode() == null) {
      view.putNull("status_code");
    } else {
      view.put("status_code", result.statusCode());
    }
    view.put("error", result.error());
    Http.ok(res, view);
  }

  private WebhookEndpoint find(ServerRequest req) {
    String id = Api.param(req, "id");
    return api.store()
        .webhooks()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("webhook " + id + " not found"));
  }

  /** An http(s) URL whose host is not internal (unless allowed); else a 400 naming the rule. */
  private String url(String url) {
    try {
      URI uri = WebhookTargets.parse(url);
      WebhookTargets.check(uri, dispatcher.settings().allowPrivate());
    } catch (IllegalArgumentException e) {
      throw ApiError.invalid(e.getMessage());
    }
    return url;
  }

  private static List<String> types(JsonNode body) {
    List<String> types =
        Fields.array(
            body.get("types"),
            "types",
            WebhookEvent.TYPES.size(),
            (v, path) -> {
              String t = Fields.checkString(v, path, 1, 64);
              if (!WebhookEvent.TYPES.contains(t)) {
                throw ApiError.invalid(
                    path
                        + ": "
                        + t
                        + " is not a webhook event type; expected one of "
                        + WebhookEvent.TYPES.stream().sorted().toList());
              }
              if (WebhookEvent.NEVER_SENT.contains(t)) {
                throw ApiError.invalid(
                    path + ": Agentry never sends " + t + " events; subscribe to other types",
                    "unsupported_feature");
              }
              return t;
            });
    if (types.isEmpty()) {
      throw ApiError.invalid("types: must name at least one event type");
    }
    return List.copyOf(new LinkedHashSet<>(types));
  }

  private static ObjectNode view(WebhookEndpoint e) {
    ObjectNode v = Json.mapper().createObjectNode();
    v.put("type", "webhook");
    v.put("id", e.id());
    v.put("url", e.url());
    ArrayNode types = v.putArray("types");
    e.types().forEach(types::add);
    v.put("description", e.description());
    v.put("enabled", e.enabled());
    v.put("disabled_reason", e.disabledReason());
    v.put("consecutive_failures", e.consecutiveFailures());
    v.put("created_at", Timestamps.format(e.createdAt()));
    v.put("updated_at", Timestamps.format(e.updatedAt()));
    return v;
  }
}
