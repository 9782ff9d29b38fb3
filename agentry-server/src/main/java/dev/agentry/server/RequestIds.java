package dev.agentry.server;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/** Gives every response a {@code request-id} header, set before any handler can fail. */
final class RequestIds implements Filter {
  static final HeaderName REQUEST_ID = HeaderNames.create("request-id");

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    res.header(REQUEST_ID, Ids.next(IdKind.REQUEST));
    chain.proceed();
  }
}
