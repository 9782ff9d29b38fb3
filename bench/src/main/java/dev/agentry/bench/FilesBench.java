package dev.agentry.bench;

import dev.agentry.core.ModelException;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import dev.agentry.testkit.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Files API throughput through HTTP: {@code runs} times, a fresh {@code sizeMb} MB file (random
 * bytes, new each run, so no upload is deduplicated) is uploaded with {@code POST /v1/files}
 * (multipart, with a Content-Length, from a file on disk) and downloaded with {@code GET
 * /v1/files/{id}/content} (read to the end and counted), then deleted; on the filesystem blob store
 * and on S3 (S3Proxy over its in-memory backend, on loopback). The server runs in this JVM; client
 * and server share the machine's cores. MB are 10^6 bytes.
 */
final class FilesBench {
  private static final String BOUNDARY = "agentry-bench-boundary";

  private final int sizeMb;
  private final int runs;
  private final PrintStream out;

  FilesBench(int sizeMb, int runs, PrintStream out) {
    this.sizeMb = sizeMb;
    this.runs = runs;
    this.out = out;
  }

  void run() throws Exception {
    out.println();
    out.println(
        "### Files: "
            + sizeMb
            + " MB upload and download through the HTTP API, "
            + runs
            + " runs per backend (median, min-max)");
    out.println();
    out.println("| blob store | upload MB/s | download MB/s |");
    out.println("|---|---|---|");
    measure("filesystem (data dir)", Map.of());
    try (S3ProxyServer s3 = S3ProxyServer.start("agentry-bench")) {
      s3.useAsDefaultCredentials();
      Map<String, String> env = new HashMap<>();
      env.put("AGENTRY_BLOB_URL", s3.blobUrl("bench"));
      env.put("AGENTRY_BLOB_ENDPOINT", s3.endpoint().toString());
      measure("S3 (S3Proxy, in-memory, loopback)", env);
    }
  }

  private void measure(String label, Map<String, String> env) throws Exception {
    Path dir = TempDirs.create("agentry-bench-files-");
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    try (AgentryServer server =
        AgentryServer.start(
            ServerConfig.builder(env)
                .port(0)
                .dataDir(dir.resolve("data"))
                .apiKey(BenchApi.KEY)
                .build(),
            Clock.systemUTC(),
            quiet,
            (request, listener, cancellation) -> {
              throw new ModelException(
                  "unknown_error", "the files bench calls no model", false, 0, null);
            })) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String base = "http://127.0.0.1:" + server.port();
      List<Double> up = new ArrayList<>();
      List<Double> down = new ArrayList<>();
      Path file = dir.resolve("payload.bin");
      long bytes = sizeMb * 1_000_000L;
      for (int i = 0; i <= runs; i++) {
        write(file, bytes, i);
        long t0 = System.nanoTime();
        String id = upload(http, base, file);
        long t1 = System.nanoTime();
        long got = download(http, base, id);
        long t2 = System.nanoTime();
        if (got != bytes) {
          throw new IllegalStateException("downloaded " + got + " bytes of " + bytes);
        }
        delete(http, base, id);
        if (i > 0) { // the first run warms up the JIT and the connections
          up.add(bytes / 1e6 / ((t1 - t0) / 1e9));
          down.add(bytes / 1e6 / ((t2 - t1) / 1e9));
        }
      }
      out.printf(Locale.ROOT, "| %s | %s | %s |%n", label, summary(up), summary(down));
    } finally {
      TempDirs.delete(dir);
    }
  }

  private static String summary(List<Double> v) {
    List<Double> s = v.stream().sorted().toList();
    return String.format(
        Locale.ROOT, "%.0f (%.0f-%.0f)", s.get(s.size() / 2), s.getFirst(), s.getLast());
  }

  private static void write(Path file, long bytes, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream o = Files.newOutputStream(file)) {
      for (long left = bytes; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        o.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
  }

  private static String upload(HttpClient http, String base, Path file) throws Exception {
    byte[] head =
        ("--"
                + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"payload.bin\""
                + "\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/v1/files"))
            .header("x-api-key", BenchApi.KEY)
            .header("anthropic-beta", "files-api-2025-04-14")
            .header("content-type", "multipart/form-data; boundary=" + BOUNDARY)
            .POST(
                HttpRequest.BodyPublishers.concat(
                    HttpRequest.BodyPublishers.ofByteArray(head),
                    HttpRequest.BodyPublishers.ofFile(file),
                    HttpRequest.BodyPublishers.ofByteArray(tail)))
            .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      throw new IllegalStateException("upload answered " + res.statusCode() + ": " + res.body());
    }
    return BenchApi.id(res.body());
  }

  private static long download(HttpClient http, String base, String id) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/v1/files/" + id + "/content"))
            .header("x-api-key", BenchApi.KEY)
            .GET()
            .build();
    HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = res.body()) {
      if (res.statusCode() != 200) {
        throw new IllegalStateException("download answered " + res.statusCode());
      }
      byte[] buf = new byte[1 << 16];
      long total = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
      }
      return total;
    }
  }

  private static void delete(HttpClient http, String base, String id) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/v1/files/" + id))
            .header("x-api-key", BenchApi.KEY)
            .DELETE()
            .build();
    HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      throw new IllegalStateException("delete answered " + res.statusCode() + ": " + res.body());
    }
  }
}
