package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentry deployments ls|run|pause|unpause}: scheduled deployments on a running server. */
@Command(
    name = "deployments",
    description = "List deployments, run one now, pause or unpause its schedule.",
    mixinStandardHelpOptions = true,
    subcommands = {
      DeploymentsCommand.Ls.class,
      DeploymentsCommand.Run.class,
      DeploymentsCommand.Pause.class,
      DeploymentsCommand.Unpause.class
    })
final class DeploymentsCommand extends ResourceCommands.Group {
  private static String enc(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  @Command(name = "ls", description = "List deployments (newest first) and their next run.")
  static final class Ls extends ClientCommand {
    @Option(names = "--limit", description = "At most this many (default 100).")
    int limit = 100;

    @Option(names = "--archived", description = "Include archived ones.")
    boolean archived;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode page =
          api.get("/v1/deployments?limit=" + limit + (archived ? "&include_archived=true" : ""));
      if (options.json) {
        out.println(page.toString());
        return 0;
      }
      String format = "%-28s %-24s %-8s %-22s %s%n";
      out.printf(format, "ID", "NAME", "STATUS", "SCHEDULE", "NEXT RUN");
      for (JsonNode d : page.path("data")) {
        JsonNode schedule = d.path("schedule");
        JsonNode upcoming = schedule.path("upcoming_runs_at");
        out.printf(
            format,
            d.path("id").asText(),
            d.path("name").asText(),
            d.path("archived_at").isNull() ? d.path("status").asText() : "archived",
            schedule.isObject()
                ? schedule.path("expression").asText() + " " + schedule.path("timezone").asText()
                : "-",
            upcoming.isEmpty() ? "-" : upcoming.get(0).asText());
      }
      return 0;
    }
  }

  @Command(name = "run", description = "Run a deployment now (also while paused).")
  static final class Run extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode run = api.post("/v1/deployments/" + enc(id) + "/run", null);
      JsonNode error = run.path("error");
      if (error.isObject()) {
        print(
            run,
            "Run "
                + run.path("id").asText()
                + " failed: "
                + error.path("type").asText()
                + ": "
                + error.path("message").asText());
        return 1;
      }
      print(
          run,
          "Run " + run.path("id").asText() + " started session " + run.path("session_id").asText());
      return 0;
    }
  }

  @Command(name = "pause", description = "Pause a deployment's schedule.")
  static final class Pause extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode d = api.post("/v1/deployments/" + enc(id) + "/pause", null);
      print(d, "Paused " + d.path("id").asText());
      return 0;
    }
  }

  @Command(
      name = "unpause",
      description = "Resume a deployment's schedule from its next occurrence (no backfill).")
  static final class Unpause extends ClientCommand {
    @Parameters(paramLabel = "DEPLOYMENT", description = "The deployment's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode d = api.post("/v1/deployments/" + enc(id) + "/unpause", null);
      JsonNode upcoming = d.path("schedule").path("upcoming_runs_at");
      print(
          d,
          "Unpaused "
              + d.path("id").asText()
              + (upcoming.isEmpty() ? "" : "; next run at " + upcoming.get(0).asText()));
      return 0;
    }
  }
}
