package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.FileService;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.Timestamps;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads session resources out of request bodies ({@code resources[]} at create, the body of an
 * add): every field checked, a 400 naming it and its rule otherwise; the resource's public JSON
 * made (a new id, its mount path defaulted, timestamps) with the token kept apart.
 */
final class ResourceParser {
  static final int MAX_FILES = 999;
  static final int MAX_REPOSITORIES = 64;
  static final int MAX_MEMORY_STORES = 8;
  static final String MEMORY_ROOT = "/mnt/memory";
  private static final Set<String> MEMORY_FIELDS =
      Set.of("type", "memory_store_id", "access", "instructions");
  private static final Set<String> FILE_FIELDS = Set.of("type", "file_id", "mount_path");
  private static final Set<String> REPOSITORY_FIELDS =
      Set.of("type", "url", "authorization_token", "mount_path", "checkout");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");
  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{7,64}");

  private final FileService files;
  private final RepositoryUrls urls;
  private final MemoryRepository memories;

  ResourceParser(FileService files, RepositoryUrls urls, MemoryRepository memories) {
    this.files = files;
    this.urls = urls;
    this.memories = memories;
  }

  /** A resource read from a request: its public JSON, and its token (null: none) kept apart. */
  record Parsed(ObjectNode json, String token) {}

  /**
   * The {@code resources} of a create body, every rule checked before anything is stored.
   *
   * @throws ApiError a 400 naming the field ({@code resources[i]...}) and the rule
   */
  List<Parsed> create(String workspaceId, JsonNode body, Instant now) {
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
    int memoryCount = 0;
    for (int i = 0; i < array.size(); i++) {
      String type = array.get(i).path("type").asText();
      if (type.equals(StoredResource.MEMORY_STORE) && ++memoryCount > MAX_MEMORY_STORES) {
        throw ApiError.invalid(
            "resources["
                + i
                + "]: a session has at most "
                + MAX_MEMORY_STORES
                + " memory_store resources");
      }
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
            case StoredResource.MEMORY_STORE -> memoryStore(workspaceId, node, path, now);
            default -> throw unsupportedType(type, path);
          };
      String mountPath = p.json().path("mount_path").asText();
      MountPaths.checkApart(mountPath, taken, path + ".mount_path");
      taken.add(mountPath);
      out.add(p);
    }
    return out;
  }

  static String resourceType(JsonNode node, String path) {
    String p = Fields.path(path, "type");
    if (Fields.isNullOrAbsent(node, "type")) {
      throw ApiError.invalid(p + ": is required");
    }
    return Fields.checkString(node.get("type"), p, 1, 64);
  }

  static ApiError unsupportedType(String type, String path) {
    String p = Fields.path(path, "type");
    return ApiError.invalid(p + ": must be one of file, github_repository, memory_store");
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

  Parsed file(String workspaceId, JsonNode node, String path, Instant now) {
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

  /**
   * A memory store, mounted at {@code /mnt/memory/<slug>}; its name and description are snapshotted
   * now (a later rename does not move the mount).
   */
  private Parsed memoryStore(String workspaceId, JsonNode node, String path, Instant now) {
    knownFields(node, path, MEMORY_FIELDS);
    String idPath = Fields.path(path, "memory_store_id");
    String storeId = Fields.requiredString(node, path, "memory_store_id", 1, 128);
    MemoryStore store =
        memories
            .findStore(workspaceId, storeId)
            .orElseThrow(
                () ->
                    ApiError.invalid(
                        idPath + ": no memory store " + storeId + " in this workspace",
                        "memory_store_not_found"));
    if (store.archivedAt() != null) {
      throw ApiError.invalid(
          idPath + ": memory store " + storeId + " is archived and cannot be attached",
          "memory_store_archived");
    }
    String access =
        Fields.isNullOrAbsent(node, "access")
            ? "read_write"
            : Fields.oneOf(
                Fields.requiredString(node, path, "access", 1, 16),
                Fields.path(path, "access"),
                List.of("read_write", "read_only"));
    String instructions = Fields.optionalString(node, path, "instructions", 0, 4096);
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("id", Ids.next(IdKind.SESSION_RESOURCE)).put("type", StoredResource.MEMORY_STORE);
    json.put("memory_store_id", storeId).put("access", access);
    json.put("instructions", instructions);
    json.put("name", store.name()).put("description", store.description());
    json.put("mount_path", MEMORY_ROOT + "/" + MemoryPaths.slug(store.name()));
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
  static String token(JsonNode node, String path) {
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
