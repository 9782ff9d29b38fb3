package dev.agentry.server;

import dev.agentry.core.SandboxLimits;
import dev.agentry.harness.HarnessConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The server's configuration, validated once at start-up. Every key has an environment variable
 * (listed in the README); the command line overrides them. {@code databaseUrl}, {@code apiKey} and
 * {@code masterKey} may be null (embedded SQLite, a generated admin key, a generated key file).
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    String databaseUrl,
    String apiKey,
    String masterKey,
    long maxBodyBytes,
    Duration heartbeat,
    String sandbox,
    SandboxLimits sandboxLimits,
    HarnessConfig harness) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

  public ServerConfig {
    require(
        "bubblewrap".equals(sandbox) || "unsafe-local".equals(sandbox),
        "AGENTRY_SANDBOX",
        "must be bubblewrap or unsafe-local");
    require(sandboxLimits != null, "AGENTRY_SANDBOX_*", "limits must be set");
    require(harness != null, "AGENTRY_MODEL_*", "harness settings must be set");
    require(host != null && !host.isBlank(), "AGENTRY_HOST", "must not be empty");
    require(port >= 0 && port <= 65535, "AGENTRY_PORT", "must be between 0 and 65535");
    require(dataDir != null, "AGENTRY_DATA_DIR", "must be set");
    require(
        databaseUrl == null || databaseUrl.startsWith("jdbc:postgresql://"),
        "AGENTRY_DATABASE_URL",
        "must be unset (embedded SQLite) or start with jdbc:postgresql://");
    require(
        apiKey == null || apiKey.length() >= 16,
        "AGENTRY_API_KEY",
        "must be at least 16 characters");
    require(
        maxBodyBytes >= 1024 && maxBodyBytes <= 1L << 30,
        "AGENTRY_MAX_BODY_BYTES",
        "must be between 1024 and 1073741824");
    require(
        heartbeat.toMillis() >= 100 && heartbeat.toMillis() <= 300_000,
        "AGENTRY_SSE_HEARTBEAT_MS",
        "must be between 100 and 300000");
  }

  /** The defaults, overridden by whichever {@code AGENTRY_*} variables {@code env} sets. */
  public static ServerConfig fromEnv(Map<String, String> env) {
    SandboxSettings sandbox = SandboxSettings.fromEnv(env);
    return new ServerConfig(
        env.getOrDefault("AGENTRY_HOST", DEFAULT_HOST),
        (int) number(env, "AGENTRY_PORT", DEFAULT_PORT),
        Path.of(env.getOrDefault("AGENTRY_DATA_DIR", "./data")),
        blankToNull(env.get("AGENTRY_DATABASE_URL")),
        blankToNull(env.get("AGENTRY_API_KEY")),
        blankToNull(env.get("AGENTRY_MASTER_KEY")),
        number(env, "AGENTRY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        Duration.ofMillis(number(env, "AGENTRY_SSE_HEARTBEAT_MS", DEFAULT_HEARTBEAT.toMillis())),
        sandbox.backend(),
        sandbox.limits(),
        HarnessSettings.fromEnv(env));
  }

  public ServerConfig withHost(String value) {
    return new ServerConfig(
        value,
        port,
        dataDir,
        databaseUrl,
        apiKey,
        masterKey,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withPort(int value) {
    return new ServerConfig(
        host,
        value,
        dataDir,
        databaseUrl,
        apiKey,
        masterKey,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withDataDir(Path value) {
    return new ServerConfig(
        host,
        port,
        value,
        databaseUrl,
        apiKey,
        masterKey,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withDatabaseUrl(String value) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        value,
        apiKey,
        masterKey,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withApiKey(String value) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        databaseUrl,
        value,
        masterKey,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withMasterKey(String value) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        databaseUrl,
        apiKey,
        value,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withMaxBodyBytes(long value) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        databaseUrl,
        apiKey,
        masterKey,
        value,
        heartbeat,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withHeartbeat(Duration value) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        databaseUrl,
        apiKey,
        masterKey,
        maxBodyBytes,
        value,
        sandbox,
        sandboxLimits,
        harness);
  }

  public ServerConfig withSandbox(String backend, SandboxLimits limits) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        databaseUrl,
        apiKey,
        masterKey,
        maxBodyBytes,
        heartbeat,
        backend,
        limits,
        harness);
  }

  public ServerConfig withHarness(HarnessConfig value) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        databaseUrl,
        apiKey,
        masterKey,
        maxBodyBytes,
        heartbeat,
        sandbox,
        sandboxLimits,
        value);
  }

  public Optional<String> database() {
    return Optional.ofNullable(databaseUrl);
  }

  private static long number(Map<String, String> env, String key, long fallback) {
    String v = blankToNull(env.get(key));
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v;
  }

  private static void require(boolean ok, String key, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(key + " " + rule);
    }
  }
}
