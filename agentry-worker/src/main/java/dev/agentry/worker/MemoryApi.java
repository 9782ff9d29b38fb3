package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryFolder;
import dev.agentry.core.MemoryRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One memory store as the public memories API shows it to the work item's token: the store's side
 * of a worker's {@link MemoryFolder} sync. Listings are {@code view=basic} (path and hash, 100 a
 * page); a memory's content is read on its own. The API's 409s and refusals become the exceptions
 * the sync branches on.
 */
final class MemoryApi implements MemoryFolder.Remote {
  private final WorkApi api;
  private final String credential;
  private final String storeId;

  MemoryApi(WorkApi api, String credential, String storeId) {
    this.api = api;
    this.credential = credential;
    this.storeId = storeId;
  }

  @Override
  public List<Memory> list() {
    List<Memory> out = new ArrayList<>();
    String page = null;
    do {
      JsonNode body =
          api.get(
              credential,
              memories("?view=basic&limit=100" + (page == null ? "" : "&page=" + enc(page))));
      for (JsonNode m : body.path("data")) {
        if ("memory".equals(m.path("type").asText())) {
          out.add(memory(m));
        }
      }
      JsonNode next = body.path("next_page");
      page = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
    } while (page != null);
    return out;
  }

  @Override
  public Optional<String> content(Memory m) {
    if (m.content() != null) {
      return Optional.of(m.content());
    }
    try {
      JsonNode full = api.get(credential, memories("/" + enc(m.id())));
      JsonNode content = full.path("content");
      return content.isTextual() ? Optional.of(content.asText()) : Optional.empty();
    } catch (ApiError e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public Optional<Memory> findByPath(String path) {
    return list().stream().filter(m -> m.path().equals(path)).findFirst();
  }

  @Override
  public Memory create(String path, String content) {
    ObjectNode body = WorkApi.JSON.createObjectNode().put("path", path).put("content", content);
    return write(() -> memory(api.post("create memory", credential, memories(""), body)));
  }

  @Override
  public Memory update(Memory m, String content, String expectedSha256) {
    ObjectNode body = WorkApi.JSON.createObjectNode().put("content", content);
    // The hash last agreed with the store: a write made elsewhere since is a 409, never lost.
    body.putObject("precondition")
        .put("type", "content_sha256")
        .put("content_sha256", expectedSha256);
    return write(
        () -> memory(api.post("update memory", credential, memories("/" + enc(m.id())), body)));
  }

  @Override
  public void delete(Memory m, String expectedSha256) {
    try {
      write(
          () -> {
            api.delete(
                credential,
                memories("/" + enc(m.id()) + "?expected_content_sha256=" + enc(expectedSha256)));
            return m;
          });
    } catch (ApiError e) {
      if (e.status() != 404) {
        throw e; // a memory deleted meanwhile is what this delete wanted
      }
    }
  }

  /** Runs a write, turning the API's answers into what the sync branches on. */
  private static Memory write(Supplier<Memory> call) {
    try {
      return call.get();
    } catch (ApiError e) {
      switch (e.type()) {
        case "memory_precondition_failed_error" ->
            throw new MemoryRepository.PreconditionFailed(e.getMessage());
        case "memory_path_conflict_error" ->
            throw new MemoryRepository.PathConflict(e.getMessage(), "", "");
        case "memory_store_full" -> throw new MemoryRepository.StoreFull(e.getMessage());
        default -> {
          if (e.status() == 400 || e.status() == 413) {
            throw new MemoryFolder.Refused(e.getMessage());
          }
          throw e;
        }
      }
    }
  }

  private Memory memory(JsonNode m) {
    return new Memory(
        m.path("id").asText(),
        storeId,
        m.path("path").asText(),
        m.path("content").isTextual() ? m.path("content").asText() : null,
        m.path("content_sha256").asText(),
        m.path("content_size_bytes").asInt(),
        m.path("memory_version_id").asText(null),
        null,
        null);
  }

  private String memories(String rest) {
    return "/v1/memory_stores/" + enc(storeId) + "/memories" + rest;
  }

  private static String enc(String s) {
    return WorkApi.encode(s);
  }
}
