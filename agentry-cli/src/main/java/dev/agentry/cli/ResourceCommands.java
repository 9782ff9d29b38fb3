package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code agentry agents|environments|sessions|vaults list|get|create|archive|delete}: the API's
 * resources over HTTP. The parent command's name is the resource's path under {@code /v1}.
 */
final class ResourceCommands {
  private ResourceCommands() {}

  /** Prints usage when given no subcommand. */
  abstract static class Group implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "agents",
      description = "List, show, create and archive agents (on a running server).",
      mixinStandardHelpOptions = true,
      subcommands = {ListCmd.class, GetCmd.class, CreateCmd.class, ArchiveCmd.class})
  static final class Agents extends Group {}

  @Command(
      name = "environments",
      description = "List, show, create, archive and delete environments.",
      mixinStandardHelpOptions = true,
      subcommands = {
        ListCmd.class,
        GetCmd.class,
        CreateCmd.class,
        ArchiveCmd.class,
        DeleteCmd.class,
        EnvironmentKeyCommand.class
      })
  static final class Environments extends Group {}

  @Command(
      name = "sessions",
      description = "List, show, create, archive and delete sessions.",
      mixinStandardHelpOptions = true,
      subcommands = {
        ListCmd.class,
        GetCmd.class,
        CreateCmd.class,
        ArchiveCmd.class,
        DeleteCmd.class
      })
  static final class Sessions extends Group {}

  @Command(
      name = "vaults",
      description = "List, show, create, archive and delete vaults.",
      mixinStandardHelpOptions = true,
      subcommands = {
        ListCmd.class,
        GetCmd.class,
        CreateCmd.class,
        ArchiveCmd.class,
        DeleteCmd.class
      })
  static final class Vaults extends Group {}

  /** A command on one resource type, named by its parent command. */
  abstract static class ResourceCommand extends ClientCommand {
    String resource() {
      return spec.parent().name();
    }

    String path() {
      return "/v1/" + resource();
    }

    static String enc(String id) {
      return URLEncoder.encode(id, StandardCharsets.UTF_8);
    }
  }

  @Command(name = "list", description = "List (newest first).")
  static final class ListCmd extends ResourceCommand {
    @Option(names = "--limit", description = "At most this many (default 100).")
    int limit = 100;

    @Option(names = "--archived", description = "Include archived ones.")
    boolean archived;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode page =
          api.get(path() + "?limit=" + limit + (archived ? "&include_archived=true" : ""));
      if (options.json) {
        out.println(page.toString());
        return 0;
      }
      String format = "%-36s %-28s %-12s %s%n";
      out.printf(format, "ID", "NAME", "STATE", "CREATED");
      for (JsonNode r : page.path("data")) {
        out.printf(format, r.path("id").asText(), name(r), state(r), r.path("created_at").asText());
      }
      return 0;
    }

    static String name(JsonNode r) {
      for (String f : new String[] {"name", "display_name", "title"}) {
        if (r.path(f).isTextual() && !r.path(f).asText().isEmpty()) {
          return r.path(f).asText();
        }
      }
      return "-";
    }

    static String state(JsonNode r) {
      if (r.hasNonNull("archived_at")) {
        return "archived";
      }
      return r.path("status").isTextual() ? r.path("status").asText() : "active";
    }
  }

  @Command(name = "get", description = "Show one (pretty JSON; --json for one line).")
  static final class GetCmd extends ResourceCommand {
    @Parameters(paramLabel = "ID", description = "Its id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r = api.get(path() + "/" + enc(id));
      print(r, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
      return 0;
    }
  }

  @Command(
      name = "create",
      description = "Create one from a JSON or YAML file (the API's create body; - for stdin).")
  static final class CreateCmd extends ResourceCommand {
    @Parameters(paramLabel = "FILE", description = "A .json, .yaml or .yml file, or -.")
    String file;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode body = Problems.parse(file, Problems.read(file, System.in));
      if (body == null || !body.isObject()) {
        throw new IllegalArgumentException(
            (file.equals("-") ? "stdin" : file) + " must hold one object (the create body)");
      }
      JsonNode r = api.post(path(), body);
      print(r, "Created " + r.path("id").asText());
      return 0;
    }
  }

  @Command(name = "archive", description = "Archive one (read-only from then on).")
  static final class ArchiveCmd extends ResourceCommand {
    @Parameters(paramLabel = "ID", description = "Its id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r = api.post(path() + "/" + enc(id) + "/archive", null);
      print(r, "Archived " + id);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete one.")
  static final class DeleteCmd extends ResourceCommand {
    @Parameters(paramLabel = "ID", description = "Its id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r = api.delete(path() + "/" + enc(id));
      print(r, "Deleted " + id);
      return 0;
    }
  }
}
