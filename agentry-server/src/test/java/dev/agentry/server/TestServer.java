package dev.agentry.server;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import dev.agentry.model.ModelClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** A real server on a random port, with a pinned key, and clients that talk to it. */
final class TestServer implements AutoCloseable {
  static final String KEY = "sk-agentry-test-0123456789abcdef";
  final AgentryServer server;
  final HttpClient http = HttpClient.newHttpClient();

  /**
   * A server with no model provider configured. Its agents name {@code claude-…} models they never
   * call, so model ids are checked for their form only ({@code AGENTRY_MODEL_CHECK=form}).
   */
  TestServer(Path dataDir, String databaseUrl) {
    this(dataDir, databaseUrl, Map.of("AGENTRY_MODEL_CHECK", "form"));
  }

  /** {@code env} configures the server and its model clients as the process environment would. */
  TestServer(Path dataDir, String databaseUrl, Map<String, String> modelEnv) {
    this(dataDir, databaseUrl, modelEnv, (Telemetry) null);
  }

  /** As above, tracing with {@code telemetry}; null: as the process environment says. */
  TestServer(Path dataDir, String databaseUrl, Map<String, String> modelEnv, Telemetry telemetry) {
    this(dataDir, databaseUrl, modelEnv, telemetry, Clock.systemUTC());
  }

  /** A server that reads the time from {@code clock} (a test's settable one). */
  TestServer(Path dataDir, String databaseUrl, Map<String, String> modelEnv, Clock clock) {
    this(dataDir, databaseUrl, modelEnv, null, clock);
  }

  private TestServer(
      Path dataDir,
      String databaseUrl,
      Map<String, String> modelEnv,
      Telemetry telemetry,
      Clock clock) {
    ServerConfig config =
        ServerConfig.builder(modelEnv)
            .port(0)
            .dataDir(dataDir)
            .apiKey(KEY)
            .databaseUrl(databaseUrl)
            .maxBodyBytes(64 * 1024)
            .heartbeat(Duration.ofMillis(500))
            .build();
    PrintStream console =
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    server =
        telemetry == null
            ? AgentryServer.start(config, clock, console, ModelClients.fromEnv(modelEnv))
            : AgentryServer.start(
                config, clock, console, ModelClients.fromEnv(modelEnv), telemetry);
  }

  /**
   * A server whose repository resources are cloned by {@code cloner} (a double for the wiring; the
   * git module's tests run the real cloner), configured by {@code env}.
   */
  TestServer(Path dataDir, Map<String, String> env, dev.agentry.core.RepositoryCloner cloner) {
    ServerConfig config =
        ServerConfig.builder(env)
            .port(0)
            .dataDir(dataDir)
            .apiKey(KEY)
            .maxBodyBytes(64 * 1024)
            .heartbeat(Duration.ofMillis(500))
            .build();
    PrintStream console =
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    server =
        AgentryServer.start(
            config,
            Clock.systemUTC(),
            console,
            ModelClients.fromEnv(env),
            Telemetry.fromEnv(System.getenv()),
            cloner);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  AnthropicClient sdk() {
    return AnthropicOkHttpClient.builder().baseUrl(baseUrl()).apiKey(KEY).maxRetries(0).build();
  }

  /** A new key of {@code workspace} (created if new) with {@code role}; returns its secret. */
  String createKey(String workspace, String role) {
    return Admin.createKey(server.store(), "test-" + role, role, workspace, java.time.Instant.now())
        .secret();
  }

  /** An SDK client that authenticates with {@code key}. */
  AnthropicClient sdk(String key) {
    return AnthropicOkHttpClient.builder().baseUrl(baseUrl()).apiKey(key).maxRetries(0).build();
  }

  /** A raw call, for what the SDK cannot send (malformed bodies, foreign cursors). */
  HttpResponse<String> call(String method, String path, String body) {
    return call(method, path, body, Map.of("x-api-key", KEY));
  }

  HttpResponse<String> call(String method, String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json");
    headers.forEach(b::setHeader);
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
