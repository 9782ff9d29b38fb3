package dev.agentry.server;

import dev.agentry.blob.BlobLocation;
import dev.agentry.core.SandboxLimits;
import dev.agentry.git.TokenUsernames;
import dev.agentry.harness.HarnessConfig;
import dev.agentry.webhooks.WebhookSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's configuration, validated once at start-up. Every key has an environment variable
 * (listed in the README); the command line overrides them. {@code databaseUrl}, {@code apiKey} and
 * {@code masterKey} may be null (embedded SQLite, a generated admin key, a generated key file), and
 * so may {@code blobUrl} and {@code blobEndpoint} (blobs under the data directory), and {@code
 * nodeId} (the id kept in the data directory, see {@link NodeIdentity}).
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
    int sandboxUid,
    SandboxLimits sandboxLimits,
    HarnessConfig harness,
    String blobUrl,
    String blobEndpoint,
    String gitAllowedHosts,
    String gitTokenUsername,
    FileSettings files,
    String nodeId,
    String pipIndexUrl,
    WebhookSettings webhooks,
    CheckpointGcSettings checkpointGc) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

  public ServerConfig {
    require(
        "bubblewrap".equals(sandbox) || "unsafe-local".equals(sandbox),
        "AGENTRY_SANDBOX",
        "must be bubblewrap or unsafe-local");
    require(sandboxUid > 0, "AGENTRY_SANDBOX_UID", "must be a positive (non-root) uid");
    require(sandboxLimits != null, "AGENTRY_SANDBOX_*", "limits must be set");
    require(harness != null, "AGENTRY_MODEL_*", "harness settings must be set");
    require(files != null, "AGENTRY_MAX_UPLOAD_BYTES", "file settings must be set");
    require(webhooks != null, WebhookSettings.ALLOW_PRIVATE, "webhook settings must be set");
    require(checkpointGc != null, "AGENTRY_CHECKPOINT_GC_MS", "must be set");
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
    if (nodeId != null) {
      NodeIdentity.validate(nodeId);
    }
    // throws naming AGENTRY_BLOB_URL or AGENTRY_BLOB_ENDPOINT and the rule
    BlobLocation.parse(blobUrl, blobEndpoint, dataDir);
    RepositoryUrls.parse(gitAllowedHosts); // throws naming AGENTRY_GIT_ALLOWED_HOSTS and the entry
    TokenUsernames.parse(gitTokenUsername); // throws naming AGENTRY_GIT_TOKEN_USERNAME
    require(
        pipIndexUrl == null
            || pipIndexUrl.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?"),
        PIP_INDEX_KEY,
        "must be an http(s) URL of a pip index (https://host[:port]/path)");
  }

  /** The pip index environments' packages install from, instead of PyPI. */
  public static final String PIP_INDEX_KEY = "AGENTRY_PIP_INDEX_URL";

  /** {@link #PIP_INDEX_KEY}, if set. */
  public Optional<String> pipIndex() {
    return Optional.ofNullable(pipIndexUrl);
  }

  /** The HTTP basic user name a repository token goes with, per host. */
  TokenUsernames tokenUsernames() {
    return TokenUsernames.parse(gitTokenUsername);
  }

  /** The hosts of {@code AGENTRY_GIT_ALLOWED_HOSTS} as listed ({@code host[:port]}). */
  List<String> gitAllowedHostList() {
    return gitAllowedHosts == null
        ? List.of()
        : java.util.Arrays.stream(gitAllowedHosts.split(","))
            .map(String::trim)
            .filter(h -> !h.isEmpty())
            .toList();
  }

  /** The repository URLs sessions may clone ({@code AGENTRY_GIT_ALLOWED_HOSTS}). */
  RepositoryUrls repositoryUrls() {
    return RepositoryUrls.parse(gitAllowedHosts);
  }

  /** Where blobs live: {@code AGENTRY_BLOB_URL}, or the data directory's {@code blobs} folder. */
  public BlobLocation blobs() {
    return BlobLocation.parse(blobUrl, blobEndpoint, dataDir);
  }

  /** The defaults, overridden by whichever {@code AGENTRY_*} variables {@code env} sets. */
  public static ServerConfig fromEnv(Map<String, String> env) {
    return builder(env).build();
  }

  /** A builder holding the defaults and {@code env}'s {@code AGENTRY_*} values, to override. */
  public static Builder builder(Map<String, String> env) {
    SandboxSettings sandbox = SandboxSettings.fromEnv(env);
    Builder b = new Builder();
    b.host = env.getOrDefault("AGENTRY_HOST", DEFAULT_HOST);
    b.port = (int) EnvValues.number(env, "AGENTRY_PORT", DEFAULT_PORT, 0, 65535);
    b.dataDir = Path.of(env.getOrDefault("AGENTRY_DATA_DIR", "./data"));
    b.databaseUrl = EnvValues.string(env, "AGENTRY_DATABASE_URL");
    b.apiKey = EnvValues.string(env, "AGENTRY_API_KEY");
    b.masterKey = EnvValues.string(env, "AGENTRY_MASTER_KEY");
    b.maxBodyBytes =
        EnvValues.number(env, "AGENTRY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1024, 1L << 30);
    b.heartbeat =
        Duration.ofMillis(
            EnvValues.number(
                env, "AGENTRY_SSE_HEARTBEAT_MS", DEFAULT_HEARTBEAT.toMillis(), 100, 300_000));
    b.sandbox = sandbox.backend();
    b.sandboxUid = sandbox.uid();
    b.sandboxLimits = sandbox.limits();
    b.harness = HarnessSettings.fromEnv(env);
    b.blobUrl = EnvValues.string(env, BlobLocation.URL_KEY);
    b.blobEndpoint = EnvValues.string(env, BlobLocation.ENDPOINT_KEY);
    b.gitAllowedHosts = EnvValues.string(env, RepositoryUrls.ALLOWED_HOSTS_KEY);
    b.gitTokenUsername = EnvValues.string(env, "AGENTRY_GIT_TOKEN_USERNAME");
    b.files = FileSettings.fromEnv(env);
    b.nodeId = EnvValues.string(env, NodeIdentity.KEY);
    b.pipIndexUrl = EnvValues.string(env, PIP_INDEX_KEY);
    b.webhooks = WebhookSettings.fromEnv(env);
    b.checkpointGc = CheckpointGcSettings.fromEnv(env);
    return b;
  }

  /** Collects overrides (e.g. command-line flags); {@link #build()} validates them all. */
  public static final class Builder {
    private String host;
    private int port;
    private Path dataDir;
    private String databaseUrl;
    private String apiKey;
    private String masterKey;
    private long maxBodyBytes;
    private Duration heartbeat;
    private String sandbox;
    private int sandboxUid;
    private SandboxLimits sandboxLimits;
    private HarnessConfig harness;
    private String blobUrl;
    private String blobEndpoint;
    private String gitAllowedHosts;
    private String gitTokenUsername;
    private FileSettings files;
    private String nodeId;
    private String pipIndexUrl;
    private WebhookSettings webhooks;
    private CheckpointGcSettings checkpointGc = CheckpointGcSettings.DEFAULTS;

    private Builder() {}

    public Builder host(String value) {
      host = value;
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    public Builder dataDir(Path value) {
      dataDir = value;
      return this;
    }

    /** A PostgreSQL URL, or null for embedded SQLite. */
    public Builder databaseUrl(String value) {
      databaseUrl = value;
      return this;
    }

    public Builder apiKey(String value) {
      apiKey = value;
      return this;
    }

    public Builder masterKey(String value) {
      masterKey = value;
      return this;
    }

    public Builder maxBodyBytes(long value) {
      maxBodyBytes = value;
      return this;
    }

    public Builder heartbeat(Duration value) {
      heartbeat = value;
      return this;
    }

    public Builder sandbox(String backend, SandboxLimits limits) {
      sandbox = backend;
      sandboxLimits = limits;
      return this;
    }

    /** The host uid (and gid) bubblewrap sandboxes run as when the server runs as root. */
    public Builder sandboxUid(int value) {
      sandboxUid = value;
      return this;
    }

    public Builder harness(HarnessConfig value) {
      harness = value;
      return this;
    }

    /** {@code s3://bucket/prefix} or {@code file:///path}, or null for the data directory. */
    public Builder blobUrl(String value) {
      blobUrl = value;
      return this;
    }

    /** The S3-compatible store's endpoint (MinIO, Ceph, R2…), or null for AWS. */
    public Builder blobEndpoint(String value) {
      blobEndpoint = value;
      return this;
    }

    /** The Files API's upload limit, download policy and expiry sweep. */
    public Builder files(FileSettings value) {
      files = value;
      return this;
    }

    /**
     * Hosts ({@code host[:port]}, comma separated) whose repositories sessions may clone though
     * they are private or loopback addresses, over https:// or http://; null: public https only.
     */
    public Builder gitAllowedHosts(String value) {
      gitAllowedHosts = value;
      return this;
    }

    /** The pip index packages install from ({@code AGENTRY_PIP_INDEX_URL}), or null for PyPI. */
    public Builder pipIndexUrl(String value) {
      pipIndexUrl = value;
      return this;
    }

    /** How webhooks are delivered ({@code AGENTRY_WEBHOOK_ALLOW_PRIVATE}). */
    public Builder webhooks(WebhookSettings value) {
      webhooks = value;
      return this;
    }

    /**
     * How often checkpoint blobs are collected, and their grace ({@code AGENTRY_CHECKPOINT_GC_*}).
     */
    public Builder checkpointGc(CheckpointGcSettings value) {
      checkpointGc = value;
      return this;
    }

    /** This node's id ({@code AGENTRY_NODE_ID}), or null for the one kept in the data dir. */
    public Builder nodeId(String value) {
      nodeId = value;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the setting and its rule when one is out of bounds
     */
    public ServerConfig build() {
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
          sandboxUid,
          sandboxLimits,
          harness,
          blobUrl,
          blobEndpoint,
          gitAllowedHosts,
          gitTokenUsername,
          files,
          nodeId,
          pipIndexUrl,
          webhooks,
          checkpointGc);
    }
  }

  public Optional<String> database() {
    return Optional.ofNullable(databaseUrl);
  }

  private static void require(boolean ok, String key, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(key + " " + rule);
    }
  }
}
