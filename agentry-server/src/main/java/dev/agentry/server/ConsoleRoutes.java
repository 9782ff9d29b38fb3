package dev.agentry.server;

import dev.agentry.core.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;

/**
 * The web console: static files under {@code /} (the classpath folder {@code console}), with no
 * build step. The page holds no secret of its own: it calls the public API with the key the user
 * types in, so it can do exactly what that key may do. Its responses forbid framing and any script,
 * style or connection that is not this server's, so a message rendered in the timeline cannot run.
 *
 * <p>{@value #KEY_PATH} (an Agentry extension, like {@code /v1/agentry/usage}) tells the page what
 * the key it holds may do, so that a {@code read_only} key is shown no button it would be refused
 * (docs/decisions/0022-console-states.md).
 */
final class ConsoleRoutes implements Api.Routes {
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
          + "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
          + "frame-ancestors 'none'";

  static final String KEY_PATH = "/v1/agentry/key";

  @Override
  public void register(HttpRouting.Builder routing) {
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
    routing.addFilter(
        (chain, req, res) -> {
          String path = req.path().path();
          if (!path.startsWith("/v1/") && !path.equals("/metrics")) {
            res.header(HeaderNames.create("Content-Security-Policy"), CONTENT_SECURITY_POLICY);
            res.header(HeaderNames.create("X-Frame-Options"), "DENY");
            res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
          }
          res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
          chain.proceed();
        });
    routing.register(
        "/",
        StaticContentFeature.createService(
            ClasspathHandlerConfig.builder().location("console").welcome("index.html").build()));
  }
}
