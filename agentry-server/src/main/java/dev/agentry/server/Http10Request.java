package dev.agentry.server;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.http1.Http1Config;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Reads one HTTP/1.0 request as the HTTP/1.1 request that means the same: the request line says
 * {@code HTTP/1.1}, a {@code Host} is supplied when the client sent none (HTTP/1.0 does not require
 * it, HTTP/1.1 does), {@code Connection: close} replaces the client's {@code Connection} (one
 * request per connection, so the response may end at the close), and {@code Expect} is dropped (a
 * server must not send {@code 100 Continue} to an HTTP/1.0 client). The body and anything after it
 * pass unchanged.
 */
final class Http10Request {
  private Http10Request() {}

  /**
   * A reader of the rewritten request over {@code socket}, whose request line is HTTP/1.0. Once
   * {@code answered}, it reports the end of input: Helidon does not close a connection after a
   * {@code Connection: close} response but waits for the next request, and an HTTP/1.0 client waits
   * for the close that ends a body without a length.
   */
  static DataReader reader(
      DataReader socket, PeerInfo local, Http1Config config, BooleanSupplier answered) {
    byte[] head = rewriteHead(socket, local, config);
    return DataReader.create(
        new Supplier<>() {
          private boolean headSent;

          @Override
          public byte[] get() {
            if (!headSent) {
              headSent = true;
              return head;
            }
            if (answered.getAsBoolean()) {
              return null;
            }
            socket.ensureAvailable();
            return socket.readBytes(socket.available());
          }
        });
  }

  /**
   * Consumes the request line and headers from {@code socket} and returns them rewritten. When the
   * header block is malformed or cut short, the lines read so far are returned and the rest passes
   * as it came, so that Helidon's parser answers the malformed request as it would any other.
   */
  private static byte[] rewriteHead(DataReader socket, PeerInfo local, Http1Config config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String requestLine = line(socket, config.maxPrologueLength());
    write(out, requestLine.substring(0, requestLine.length() - "1.0".length()) + "1.1");
    boolean host = false;
    int budget = config.maxHeadersSize();
    try {
      while (true) {
        String header = line(socket, budget);
        budget -= header.length() + 2;
        if (header.isEmpty()) {
          break;
        }
        String name = header.split(":", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (name.equals("connection") || name.equals("expect") || name.equals("keep-alive")) {
          continue;
        }
        host |= name.equals("host");
        write(out, header);
      }
    } catch (RuntimeException e) {
      return out.toByteArray();
    }
    if (!host) {
      String address = local.host().contains(":") ? "[" + local.host() + "]" : local.host();
      write(out, "Host: " + address + ":" + local.port());
    }
    write(out, "Connection: close");
    write(out, "");
    return out.toByteArray();
  }

  /** The next line without its CRLF; throws when there is none within {@code max} bytes. */
  private static String line(DataReader socket, int max) {
    int eol = socket.findNewLine(Math.max(max, 0));
    if (eol >= max) {
      throw new IllegalArgumentException("line too long");
    }
    String line = new String(socket.readBytes(eol), StandardCharsets.ISO_8859_1);
    socket.skip(2);
    return line;
  }

  private static void write(ByteArrayOutputStream out, String line) {
    out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(new byte[] {'\r', '\n'});
  }
}
