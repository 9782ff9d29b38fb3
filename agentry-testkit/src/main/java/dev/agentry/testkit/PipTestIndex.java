package dev.agentry.testkit;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A pip "simple" index on loopback serving one pure-Python wheel built here, for tests on machines
 * where PyPI is unreachable: {@code pip install --index-url URL agentry-hello} installs a module
 * {@code agentry_hello} whose {@code GREETING} is {@link #GREETING}, and a console script {@code
 * agentry-hello} that prints it.
 */
public final class PipTestIndex implements AutoCloseable {
  public static final String PACKAGE = "agentry-hello";
  public static final String GREETING = "hello from a wheel on the loopback index";
  private static final String WHEEL = "agentry_hello-1.0-py3-none-any.whl";

  private final HttpServer http;
  private final AtomicInteger downloads = new AtomicInteger();

  private PipTestIndex(HttpServer http) {
    this.http = http;
  }

  /** Starts the index on 127.0.0.1 at a free port. */
  public static PipTestIndex start() {
    byte[] wheel = wheel();
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      PipTestIndex index = new PipTestIndex(http);
      http.createContext(
          "/simple/" + PACKAGE + "/",
          ex ->
              send(
                  ex,
                  "text/html",
                  ("<!DOCTYPE html><html><body><a href=\"/files/"
                          + WHEEL
                          + "\">"
                          + WHEEL
                          + "</a></body></html>")
                      .getBytes(StandardCharsets.UTF_8)));
      http.createContext(
          "/files/" + WHEEL,
          ex -> {
            index.downloads.incrementAndGet();
            send(ex, "application/octet-stream", wheel);
          });
      http.createContext(
          "/",
          ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
          });
      http.start();
      return index;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:PORT/simple/}. */
  public String url() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/simple/";
  }

  /** How many times the wheel was downloaded. */
  public int downloads() {
    return downloads.get();
  }

  @Override
  public void close() {
    http.stop(0);
  }

  private static void send(com.sun.net.httpserver.HttpExchange ex, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  /** A minimal valid wheel: the module, its metadata, an entry point and a RECORD. */
  private static byte[] wheel() {
    String info = "agentry_hello-1.0.dist-info/";
    String[][] files = {
      {
        "agentry_hello/__init__.py",
        "GREETING = '" + GREETING + "'\n\ndef main():\n    print(GREETING)\n"
      },
      {info + "METADATA", "Metadata-Version: 2.1\nName: agentry-hello\nVersion: 1.0\n"},
      {
        info + "WHEEL",
        "Wheel-Version: 1.0\nGenerator: agentry-testkit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
      },
      {info + "entry_points.txt", "[console_scripts]\nagentry-hello = agentry_hello:main\n"},
      {info + "top_level.txt", "agentry_hello\n"},
    };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      StringBuilder record = new StringBuilder();
      for (String[] f : files) {
        zip.putNextEntry(new ZipEntry(f[0]));
        zip.write(f[1].getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        record.append(f[0]).append(",,\n");
      }
      zip.putNextEntry(new ZipEntry(info + "RECORD"));
      zip.write(
          record.append(info).append("RECORD,,\n").toString().getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
