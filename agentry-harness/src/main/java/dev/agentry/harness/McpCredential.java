package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Credential;
import dev.agentry.core.Json;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SecretBox;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Vault;
import dev.agentry.core.VaultRepository;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The vault credential a session uses for one MCP server, opened in the runtime only. Its secrets
 * go into the {@code Authorization} header of the MCP connection and nowhere else; {@link #scrub}
 * removes every secret this credential ever held from text that came back from the server. {@code
 * mcp_oauth} access tokens are refreshed with a {@code refresh_token} grant when they are within a
 * minute of expiring or were refused, and the new tokens are sealed back into the vault.
 */
final class McpCredential {
  private static final Duration EARLY = Duration.ofSeconds(60);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int PAGE = 100;

  /** Why the runtime could not get a usable token: never carries a secret. */
  static final class AuthFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** The token endpoint could not be reached (rather than refused the refresh). */
    final boolean unreachable;

    AuthFailure(String message) {
      this(message, false);
    }

    AuthFailure(String message, boolean unreachable) {
      super(message, null, false, false);
      this.unreachable = unreachable;
    }
  }

  private final VaultRepository vaults;
  private final SecretBox box;
  private final Clock clock;
  private final HttpClient http;
  private final String vaultId;
  private final String credentialId;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private ObjectNode publicAuth;
  private ObjectNode secrets;
  private HttpResponse<String> lastRefreshAnswer;

  private McpCredential(
      VaultRepository vaults,
      SecretBox box,
      Clock clock,
      HttpClient http,
      Credential c,
      ObjectNode secrets) {
    this.vaults = vaults;
    this.box = box;
    this.clock = clock;
    this.http = http;
    this.vaultId = c.vaultId();
    this.credentialId = c.id();
    this.publicAuth = c.publicAuth().deepCopy();
    this.secrets = secrets;
    remember(secrets);
  }

  /**
   * The first credential of the session's vaults (in their order; archived ones skipped) whose
   * {@code mcp_server_url} is {@code url}, ignoring a trailing slash.
   */
  static Optional<McpCredential> find(
      VaultRepository vaults,
      SecretBox box,
      Clock clock,
      HttpClient http,
      List<String> vaultIds,
      String url) {
    if (box == null || vaults == null) {
      return Optional.empty();
    }
    String want = normalise(url);
    for (String vaultId : vaultIds) {
      Optional<Vault> vault = vaults.find(vaultId);
      if (vault.isEmpty() || vault.get().archivedAt() != null) {
        continue;
      }
      for (Credential c :
          vaults
              .listCredentials(
                  vaultId, ResourceFilter.ACTIVE, PageRequest.first(PAGE, SortOrder.ASC))
              .items()) {
        String type = c.authType();
        if (c.archivedAt() != null
            || !(type.equals("static_bearer") || type.equals("mcp_oauth"))
            || !normalise(c.publicAuth().path("mcp_server_url").asText()).equals(want)) {
          continue;
        }
        try {
          ObjectNode secrets =
              (ObjectNode) Json.mapper().readTree(box.open(c.sealedSecrets(), c.id()));
          return Optional.of(new McpCredential(vaults, box, clock, http, c, secrets));
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
          // a credential sealed under another key: as if absent
        }
      }
    }
    return Optional.empty();
  }

  /** {@code c} opened, or empty when its secrets do not open with this box. */
  static Optional<McpCredential> of(
      VaultRepository vaults, SecretBox box, Clock clock, HttpClient http, Credential c) {
    try {
      ObjectNode secrets = (ObjectNode) Json.mapper().readTree(box.open(c.sealedSecrets(), c.id()));
      return Optional.of(new McpCredential(vaults, box, clock, http, c, secrets));
    } catch (IOException | IllegalArgumentException | ClassCastException e) {
      return Optional.empty();
    }
  }

  static String normalise(String url) {
    String u = url == null ? "" : url.trim();
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    return u;
  }

  String credentialId() {
    return credentialId;
  }

  /** The bearer token to send now; refreshes an OAuth token that is about to expire. */
  synchronized String bearer() throws AuthFailure {
    if (isOAuth()) {
      String exp = publicAuth.path("expires_at").asText("");
      if (!exp.isEmpty() && canRefresh()) {
        try {
          if (!Instant.parse(exp).isAfter(clock.instant().plus(EARLY))) {
            refresh();
          }
        } catch (java.time.format.DateTimeParseException e) {
          // an unreadable expiry: use the token and refresh if it is refused
        }
      }
      return secrets.path("access_token").asText();
    }
    return secrets.path("token").asText();
  }

  /** The token as it is now, without refreshing: what the connection's requests carry. */
  synchronized String current() {
    return secrets.path(isOAuth() ? "access_token" : "token").asText();
  }

  /** After a 401: true if a refreshed token may now be tried. */
  synchronized boolean refreshAfterRefusal() throws AuthFailure {
    if (!isOAuth() || !canRefresh()) {
      return false;
    }
    refresh();
    return true;
  }

  private boolean isOAuth() {
    return publicAuth.path("type").asText().equals("mcp_oauth");
  }

  /** Whether a refresh can be tried: the credential has a refresh block and a refresh token. */
  boolean canRefresh() {
    return publicAuth.has("refresh") && !secrets.path("refresh_token").asText("").isEmpty();
  }

  /** Replaces every secret of this credential in {@code text} with {@code [redacted]}. */
  String scrub(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String s : seen) {
      out = out.replace(s, "[redacted]");
    }
    return out;
  }

  private void remember(JsonNode secrets) {
    secrets
        .properties()
        .forEach(
            e -> {
              String v = e.getValue().asText("");
              if (v.length() >= 4) {
                seen.add(v);
              }
            });
  }

  /** The token endpoint's answer to the last refresh, if one was answered. */
  synchronized Optional<HttpResponse<String>> lastRefreshAnswer() {
    return Optional.ofNullable(lastRefreshAnswer);
  }

  /** Refreshes now, whatever the expiry says (a validation after the server refused the token). */
  synchronized void refreshNow() throws AuthFailure {
    refresh();
  }

  private void refresh() throws AuthFailure {
    JsonNode r = publicAuth.path("refresh");
    String endpoint = r.path("token_endpoint").asText("");
    String clientId = r.path("client_id").asText("");
    String authType = r.path("token_endpoint_auth").path("type").asText("none");
    String clientSecret = secrets.path("client_secret").asText("");
    StringBuilder form = new StringBuilder("grant_type=refresh_token");
    param(form, "refresh_token", secrets.path("refresh_token").asText());
    HttpRequest.Builder req;
    try {
      req =
          HttpRequest.newBuilder(URI.create(endpoint))
              .timeout(TIMEOUT)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .header("Accept", "application/json");
    } catch (IllegalArgumentException e) {
      throw new AuthFailure("refresh_failed: the credential's token_endpoint is not a valid URL");
    }
    switch (authType) {
      case "client_secret_basic" -> {
        String pair =
            URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + ":"
                + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        req.header(
            "Authorization",
            "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
      }
      case "client_secret_post" -> {
        param(form, "client_id", clientId);
        param(form, "client_secret", clientSecret);
      }
      default -> param(form, "client_id", clientId);
    }
    if (r.hasNonNull("scope")) {
      param(form, "scope", r.get("scope").asText());
    }
    if (r.hasNonNull("resource")) {
      param(form, "resource", r.get("resource").asText());
    }
    HttpResponse<String> resp;
    try {
      resp =
          http.send(
              req.POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AuthFailure("refresh_failed: the token endpoint could not be reached", true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AuthFailure("refresh_failed: interrupted", true);
    }
    lastRefreshAnswer = resp;
    JsonNode answered;
    try {
      answered = Json.mapper().readTree(resp.body());
    } catch (IOException e) {
      answered = null;
    }
    if (answered != null) {
      // new tokens are secrets from the moment they arrive, even if the refresh then fails
      for (String f : List.of("access_token", "refresh_token", "id_token")) {
        String v = answered.path(f).asText("");
        if (v.length() >= 4) {
          seen.add(v);
        }
      }
    }
    if (resp.statusCode() / 100 != 2) {
      throw new AuthFailure(
          "refresh_failed: the token endpoint answered HTTP " + resp.statusCode());
    }
    JsonNode body;
    try {
      body = Json.mapper().readTree(resp.body());
    } catch (IOException e) {
      throw new AuthFailure("refresh_failed: the token endpoint's answer is not JSON");
    }
    String access = body.path("access_token").asText("");
    if (access.isEmpty()) {
      throw new AuthFailure("refresh_failed: the token endpoint returned no access_token");
    }
    ObjectNode next = secrets.deepCopy();
    next.put("access_token", access);
    if (!body.path("refresh_token").asText("").isEmpty()) {
      next.put("refresh_token", body.get("refresh_token").asText());
    }
    ObjectNode pub = publicAuth.deepCopy();
    if (body.path("expires_in").canConvertToLong()) {
      pub.put(
          "expires_at", clock.instant().plusSeconds(body.get("expires_in").asLong()).toString());
    } else {
      pub.putNull("expires_at");
    }
    remember(next);
    byte[] sealed = box.seal(next.toString(), credentialId);
    Instant now = clock.instant();
    vaults.updateCredential(
        vaultId,
        credentialId,
        c ->
            new Credential(
                c.id(),
                c.vaultId(),
                c.displayName(),
                pub,
                sealed,
                c.metadata(),
                c.createdAt(),
                now,
                c.archivedAt()));
    secrets = next;
    publicAuth = pub;
  }

  private static void param(StringBuilder form, String name, String value) {
    form.append('&')
        .append(name)
        .append('=')
        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }
}
