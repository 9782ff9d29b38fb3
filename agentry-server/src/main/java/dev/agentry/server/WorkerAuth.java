package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Agent;
import dev.agentry.core.Roster;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.core.WorkItem;
import dev.agentry.core.WorkRepository.EnvironmentKey;
import io.helidon.http.Method;
import io.helidon.webserver.http.RoutingRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two worker credentials of the self-hosted protocol (docs/decisions/0038), for {@link Auth}:
 * an environment key may list, poll, ack, heartbeat and stop its environment's items; a work item's
 * token (the {@code sessions_token} of its {@code secret}) may read its session and the session's
 * events, post tool results, heartbeat and stop its item, read the skills its session uses, and
 * read and write the memory stores attached to the session, and nothing else. A session, item or
 * memory store outside the token's scope is a 404, as if it did not exist; any other route a 403.
 */
final class WorkerAuth {
  static final String ENVIRONMENT_KEY_PREFIX = "sk-ant-oat01-";
  static final String ITEM_TOKEN_PREFIX = "sk-ant-req-";

  private static final Pattern WORK =
      Pattern.compile("^/v1/environments/([^/]+)/work(?:/([^/]+)(?:/(ack|heartbeat|stop))?)?/?$");
  private static final Pattern SESSION = Pattern.compile("^/v1/sessions/([^/]+)(/.*)?$");
  private static final Pattern MEMORY_STORE = Pattern.compile("^/v1/memory_stores/([^/]+)(/.*)?$");
  private static final Pattern SKILL = Pattern.compile("^/v1/skills(?:/([^/]+)(/.*)?)?/?$");

  /** What {@link #admit} decided: {@code known} false when the secret is no worker credential. */
  record Admission(boolean known, ApiError refusal) {
    static final Admission UNKNOWN = new Admission(false, null);
    static final Admission ADMITTED = new Admission(true, null);

    static Admission refused(ApiError e) {
      return new Admission(true, e);
    }
  }

  private final Store store;

  WorkerAuth(Store store) {
    this.store = store;
  }

  Admission admit(RoutingRequest req, String secret) {
    if (secret.startsWith(ENVIRONMENT_KEY_PREFIX)) {
      return environmentKey(req, secret);
    }
    if (secret.startsWith(ITEM_TOKEN_PREFIX)) {
      return itemToken(req, secret);
    }
    return Admission.UNKNOWN;
  }

  private Admission environmentKey(RoutingRequest req, String secret) {
    Optional<EnvironmentKey> found = store.work().findKeyByHash(Keys.hash(secret));
    if (found.isEmpty()) {
      return Admission.UNKNOWN;
    }
    EnvironmentKey key = found.get();
    if (key.revokedAt() != null) {
      return Admission.refused(ApiError.unauthenticated("this environment key was revoked"));
    }
    Matcher m = WORK.matcher(req.path().path());
    Method method = req.prologue().method();
    boolean allowed =
        m.matches()
            && (m.group(3) == null
                ? method.equals(Method.GET) && (m.group(2) == null || "poll".equals(m.group(2)))
                : method.equals(Method.POST));
    if (!allowed) {
      return Admission.refused(
          ApiError.forbidden(
              "an environment key may only list, poll, ack, heartbeat and stop work items; use an"
                  + " API key"));
    }
    if (!m.group(1).equals(key.environmentId())) {
      return Admission.refused(
          ApiError.forbidden(
              "this environment key acts only on environment " + key.environmentId()));
    }
    register(req, new WorkGrant(key.id(), key.environmentId(), null, null), key.workspaceId());
    return Admission.ADMITTED;
  }

  private Admission itemToken(RoutingRequest req, String secret) {
    Optional<WorkItem> found = store.work().findByToken(Keys.hash(secret));
    if (found.isEmpty()) {
      return Admission.refused(
          ApiError.unauthenticated(
              "this work item token is not valid: its item stopped, or another poll took it"));
    }
    WorkItem item = found.get();
    String path = req.path().path();
    Method method = req.prologue().method();
    Matcher m;
    ApiError refusal;
    if ((m = SESSION.matcher(path)).matches()) {
      refusal = sessionCall(item, m, method);
    } else if ((m = WORK.matcher(path)).matches()) {
      refusal = itemCall(item, m, method);
    } else if ((m = MEMORY_STORE.matcher(path)).matches()) {
      refusal = memoryCall(item, m.group(1), method);
    } else if ((m = SKILL.matcher(path)).matches() && method.equals(Method.GET)) {
      refusal = skillCall(item, m.group(1));
    } else {
      refusal =
          ApiError.forbidden(
              "a work item token may only act on its own session, work item and memory stores");
    }
    if (refusal != null) {
      return Admission.refused(refusal);
    }
    register(
        req,
        new WorkGrant(item.id(), item.environmentId(), item.id(), item.sessionId()),
        item.workspaceId());
    return Admission.ADMITTED;
  }

  private static ApiError sessionCall(WorkItem item, Matcher m, Method method) {
    if (!m.group(1).equals(item.sessionId())) {
      return ApiError.notFound("session " + m.group(1) + " not found");
    }
    String rest = m.group(2) == null ? "" : m.group(2);
    if (method.equals(Method.GET) || (method.equals(Method.POST) && rest.equals("/events"))) {
      return null;
    }
    return ApiError.forbidden(
        "a work item token may read its session and post tool results, nothing else");
  }

  private static ApiError itemCall(WorkItem item, Matcher m, Method method) {
    boolean own =
        m.group(1).equals(item.environmentId())
            && item.id().equals(m.group(2))
            && ("heartbeat".equals(m.group(3)) || "stop".equals(m.group(3)))
            && method.equals(Method.POST);
    if (own) {
      return null;
    }
    boolean namesAnItem =
        m.group(2) != null && !m.group(2).equals("poll") && !m.group(2).equals("stats");
    if (namesAnItem && !item.id().equals(m.group(2))) {
      return ApiError.notFound("work item " + m.group(2) + " not found");
    }
    return ApiError.forbidden("a work item token may only heartbeat and stop its own item");
  }

  /** A store attached to the session; written only if attached {@code read_write}. */
  private ApiError memoryCall(WorkItem item, String storeId, Method method) {
    Optional<Session> session = store.sessions().find(item.workspaceId(), item.sessionId());
    JsonNode attached = null;
    for (JsonNode r : session.map(Session::resources).orElse(java.util.List.of())) {
      if ("memory_store".equals(r.path("type").asText())
          && storeId.equals(r.path("memory_store_id").asText())) {
        attached = r;
      }
    }
    if (attached == null) {
      return ApiError.notFound("memory store " + storeId + " not found");
    }
    if (!method.equals(Method.GET) && "read_only".equals(attached.path("access").asText())) {
      return ApiError.forbidden(
          "memory store " + storeId + " is attached read_only to session " + item.sessionId());
    }
    return null;
  }

  /**
   * A skill its session's agent (or a roster member) uses may be read, so that the worker can
   * download it; the listing and every other skill are outside the token's scope.
   */
  private ApiError skillCall(WorkItem item, String skillId) {
    if (skillId == null) {
      return ApiError.forbidden("a work item token may read its session's skills, not list skills");
    }
    Optional<Agent> agent =
        store.sessions().find(item.workspaceId(), item.sessionId()).map(s -> s.agent());
    List<Agent> agents = new ArrayList<>();
    agent.ifPresent(agents::add);
    agent.flatMap(Roster::of).ifPresent(r -> r.members().forEach(mb -> agents.add(mb.agent())));
    boolean used =
        agents.stream()
            .flatMap(a -> a.spec().skills().stream())
            .anyMatch(ref -> skillId.equals(ref.path("skill_id").asText()));
    return used ? null : ApiError.notFound("skill " + skillId + " not found");
  }

  private static void register(RoutingRequest req, WorkGrant grant, String workspaceId) {
    req.context().register(grant);
    req.context().register(new Caller(grant.keyId(), workspaceId, Caller.MEMBER));
  }
}
