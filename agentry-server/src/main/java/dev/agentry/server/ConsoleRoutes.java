package dev.agentry.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;

/**
 * The web console: static files under {@code /} (the classpath folder {@code console}), with no
 * build step. The page holds no secret of its own: it calls the public API with the key the user
 * types in, so it can do exactly what that key may do. Its responses forbid framing and any script,
 * style or connection that is not this server's, so a message rendered in the timeline cannot run.
 * {@link KeyRoutes} tells it what the key it holds may do.
 */
final class ConsoleRoutes {
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
          + "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
          + "frame-ancestors 'none'";

  /** Registers the console's filter and files (a service, so not through the RouteTable). */
  void register(HttpRouting.Builder routing) {
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
