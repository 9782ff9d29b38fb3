package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.FileService;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import dev.agentry.sandbox.SandboxManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's resources: {@code file}s mounted read-only and {@code github_repository}s cloned
 * before the session is handed back. The session record keeps each resource's public JSON; a
 * repository's token is sealed apart ({@link dev.agentry.core.ResourceTokenRepository}) and never
 * shown, logged or put in an event.
 *
 * <p>On a running session: a file added under {@value MountPaths#UPLOADS} is copied into the folder
 * bound there and shows in the live sandbox at once; a file mounted anywhere else needs a bind of
 * its own, so the session's next tool call starts a new sandbox that has it. Deleting a file
 * resource removes its copy (gone at once under uploads, at the next sandbox elsewhere); deleting a
 * repository resource forgets its token and keeps the checkout, which holds the agent's work.
 */
final class SessionResources {
  private final Store store;
  private final ResourceParser parser;
  private final SecretBox box;
  private final ResourceMounts mounts;
  private final SandboxManager sandboxes;
  private final OutputsIndexer outputs;

  SessionResources(
      Store store,
      FileService files,
      SecretBox box,
      RepositoryUrls urls,
      ResourceMounts mounts,
      SandboxManager sandboxes,
      OutputsIndexer outputs) {
    this.store = store;
    this.parser = new ResourceParser(files, urls, store.memories());
    this.box = box;
    this.mounts = mounts;
    this.sandboxes = sandboxes;
    this.outputs = outputs;
  }

  /**
   * The {@code resources} of a create body, every rule checked before anything is stored.
   *
   * @throws ApiError a 400 naming the field ({@code resources[i]...}) and the rule
   */
  List<ResourceParser.Parsed> parseCreate(String workspaceId, JsonNode body, Instant now) {
    return parser.create(workspaceId, body, now);
  }

  /**
   * After the session with {@code parsed} resources is stored: seals the tokens, then readies every
   * resource (creation returns once they are ready); a resource that fails becomes a {@code
   * session.error} on the session, which is still created.
   */
  void created(Session session, List<ResourceParser.Parsed> parsed, Instant now) {
    if (parsed.isEmpty()) {
      return;
    }
    try {
      for (ResourceParser.Parsed p : parsed) {
        if (p.token() != null) {
          String id = p.json().path("id").asText();
          store
              .resourceTokens()
              .put(
                  session.id(),
                  id,
                  box.seal(p.token(), ResourceMounts.tokenContext(session.id(), id)),
                  now);
        }
      }
    } catch (RuntimeException e) {
      store.sessions().delete(session.id()); // no session whose repositories lack their tokens
      throw e;
    }
    mounts.prepare(session).forEach((id, f) -> mounts.report(session.id(), id, f));
  }

  /** {@code POST /v1/sessions/{id}/resources}: a file only. */
  ObjectNode add(String workspaceId, Session session, JsonNode body, Instant now) {
    checkOpen(session);
    String type = ResourceParser.resourceType(body, "");
    if (!type.equals(StoredResource.FILE)) {
      if (type.equals(StoredResource.REPOSITORY) || type.equals("memory_store")) {
        throw ApiError.invalid(
            "type: only file resources can be added to a session; "
                + type
                + " resources are given when the session is created");
      }
      throw ResourceParser.unsupportedType(type, "");
    }
    ResourceParser.Parsed p = parser.file(workspaceId, body, "", now);
    String mountPath = p.json().path("mount_path").asText();
    Session updated =
        store
            .sessions()
            .update(
                session.id(),
                s -> {
                  List<JsonNode> current = s.resources();
                  long fileCount =
                      current.stream().filter(r -> new StoredResource(r).isFile()).count();
                  if (fileCount >= ResourceParser.MAX_FILES) {
                    throw ApiError.invalid(
                        "file_id: the session already has "
                            + ResourceParser.MAX_FILES
                            + " file resources");
                  }
                  MountPaths.checkApart(
                      mountPath,
                      current.stream().map(r -> new StoredResource(r).mountPath()).toList(),
                      "mount_path");
                  List<JsonNode> next = new ArrayList<>(current);
                  next.add(p.json());
                  return s.withResources(next, now);
                });
    StoredResource added = new StoredResource(p.json());
    mounts.materialise(workspaceId, updated.id(), added);
    if (ResourceMounts.ownBind(added)) {
      sandboxes.remount(updated.id());
    }
    return p.json();
  }

  /** {@code POST /v1/sessions/{id}/resources/{rid}}: a repository's new token. */
  ObjectNode rotate(Session session, String resourceId, JsonNode body, Instant now) {
    StoredResource r = find(session, resourceId);
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("authorization_token")) {
        throw ApiError.invalid(
            f + ": unknown field; a resource update takes only authorization_token",
            "unsupported_feature");
      }
    }
    if (!r.isRepository()) {
      throw ApiError.invalid(
          "authorization_token: resource "
              + resourceId
              + " is a "
              + r.type()
              + "; only github_repository resources have a token to update");
    }
    String token = ResourceParser.token(body, "");
    if (token == null) {
      throw ApiError.invalid("authorization_token: is required");
    }
    store
        .resourceTokens()
        .put(
            session.id(),
            resourceId,
            box.seal(token, ResourceMounts.tokenContext(session.id(), resourceId)),
            now);
    Session updated =
        store
            .sessions()
            .update(
                session.id(),
                s ->
                    s.withResources(
                        s.resources().stream()
                            .map(
                                j ->
                                    new StoredResource(j).id().equals(resourceId)
                                        ? (JsonNode)
                                            ((ObjectNode) j.deepCopy())
                                                .put("updated_at", Timestamps.format(now))
                                        : j)
                            .toList(),
                        now));
    return (ObjectNode) find(updated, resourceId).json();
  }

  /** {@code DELETE /v1/sessions/{id}/resources/{rid}}. */
  void delete(Session session, String resourceId, Instant now) {
    StoredResource r = find(session, resourceId);
    store
        .sessions()
        .update(
            session.id(),
            s ->
                s.withResources(
                    s.resources().stream()
                        .filter(j -> !new StoredResource(j).id().equals(resourceId))
                        .toList(),
                    now));
    store.resourceTokens().delete(session.id(), resourceId);
    mounts.remove(session.id(), r);
    if (ResourceMounts.ownBind(r) && r.isFile()) {
      sandboxes.remount(session.id());
    }
  }

  /**
   * The session was deleted: its mounted copies, outputs and clones outside /workspace go, and the
   * indexer forgets the hashes it kept for its outputs.
   */
  void deleteSession(String sessionId) {
    mounts.deleteSession(sessionId);
    outputs.forget(sessionId);
  }

  /** The session's resource, or a 404. */
  static StoredResource find(Session session, String resourceId) {
    return session.resources().stream()
        .map(StoredResource::new)
        .filter(r -> r.id().equals(resourceId))
        .findFirst()
        .orElseThrow(
            () ->
                ApiError.notFound(
                    "resource " + resourceId + " not found in session " + session.id()));
  }

  private static void checkOpen(Session session) {
    if (session.archivedAt() != null) {
      throw ApiError.invalid("session " + session.id() + " is archived; its resources are fixed");
    }
  }
}
