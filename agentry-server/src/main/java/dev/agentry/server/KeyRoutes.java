package dev.agentry.server;

import dev.agentry.core.Json;
import io.helidon.webserver.http.HttpRules;

/**
 * {@value #KEY_PATH} (an Agentry extension, like {@code /v1/agentry/usage}): what the calling key
 * may do, so that the console shows a {@code read_only} key no button it would be refused
 * (docs/decisions/0022-console-states-and-cli-messages.md).
 */
final class KeyRoutes implements Api.Routes {
  static final String KEY_PATH = "/v1/agentry/key";

  @Override
  public void register(HttpRules routing) {
    routing.get(
        KEY_PATH,
        (req, res) -> {
          Caller c = Caller.of(req);
          Http.ok(
              res,
              Json.mapper()
                  .createObjectNode()
                  .put("type", "api_key")
                  .put("id", c.keyId())
                  .put("role", c.role())
                  .put("workspace_id", c.workspaceId()));
        });
  }
}
