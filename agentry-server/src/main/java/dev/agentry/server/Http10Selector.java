package dev.agentry.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Serves HTTP/1.0 as well as HTTP/1.1. Helidon 4 answers every HTTP/1.0 request with an empty 505,
 * and nginx proxies with HTTP/1.0 unless told otherwise, so a stock reverse proxy would fail every
 * call. An HTTP/1.0 request is handed to Helidon's HTTP/1.1 connection as the equivalent HTTP/1.1
 * request ({@link Http10Request}: version rewritten, {@code Host} supplied if absent, {@code
 * Connection: close}, no {@code Expect}), and its response is written without chunked framing
 * ({@link UnchunkingWriter}), which an HTTP/1.0 client cannot read: the body then ends where the
 * connection closes. Every other connection goes to Helidon's connection unchanged.
 *
 * <p>This selector accepts every connection and decides when it has read the request line, so that
 * a request line split over several packets is never mistaken for another protocol. Its HTTP/1.1
 * connections have no protocol upgraders: the server has no HTTP/2 or WebSocket module. See ADR
 * 0025.
 */
final class Http10Selector implements ServerConnectionSelector {
  private static final byte[] HTTP_1_0 = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

  private final Http1Config config;
  private final Http1ConnectionSelector http1;

  Http10Selector(Http1Config config) {
    this.config = config;
    this.http1 = Http1ConnectionSelector.builder().config(config).build();
  }

  @Override
  public int bytesToIdentifyConnection() {
    return 0;
  }

  @Override
  public Support supports(BufferData data) {
    return Support.SUPPORTED;
  }

  @Override
  public Set<String> supportedApplicationProtocols() {
    return Set.of();
  }

  @Override
  public ServerConnection connection(ConnectionContext ctx) {
    if (!isHttp10(ctx.dataReader())) {
      return http1.connection(ctx);
    }
    return http1.connection(new Http10Context(ctx, config));
  }

  /**
   * Whether the request line (waited for, not consumed) ends with {@code HTTP/1.0}. A line that
   * cannot be read is left to Helidon's connection, which answers it with a 400 or closes.
   */
  private boolean isHttp10(DataReader reader) {
    try {
      int eol = reader.findNewLine(config.maxPrologueLength());
      if (eol < HTTP_1_0.length || eol >= config.maxPrologueLength()) {
        return false;
      }
      byte[] line = new byte[eol];
      reader.getBuffer(eol).read(line);
      for (int i = 0; i < HTTP_1_0.length; i++) {
        if (line[eol - HTTP_1_0.length + i] != HTTP_1_0[i]) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
