package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code agentry environments key ENV_ID}: a new key for a {@code self_hosted} environment's
 * workers, printed once (the server keeps only its hash); {@code --list} and {@code --revoke}
 * manage the existing ones (docs/decisions/0038).
 */
@Command(
    name = "key",
    description =
        "Create a worker key for a self_hosted environment (printed once), or list or revoke its"
            + " keys.")
final class EnvironmentKeyCommand extends ClientCommand {
  @Parameters(paramLabel = "ENV_ID", description = "The self_hosted environment.")
  String environment;

  @Option(names = "--name", description = "A name to recognise the key by.")
  String name;

  @Option(names = "--list", description = "List the environment's keys (never their secrets).")
  boolean list;

  @Option(names = "--revoke", paramLabel = "KEY_ID", description = "Revoke this key.")
  String revoke;

  @Override
  int run(ApiClient api) throws IOException, InterruptedException {
    String path =
        "/v1/agentry/environments/" + ResourceCommands.ResourceCommand.enc(environment) + "/keys";
    if (list) {
      JsonNode page = api.get(path);
      if (options.json) {
        out.println(page.toString());
        return 0;
      }
      String format = "%-30s %-20s %-28s %s%n";
      out.printf(format, "ID", "NAME", "CREATED", "REVOKED");
      for (JsonNode k : page.path("data")) {
        out.printf(
            format,
            k.path("id").asText(),
            k.path("name").asText("-"),
            k.path("created_at").asText(),
            k.path("revoked_at").asText("-"));
      }
      return 0;
    }
    if (revoke != null) {
      JsonNode r = api.delete(path + "/" + ResourceCommands.ResourceCommand.enc(revoke));
      print(r, "Revoked " + revoke);
      return 0;
    }
    var body = Json.mapper().createObjectNode();
    if (name != null) {
      body.put("name", name);
    }
    JsonNode created = api.post(path, body);
    print(
        created,
        created.path("key").asText()
            + "\n(key "
            + created.path("id").asText()
            + ": shown only now; workers poll "
            + environment
            + " with it)");
    return 0;
  }
}
