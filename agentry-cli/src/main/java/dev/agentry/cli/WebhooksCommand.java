package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code agentry webhooks …}: webhook endpoints ({@code /v1/agentry/webhooks}) over the API of a
 * running server.
 */
@Command(
    name = "webhooks",
    description = "Webhook endpoints: list, create (prints the signing secret once), test, remove.",
    mixinStandardHelpOptions = true,
    subcommands = {
      WebhooksCommand.Ls.class,
      WebhooksCommand.Create.class,
      WebhooksCommand.Rm.class,
      WebhooksCommand.Test.class,
      WebhooksCommand.Enable.class,
      WebhooksCommand.Disable.class
    })
final class WebhooksCommand extends ResourceCommands.Group {
  static final String PATH = "/v1/agentry/webhooks";

  @Command(name = "ls", description = "List the webhook endpoints.")
  static final class Ls extends ClientCommand {
    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode page = api.get(PATH);
      if (options.json) {
        out.println(page.toString());
        return 0;
      }
      String format = "%-28s %-9s %-44s %s%n";
      out.printf(format, "ID", "STATE", "URL", "TYPES");
      for (JsonNode w : page.path("data")) {
        String state =
            w.path("enabled").asBoolean()
                ? "enabled"
                : "disabled (" + w.path("disabled_reason").asText("") + ")";
        List<String> types = new java.util.ArrayList<>();
        w.path("types").forEach(t -> types.add(t.asText()));
        out.printf(
            format, w.path("id").asText(), state, w.path("url").asText(), String.join(",", types));
      }
      return 0;
    }
  }

  @Command(
      name = "create",
      description = "Register an endpoint; prints its signing secret (whsec_…), shown only once.")
  static final class Create extends ClientCommand {
    @Parameters(paramLabel = "URL", description = "Where to POST the events (http or https).")
    String url;

    @Option(
        names = {"-t", "--type"},
        required = true,
        paramLabel = "TYPE",
        description = "An event type to deliver (repeatable), e.g. session.status_idled.")
    List<String> types;

    @Option(names = "--description", description = "A note for people.")
    String description;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      ObjectNode body = ApiClient.object().put("url", url);
      ArrayNode list = body.putArray("types");
      types.forEach(list::add);
      if (description != null) {
        body.put("description", description);
      }
      JsonNode r = api.post(PATH, body);
      print(
          r,
          "Created "
              + r.path("id").asText()
              + "\nSigning secret (shown once; keep it to verify deliveries): "
              + r.path("secret").asText());
      return 0;
    }
  }

  @Command(name = "rm", description = "Delete an endpoint and the deliveries it is owed.")
  static final class Rm extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The endpoint's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      print(api.delete(PATH + "/" + MemoryCommand.enc(id)), "Deleted " + id);
      return 0;
    }
  }

  @Command(name = "test", description = "Send a signed webhook.test event now and show the answer.")
  static final class Test extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The endpoint's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r = api.post(PATH + "/" + MemoryCommand.enc(id) + "/test", null);
      boolean ok = r.path("success").asBoolean();
      print(
          r,
          (ok ? "Delivered " : "Failed ")
              + r.path("event_id").asText()
              + (r.hasNonNull("status_code") ? " (HTTP " + r.path("status_code").asInt() + ")" : "")
              + (r.hasNonNull("error") ? ": " + r.path("error").asText() : ""));
      return ok ? 0 : 1;
    }
  }

  @Command(name = "enable", description = "Re-enable an endpoint (its failure count starts over).")
  static final class Enable extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The endpoint's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r =
          api.post(PATH + "/" + MemoryCommand.enc(id), ApiClient.object().put("enabled", true));
      print(r, "Enabled " + id);
      return 0;
    }
  }

  @Command(name = "disable", description = "Stop deliveries to an endpoint (they wait).")
  static final class Disable extends ClientCommand {
    @Parameters(paramLabel = "ID", description = "The endpoint's id.")
    String id;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r =
          api.post(PATH + "/" + MemoryCommand.enc(id), ApiClient.object().put("enabled", false));
      print(r, "Disabled " + id);
      return 0;
    }
  }
}
