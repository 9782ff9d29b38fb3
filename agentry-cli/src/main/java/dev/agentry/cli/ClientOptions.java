package dev.agentry.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the server is and which key to use: options override the environment. */
final class ClientOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  @Option(
      names = "--url",
      description = "Server URL (env AGENTRY_URL, default " + DEFAULT_URL + ").")
  String url;

  @Option(
      names = "--data-dir",
      description =
          "Data directory whose admin.key is used when AGENTRY_API_KEY is unset (env"
              + " AGENTRY_DATA_DIR, default ./data).")
  Path dataDir;

  @Option(names = "--json", description = "Print the raw API JSON (one object a line).")
  boolean json;

  String url(Map<String, String> env) {
    if (url != null && !url.isBlank()) {
      return url.strip();
    }
    String fromEnv = env.get("AGENTRY_URL");
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_URL : fromEnv.strip();
  }

  /** The server URL, checked: an http(s) scheme and a host, nothing the HTTP client chokes on. */
  String checkedUrl(Map<String, String> env) {
    String u = url(env);
    String source = url != null && !url.isBlank() ? "--url" : "AGENTRY_URL";
    if (!u.contains("://")) {
      throw new IllegalArgumentException(
          source + " " + u + " has no scheme: write it as http://" + u);
    }
    URI parsed;
    try {
      parsed = new URI(u);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          source
              + " "
              + u
              + " is not a URL: "
              + e.getReason()
              + " at character "
              + (e.getIndex() + 1));
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          source + " " + u + ": the scheme must be http or https, e.g. " + DEFAULT_URL);
    }
    if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
      throw new IllegalArgumentException(source + " " + u + " has no host, e.g. " + DEFAULT_URL);
    }
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
      throw new IllegalArgumentException(
          source + " " + u + ": give the server's address only, without ? or #");
    }
    return u;
  }

  String apiKey(Map<String, String> env) {
    String key = env.get("AGENTRY_API_KEY");
    if (key != null && !key.isBlank()) {
      return key.strip();
    }
    Path dir = dataDir;
    if (dir == null) {
      String d = env.get("AGENTRY_DATA_DIR");
      dir = Path.of(d == null || d.isBlank() ? "data" : d);
    }
    Path file = dir.resolve("admin.key");
    try {
      String k = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (!k.isEmpty()) {
        return k;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "no API key: set AGENTRY_API_KEY or point --data-dir at a directory with admin.key (tried "
            + file
            + ")");
  }

  ApiClient client(Map<String, String> env) {
    return new ApiClient(checkedUrl(env), apiKey(env));
  }
}
