package dev.agentry.server;

import dev.agentry.core.Session;
import dev.agentry.core.SystemPrompt;
import java.util.List;

/**
 * The system prompt of a session that mounts memory stores: the agent's own, then a short section
 * per mount (name, path, access, the store's description and the resource's instructions), as the
 * store was when the session attached it.
 */
final class MemoryPrompt implements SystemPrompt {
  @Override
  public String of(Session session) {
    String agent = session.agent().spec().system();
    List<StoredResource> mounts =
        session.resources().stream()
            .map(StoredResource::new)
            .filter(StoredResource::isMemoryStore)
            .toList();
    if (mounts.isEmpty()) {
      return agent;
    }
    StringBuilder out = new StringBuilder();
    if (agent != null && !agent.isBlank()) {
      out.append(agent).append("\n\n");
    }
    out.append("# Memory\n")
        .append(
            "Memory stores are mounted as folders. What you write in a read-write one is kept"
                + " after this session and seen by later sessions; use your ordinary file tools"
                + " and bash. Each file holds up to 100 KB of UTF-8 text.\n");
    for (StoredResource r : mounts) {
      out.append("\n## ").append(r.json().path("name").asText()).append('\n');
      out.append("- Path: ").append(r.mountPath()).append('\n');
      out.append("- Access: ")
          .append(r.readOnly() ? "read_only (you can read it, not change it)" : "read_write")
          .append('\n');
      String description = r.json().path("description").asText("");
      if (!description.isBlank()) {
        out.append("- Description: ").append(description).append('\n');
      }
      String instructions = r.json().path("instructions").asText("");
      if (!instructions.isBlank()) {
        out.append("- Instructions: ").append(instructions).append('\n');
      }
    }
    return out.toString();
  }
}
