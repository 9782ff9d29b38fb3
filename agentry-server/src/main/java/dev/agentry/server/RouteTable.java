package dev.agentry.server;

import io.helidon.common.uri.UriPath;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API's routes as registered, remembered by path pattern and method, so that a request for a
 * known path with another method is a 405 naming the allowed ones rather than a 404. Route groups
 * register through it; it passes every rule on to the routing unchanged.
 */
final class RouteTable implements HttpRules {
  private final HttpRouting.Builder routing;
  private final Map<String, Entry> byPattern = new LinkedHashMap<>();

  private record Entry(PathMatcher matcher, Set<Method> methods) {}

  RouteTable(HttpRouting.Builder routing) {
    this.routing = routing;
  }

  @Override
  public HttpRules route(Method method, String pathPattern, Handler handler) {
    byPattern
        .computeIfAbsent(pathPattern, p -> new Entry(PathMatchers.create(p), new LinkedHashSet<>()))
        .methods()
        .add(method);
    routing.route(method, pathPattern, handler);
    return this;
  }

  // Services and prebuilt routes keep their paths to themselves, so they are passed on without an
  // entry: a wrong method on their paths is a 404, as for the console's static files.

  @Override
  public HttpRules register(HttpService... services) {
    routing.register(services);
    return this;
  }

  @Override
  public HttpRules register(String pathPattern, HttpService... services) {
    routing.register(pathPattern, services);
    return this;
  }

  @Override
  public HttpRules route(HttpRoute route) {
    routing.route(route);
    return this;
  }

  /** The methods some route accepts on {@code path}; empty when no route has that path. */
  Set<Method> allowed(UriPath path) {
    Set<Method> out = new LinkedHashSet<>();
    for (Entry e : byPattern.values()) {
      if (e.matcher().match(path).accepted()) {
        out.addAll(e.methods());
      }
    }
    return out;
  }

  /**
   * The answer to a request no route took: a 405 with {@code Allow} when the path is known, else a
   * 404.
   */
  void unrouted(ServerRequest req, ServerResponse res) {
    String what = req.prologue().method().text() + " " + req.path().path();
    Set<Method> methods = allowed(req.path());
    if (methods.isEmpty()) {
      throw ApiError.notFound("no route for " + what);
    }
    String allow = String.join(", ", methods.stream().map(Method::text).toList());
    res.header(HeaderNames.ALLOW, allow);
    throw ApiError.methodNotAllowed("method not allowed: " + what + "; allowed: " + allow);
  }

  /** Every registered pattern with its methods, in registration order (for tests). */
  List<Map.Entry<String, Set<Method>>> routes() {
    List<Map.Entry<String, Set<Method>>> out = new ArrayList<>();
    byPattern.forEach((p, e) -> out.add(Map.entry(p, Set.copyOf(e.methods()))));
    return out;
  }
}
