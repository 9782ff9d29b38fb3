package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;

/**
 * One of a session's resources as the session record keeps it (its public JSON, which never holds a
 * token), read back by field.
 */
record StoredResource(JsonNode json) {
  static final String FILE = "file";
  static final String REPOSITORY = "github_repository";
  static final String MEMORY_STORE = "memory_store";

  String id() {
    return json.path("id").asText();
  }

  String type() {
    return json.path("type").asText();
  }

  boolean isFile() {
    return FILE.equals(type());
  }

  boolean isRepository() {
    return REPOSITORY.equals(type());
  }

  boolean isMemoryStore() {
    return MEMORY_STORE.equals(type());
  }

  String memoryStoreId() {
    return json.path("memory_store_id").asText();
  }

  /** Whether a memory store is mounted read-only. */
  boolean readOnly() {
    return "read_only".equals(json.path("access").asText());
  }

  String mountPath() {
    return json.path("mount_path").asText();
  }

  String fileId() {
    return json.path("file_id").asText();
  }

  URI url() {
    return URI.create(json.path("url").asText());
  }

  /** The branch to check out, or null. */
  String branch() {
    JsonNode c = json.path("checkout");
    return "branch".equals(c.path("type").asText()) ? c.path("name").asText() : null;
  }

  /** The commit to check out, or null. */
  String commit() {
    JsonNode c = json.path("checkout");
    return "commit".equals(c.path("type").asText()) ? c.path("sha").asText() : null;
  }
}
