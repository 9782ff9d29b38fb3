package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code agentry memory …}: memory stores, their memories (addressed by path) and version history,
 * over the API of a running server.
 */
@Command(
    name = "memory",
    description = "Memory stores: list and create stores, read and write memories, see versions.",
    mixinStandardHelpOptions = true,
    subcommands = {
      MemoryCommand.Stores.class,
      MemoryCommand.Create.class,
      MemoryCommand.Archive.class,
      MemoryCommand.Delete.class,
      MemoryCommand.Ls.class,
      MemoryCommand.Cat.class,
      MemoryCommand.Put.class,
      MemoryCommand.Rm.class,
      MemoryCommand.Versions.class,
      MemoryCommand.Redact.class
    })
final class MemoryCommand extends ResourceCommands.Group {
  static final String STORES = "/v1/memory_stores";

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static String memories(String store) {
    return STORES + "/" + enc(store) + "/memories";
  }

  /** The memory at exactly {@code path}, or null. */
  static JsonNode at(ApiClient api, String store, String path)
      throws IOException, InterruptedException {
    String folder = path.substring(0, path.lastIndexOf('/') + 1);
    String next = null;
    do {
      JsonNode page =
          api.get(
              memories(store)
                  + "?limit=100&depth=1&path_prefix="
                  + enc(folder)
                  + (next == null ? "" : "&page=" + enc(next)));
      for (JsonNode m : page.path("data")) {
        if (m.path("type").asText().equals("memory") && m.path("path").asText().equals(path)) {
          return m;
        }
      }
      next = page.path("next_page").isTextual() ? page.path("next_page").asText() : null;
    } while (next != null);
    return null;
  }

  @Command(name = "stores", description = "List the memory stores (newest first).")
  static final class Stores extends ClientCommand {
    @Option(names = "--archived", description = "Include archived ones.")
    boolean archived;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode page = api.get(STORES + "?limit=100" + (archived ? "&include_archived=true" : ""));
      if (options.json) {
        out.println(page.toString());
        return 0;
      }
      String format = "%-36s %-28s %-10s %s%n";
      out.printf(format, "ID", "NAME", "STATE", "CREATED");
      for (JsonNode s : page.path("data")) {
        out.printf(
            format,
            s.path("id").asText(),
            s.path("name").asText(),
            s.hasNonNull("archived_at") ? "archived" : "active",
            s.path("created_at").asText());
      }
      return 0;
    }
  }

  @Command(name = "create", description = "Create a memory store.")
  static final class Create extends ClientCommand {
    @Parameters(
        paramLabel = "NAME",
        description = "Its name (the mount folder's slug comes from it).")
    String name;

    @Option(names = "--description", description = "Put in the system prompt of its sessions.")
    String description;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      ObjectNode body = ApiClient.object().put("name", name);
      if (description != null) {
        body.put("description", description);
      }
      JsonNode r = api.post(STORES, body);
      print(r, "Created " + r.path("id").asText());
      return 0;
    }
  }

  @Command(name = "archive", description = "Archive a store (read-only, not attachable).")
  static final class Archive extends ClientCommand {
    @Parameters(paramLabel = "STORE", description = "The store's id.")
    String store;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      print(api.post(STORES + "/" + enc(store) + "/archive", null), "Archived " + store);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a store with its memories and versions.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "STORE", description = "The store's id.")
    String store;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      print(api.delete(STORES + "/" + enc(store)), "Deleted " + store);
      return 0;
    }
  }

  @Command(name = "ls", description = "List a store's memories as a path tree.")
  static final class Ls extends ClientCommand {
    @Parameters(paramLabel = "STORE", description = "The store's id.")
    String store;

    @Option(names = "--prefix", description = "Only under this folder (ends in /; default /).")
    String prefix = "/";

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      String next = null;
      do {
        JsonNode page =
            api.get(
                memories(store)
                    + "?limit=100&path_prefix="
                    + enc(prefix)
                    + (next == null ? "" : "&page=" + enc(next)));
        for (JsonNode m : page.path("data")) {
          if (options.json) {
            out.println(m.toString());
          } else {
            String path = m.path("path").asText();
            int depth = (int) path.chars().filter(c -> c == '/').count() - 1;
            out.printf(
                "%s%s  %d bytes  %s%n",
                "  ".repeat(Math.max(0, depth)),
                path,
                m.path("content_size_bytes").asInt(),
                m.path("id").asText());
          }
        }
        next = page.path("next_page").isTextual() ? page.path("next_page").asText() : null;
      } while (next != null);
      return 0;
    }
  }

  /** A command on the memory at STORE's PATH, which must exist. */
  abstract static class OnAMemory extends ClientCommand {
    @Parameters(index = "0", paramLabel = "STORE", description = "The store's id.")
    String store;

    @Parameters(index = "1", paramLabel = "PATH", description = "The memory's path (/…).")
    String path;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode m = at(api, store, path);
      if (m == null) {
        err.println("agentry: no memory at " + path + " in " + store);
        return 1;
      }
      return run(api, m);
    }

    abstract int run(ApiClient api, JsonNode memory) throws IOException, InterruptedException;
  }

  @Command(name = "cat", description = "Print a memory's content.")
  static final class Cat extends OnAMemory {
    @Override
    int run(ApiClient api, JsonNode m) throws IOException, InterruptedException {
      JsonNode full = api.get(memories(store) + "/" + enc(m.path("id").asText()));
      print(full, full.path("content").asText());
      return 0;
    }
  }

  @Command(
      name = "put",
      description =
          "Write a memory from a file (- for stdin): created, or updated if it is unchanged"
              + " since read.")
  static final class Put extends ClientCommand {
    @Parameters(index = "0", paramLabel = "STORE", description = "The store's id.")
    String store;

    @Parameters(index = "1", paramLabel = "PATH", description = "The memory's path (/…).")
    String path;

    @Parameters(index = "2", paramLabel = "FILE", description = "The content, or - for stdin.")
    String file;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      String content = Problems.read(file, System.in);
      JsonNode current = at(api, store, path);
      ObjectNode body = ApiClient.object().put("content", content);
      JsonNode r;
      if (current == null) {
        r = api.post(memories(store), body.put("path", path));
      } else {
        body.putObject("precondition")
            .put("type", "content_sha256")
            .put("content_sha256", current.path("content_sha256").asText());
        r = api.post(memories(store) + "/" + enc(current.path("id").asText()), body);
      }
      print(r, "Wrote " + path + " (" + r.path("memory_version_id").asText() + ")");
      return 0;
    }
  }

  @Command(name = "rm", description = "Delete a memory (its versions stay).")
  static final class Rm extends OnAMemory {
    @Override
    int run(ApiClient api, JsonNode m) throws IOException, InterruptedException {
      String id = m.path("id").asText();
      print(
          api.delete(
              memories(store)
                  + "/"
                  + enc(id)
                  + "?expected_content_sha256="
                  + m.path("content_sha256").asText()),
          "Deleted " + path);
      return 0;
    }
  }

  @Command(name = "versions", description = "A store's version history (newest first).")
  static final class Versions extends ClientCommand {
    @Parameters(paramLabel = "STORE", description = "The store's id.")
    String store;

    @Option(names = "--memory", description = "Only this memory's (its id).")
    String memory;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode page =
          api.get(
              STORES
                  + "/"
                  + enc(store)
                  + "/memory_versions?limit=100"
                  + (memory == null ? "" : "&memory_id=" + enc(memory)));
      if (options.json) {
        out.println(page.toString());
        return 0;
      }
      String format = "%-36s %-9s %-44s %-30s %s%n";
      out.printf(format, "ID", "OPERATION", "BY", "PATH", "CREATED");
      for (JsonNode v : page.path("data")) {
        JsonNode by = v.path("created_by");
        String actor = by.path("type").asText() + ":" + idOf(by);
        String path = v.hasNonNull("redacted_at") ? "(redacted)" : v.path("path").asText();
        out.printf(
            format,
            v.path("id").asText(),
            v.path("operation").asText(),
            actor,
            path,
            v.path("created_at").asText());
      }
      return 0;
    }

    private static String idOf(JsonNode actor) {
      for (String f : new String[] {"session_id", "api_key_id", "user_id", "service_account_id"}) {
        if (actor.path(f).isTextual()) {
          return actor.path(f).asText();
        }
      }
      return "-";
    }
  }

  @Command(
      name = "redact",
      description = "Blank a version's content and path (not the current one).")
  static final class Redact extends ClientCommand {
    @Parameters(index = "0", paramLabel = "STORE", description = "The store's id.")
    String store;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The version's id (memver_…).")
    String version;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r =
          api.post(
              STORES + "/" + enc(store) + "/memory_versions/" + enc(version) + "/redact", null);
      print(r, "Redacted " + version);
      return 0;
    }
  }
}
