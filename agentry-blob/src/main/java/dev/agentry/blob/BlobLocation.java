package dev.agentry.blob;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where blobs live, parsed from {@code AGENTRY_BLOB_URL} and {@code AGENTRY_BLOB_ENDPOINT}: the
 * data directory's {@code blobs} folder by default, another local directory ({@code file:///path}),
 * or a bucket of an S3-compatible store ({@code s3://bucket/prefix}, with an endpoint for stores
 * other than AWS).
 */
public sealed interface BlobLocation {
  String URL_KEY = "AGENTRY_BLOB_URL";
  String ENDPOINT_KEY = "AGENTRY_BLOB_ENDPOINT";

  /** Blobs as files under {@code directory}. */
  record Local(Path directory) implements BlobLocation {}

  /**
   * Blobs as objects in {@code bucket} under {@code prefix} (no leading or trailing slash; may be
   * empty), at AWS unless {@code endpoint} names another S3-compatible store.
   */
  record S3(String bucket, String prefix, Optional<URI> endpoint) implements BlobLocation {}

  /**
   * @param url {@code AGENTRY_BLOB_URL}, or null for the default
   * @param endpoint {@code AGENTRY_BLOB_ENDPOINT}, or null
   * @throws IllegalArgumentException naming the key and its rule (never echoing the value, which
   *     may hold a credential by mistake)
   */
  static BlobLocation parse(String url, String endpoint, Path dataDir) {
    boolean hasEndpoint = endpoint != null && !endpoint.isBlank();
    if (url == null || url.isBlank()) {
      require(!hasEndpoint, ENDPOINT_KEY, "is only used with " + URL_KEY + "=s3://…");
      return new Local(dataDir.resolve("blobs"));
    }
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(URL_KEY + " is not a valid URL: " + e.getReason());
    }
    require(
        uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null,
        URL_KEY,
        "must not carry credentials, a query or a fragment (credentials come from AWS_*)");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    return switch (scheme) {
      case "file" -> {
        require(!hasEndpoint, ENDPOINT_KEY, "is only used with " + URL_KEY + "=s3://…");
        require(
            uri.getPath() != null && uri.getPath().startsWith("/") && uri.getAuthority() == null,
            URL_KEY,
            "must be file:///absolute/path");
        yield new Local(Path.of(uri));
      }
      case "s3" -> new S3(bucket(uri), prefix(uri), endpoint(endpoint));
      default ->
          throw new IllegalArgumentException(
              URL_KEY + " must be s3://bucket[/prefix] or file:///absolute/path");
    };
  }

  private static String bucket(URI uri) {
    String bucket = uri.getHost();
    require(
        bucket != null && Pattern.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket),
        URL_KEY,
        "must name a bucket (3-63 lowercase letters, digits, dots and hyphens): s3://bucket[/prefix]");
    require(uri.getPort() == -1, URL_KEY, "must not have a port (set " + ENDPOINT_KEY + ")");
    return bucket;
  }

  private static String prefix(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    String prefix = path.replaceAll("^/+", "").replaceAll("/+$", "");
    require(
        !prefix.contains("//") && !("/" + prefix + "/").contains("/../"),
        URL_KEY,
        "must have a prefix without empty or '..' segments");
    return prefix;
  }

  private static Optional<URI> endpoint(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(endpoint.trim());
      require(
          ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
              && uri.getHost() != null
              && uri.getRawUserInfo() == null,
          ENDPOINT_KEY,
          "must be an http:// or https:// URL with a host and no credentials");
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(ENDPOINT_KEY + " is not a valid URL: " + e.getReason());
    }
  }

  private static void require(boolean ok, String key, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(key + " " + rule);
    }
  }
}
