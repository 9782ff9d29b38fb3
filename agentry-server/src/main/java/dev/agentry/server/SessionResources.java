package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.FileService;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import dev.agentry.sandbox.SandboxManager;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

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
  static final int MAX_FILES = 999;
  static final int MAX_REPOSITORIES = 64;
  private static final Set<String> FILE_FIELDS = Set.of("type", "file_id", "mount_path");
  private static final Set<String> REPOSITORY_FIELDS =
      Set.of("type", "url", "authorization_token", "mount_path", "checkout");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");
  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{7,64}");

  private final Store store;
  private final FileService files;
  private final SecretBox box;
  private final RepositoryUrls urls;
  private final ResourceMounts mounts;
  private final SandboxManager sandboxes;

  SessionResources(
      Store store,
      FileService files,
      SecretBox box,
      RepositoryUrls urls,
      ResourceMounts mounts,
      SandboxManager sandboxes) {
    this.store = store;
    this.files = files;
    this.box = box;
    this.urls = urls;
    this.mounts = mounts;
    this.sandboxes = sandboxes;
  }

  /** A resource read from a request: its public JSON, and its token (null: none) kept apart. */
  record Parsed(ObjectNode json, String token) {}

  /**
   * The {@code resources} of a create body, every rule checked before anything is stored.
   *
   * @throws ApiError a 400 naming the field ({@code resources[i]...}) and the rule
   */
  List<Parsed> parseCreate(String workspaceId, JsonNode body, Instant now) {
    List<Parsed> out = new ArrayList<>();
    if (Fields.isNullOrAbsent(body, "resources")) {
      return out;
    }
    JsonNode array = body.get("resources");
    if (!array.isArray()) {
      throw ApiError.invalid("resources: must be an array");
    }
    if (array.size() > MAX_FILES + MAX_REPOSITORIES) {
      throw ApiError.invalid(
          "resources: must have at most " + (MAX_FILES + MAX_REPOSITORIES) + " items");
    }
    // Counted first: a request over the limit is refused before any file is looked up.
    int fileCount = 0;
    int repositoryCount = 0;
    for (int i = 0; i < array.size(); i++) {
      String type = array.get(i).path("type").asText();
      if (type.equals(StoredResource.FILE) && ++fileCount > MAX_FILES) {
        throw ApiError.invalid(
            "resources[" + i + "]: a session has at most " + MAX_FILES + " file resources");
      }
      if (type.equals(StoredResource.REPOSITORY) && ++repositoryCount > MAX_REPOSITORIES) {
        throw ApiError.invalid(
            "resources["
                + i
                + "]: a session has at most "
                + MAX_REPOSITORIES
                + " repository resources");
      }
    }
    List<String> taken = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String path = "resources[" + i + "]";
      JsonNode node = Fields.object(array.get(i), path);
      String type = resourceType(node, path);
      Parsed p =
          switch (type) {
            case StoredResource.FILE -> file(workspaceId, node, path, now);
            case StoredResource.REPOSITORY -> repository(node, path, now);
            default -> throw unsupportedType(type, path);
          };
      String mountPath = p.json().path("mount_path").asText();
      MountPaths.checkApart(mountPath, taken, path + ".mount_path");
      taken.add(mountPath);
      out.add(p);
    }
    return out;
  }

  /**
   * After the session with {@code parsed} resources is stored: seals the tokens, then readies every
   * resource (creation returns once they are ready); a resource that fails becomes a {@code
   * session.error} on the session, which is still created.
   */
  void created(Session session, List<Parsed> parsed, Instant now) {
    if (parsed.isEmpty()) {
      return;
    }
    try {
      for (Parsed p : parsed) {
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
    String type = resourceType(body, "");
    if (!type.equals(StoredResource.FILE)) {
      if (type.equals(StoredResource.REPOSITORY) || type.equals("memory_store")) {
        throw ApiError.invalid(
            "type: only file resources can be added to a session; "
                + type
                + " resources are given when the session is created");
      }
      throw unsupportedType(type, "");
    }
    Parsed p = file(workspaceId, body, "", now);
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
                  if (fileCount >= MAX_FILES) {
                    throw ApiError.invalid(
                        "file_id: the session already has " + MAX_FILES + " file resources");
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
    String token = token(body, "");
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

  /** The session was deleted: its mounted copies, outputs and clones outside /workspace go. */
  void deleteSession(String sessionId) {
    mounts.deleteSession(sessionId);
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

  private static String resourceType(JsonNode node, String path) {
    String p = Fields.path(path, "type");
    if (Fields.isNullOrAbsent(node, "type")) {
      throw ApiError.invalid(p + ": is required");
    }
    return Fields.checkString(node.get("type"), p, 1, 64);
  }

  private static ApiError unsupportedType(String type, String path) {
    String p = Fields.path(path, "type");
    if (type.equals("memory_store")) {
      return ApiError.invalid(
          p + ": memory_store resources are not supported by this server yet",
          "unsupported_feature");
    }
    return ApiError.invalid(p + ": must be one of file, github_repository");
  }

  private static void knownFields(JsonNode node, String path, Set<String> known) {
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw ApiError.invalid(
            Fields.path(path, f)
                + ": unknown field; expected one of "
                + known.stream().sorted().toList(),
            "unsupported_feature");
      }
    }
  }

  private Parsed file(String workspaceId, JsonNode node, String path, Instant now) {
    knownFields(node, path, FILE_FIELDS);
    String fileIdPath = Fields.path(path, "file_id");
    String fileId = Fields.requiredString(node, path, "file_id", 1, 128);
    if (files.find(workspaceId, fileId).isEmpty()) {
      throw ApiError.invalid(
          fileIdPath + ": no file " + fileId + " in this workspace", "file_not_found");
    }
    String mountPath =
        Fields.isNullOrAbsent(node, "mount_path")
            ? MountPaths.UPLOADS + "/" + fileId
            : Fields.requiredString(node, path, "mount_path", 1, MountPaths.MAX_LENGTH);
    MountPaths.check(mountPath, Fields.path(path, "mount_path"));
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("id", Ids.next(IdKind.SESSION_RESOURCE)).put("type", StoredResource.FILE);
    json.put("file_id", fileId).put("mount_path", mountPath);
    return new Parsed(stamped(json, now), null);
  }

  private Parsed repository(JsonNode node, String path, Instant now) {
    knownFields(node, path, REPOSITORY_FIELDS);
    String urlPath = Fields.path(path, "url");
    String url = Fields.requiredString(node, path, "url", 1, 2048);
    URI uri = urls.check(url, urlPath);
    String mountPath;
    if (Fields.isNullOrAbsent(node, "mount_path")) {
      String name = RepositoryPaths.name(uri);
      if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
        throw ApiError.invalid(
            Fields.path(path, "mount_path")
                + ": the repository's name does not make a folder name; give a mount_path");
      }
      mountPath = MountPaths.WORKSPACE + "/" + name;
    } else {
      mountPath = Fields.requiredString(node, path, "mount_path", 1, MountPaths.MAX_LENGTH);
    }
    MountPaths.check(mountPath, Fields.path(path, "mount_path"));
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("id", Ids.next(IdKind.SESSION_RESOURCE)).put("type", StoredResource.REPOSITORY);
    json.put("url", url).put("mount_path", mountPath);
    json.set("checkout", checkout(node, path));
    return new Parsed(stamped(json, now), token(node, path));
  }

  private static JsonNode checkout(JsonNode node, String path) {
    if (Fields.isNullOrAbsent(node, "checkout")) {
      return null;
    }
    String p = Fields.path(path, "checkout");
    JsonNode c = Fields.object(node.get("checkout"), p);
    String type = Fields.type(c, p, List.of("branch", "commit"));
    ObjectNode out = Json.mapper().createObjectNode().put("type", type);
    if (type.equals("branch")) {
      knownFields(c, p, Set.of("type", "name"));
      String name = Fields.requiredString(c, p, "name", 1, 255);
      if (name.startsWith("-")
          || name.contains("..")
          || name.endsWith(".lock")
          || name.endsWith("/")
          || !name.chars().allMatch(ch -> ch > 0x20 && ch != 0x7f && "~^:?*[\\".indexOf(ch) < 0)) {
        throw ApiError.invalid(p + ".name: is not a valid git branch name");
      }
      out.put("name", name);
    } else {
      knownFields(c, p, Set.of("type", "sha"));
      String sha = Fields.requiredString(c, p, "sha", 1, 64);
      if (!SHA.matcher(sha).matches()) {
        throw ApiError.invalid(p + ".sha: must be 7 to 64 hexadecimal digits");
      }
      out.put("sha", sha.toLowerCase(Locale.ROOT));
    }
    return out;
  }

  /** The token, or null when absent; its value never appears in an error. */
  private static String token(JsonNode node, String path) {
    if (Fields.isNullOrAbsent(node, "authorization_token")) {
      return null;
    }
    String p = Fields.path(path, "authorization_token");
    String token = Fields.checkString(node.get("authorization_token"), p, 1, 4096);
    if (!token.chars().allMatch(ch -> ch > 0x20 && ch != 0x7f)) {
      throw ApiError.invalid(p + ": must not contain whitespace or control characters");
    }
    return token;
  }

  private static ObjectNode stamped(ObjectNode json, Instant now) {
    json.put("created_at", Timestamps.format(now)).put("updated_at", Timestamps.format(now));
    return json;
  }
}
