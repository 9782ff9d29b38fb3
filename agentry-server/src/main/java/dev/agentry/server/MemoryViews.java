package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.MemoryVersion;
import dev.agentry.core.Timestamps;

/** The memories API's JSON, in the field names the official SDKs read. */
final class MemoryViews {
  private MemoryViews() {}

  static ObjectNode store(MemoryStore s) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "memory_store").put("id", s.id());
    n.put("name", s.name()).put("description", s.description());
    n.set("metadata", Json.mapper().valueToTree(s.metadata()));
    n.put("created_at", Timestamps.format(s.createdAt()));
    n.put("updated_at", Timestamps.format(s.updatedAt()));
    n.put("archived_at", s.archivedAt() == null ? null : Timestamps.format(s.archivedAt()));
    return n;
  }

  /** With {@code full}, the content too; a basic view has {@code content: null}. */
  static ObjectNode memory(Memory m, boolean full) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "memory").put("id", m.id());
    n.put("memory_store_id", m.storeId()).put("path", m.path());
    n.put("content", full ? m.content() : null);
    n.put("content_sha256", m.contentSha256()).put("content_size_bytes", m.contentSizeBytes());
    n.put("memory_version_id", m.versionId());
    n.put("created_at", Timestamps.format(m.createdAt()));
    n.put("updated_at", Timestamps.format(m.updatedAt()));
    return n;
  }

  static ObjectNode prefix(String path) {
    return Json.mapper().createObjectNode().put("type", "memory_prefix").put("path", path);
  }

  static ObjectNode version(MemoryVersion v, boolean full) {
    ObjectNode n = Json.mapper().createObjectNode().put("type", "memory_version").put("id", v.id());
    n.put("memory_id", v.memoryId()).put("memory_store_id", v.storeId());
    n.put("operation", v.operation());
    n.put("content", full ? v.content() : null);
    n.put("content_sha256", v.contentSha256());
    if (v.contentSizeBytes() == null) {
      n.putNull("content_size_bytes");
    } else {
      n.put("content_size_bytes", v.contentSizeBytes());
    }
    n.put("path", v.path());
    n.set("created_by", actor(v.createdBy()));
    n.put("redacted_at", v.redactedAt() == null ? null : Timestamps.format(v.redactedAt()));
    n.set("redacted_by", v.redactedBy() == null ? null : actor(v.redactedBy()));
    n.put("created_at", Timestamps.format(v.createdAt()));
    return n;
  }

  static ObjectNode actor(MemoryActor a) {
    String idField =
        switch (a.type()) {
          case MemoryActor.SESSION -> "session_id";
          case MemoryActor.API -> "api_key_id";
          case "user_actor" -> "user_id";
          default -> "service_account_id";
        };
    return Json.mapper().createObjectNode().put("type", a.type()).put(idField, a.id());
  }
}
