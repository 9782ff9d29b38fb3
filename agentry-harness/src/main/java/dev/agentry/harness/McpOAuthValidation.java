package dev.agentry.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Credential;
import dev.agentry.core.Json;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Timestamps;
import dev.agentry.core.VaultRepository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code mcp_oauth_validate} (docs/decisions/0042): probes a credential's MCP server with an MCP
 * {@code initialize} carrying its access token; when the server refuses it, refreshes (as a session
 * would, sealing the new tokens into the vault) and probes again. The answer is the API's {@code
 * vault_credential_validation}; every secret of the credential is redacted from the HTTP bodies it
 * quotes.
 */
public final class McpOAuthValidation {
  static final int MAX_BODY = 4096;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String PROBE = "initialize";

  private final VaultRepository vaults;
  private final SecretBox box;
  private final Clock clock;
  private final HttpClient http;

  private McpOAuthValidation(VaultRepository vaults, SecretBox box, Clock clock, HttpClient http) {
    this.vaults = vaults;
    this.box = box;
    this.clock = clock;
    this.http = http;
  }

  public static McpOAuthValidation create(VaultRepository vaults, SecretBox box, Clock clock) {
    return new McpOAuthValidation(
        vaults,
        box,
        clock,
        HttpClient.newBuilder().connectTimeout(McpDialer.CONNECT_TIMEOUT).build());
  }

  /** The validation of {@code c}, an {@code mcp_oauth} credential, as the API shows it. */
  public ObjectNode validate(Credential c) {
    ObjectNode out =
        Json.mapper()
            .createObjectNode()
            .put("type", "vault_credential_validation")
            .put("credential_id", c.id())
            .put("vault_id", c.vaultId());
    Optional<McpCredential> opened = McpCredential.of(vaults, box, clock, http, c);
    if (opened.isEmpty()) {
      // sealed under another master key: nothing can be probed
      return finish(out.put("status", "unknown").put("has_refresh_token", false), null, null);
    }
    McpCredential cred = opened.get();
    out.put("has_refresh_token", cred.canRefresh());
    String url = c.publicAuth().path("mcp_server_url").asText();
    Optional<HttpResponse<String>> probe = probe(url, cred.current());
    if (probe.isEmpty() || !refused(probe.get())) {
      return finish(out.put("status", status(probe)), probeView(probe, cred), null);
    }
    if (!cred.canRefresh()) {
      ObjectNode refresh = refreshView("no_refresh_token", Optional.empty(), cred);
      return finish(out.put("status", "invalid"), probeView(probe, cred), refresh);
    }
    try {
      cred.refreshNow();
    } catch (McpCredential.AuthFailure e) {
      ObjectNode refresh =
          refreshView(e.unreachable ? "connect_error" : "failed", cred.lastRefreshAnswer(), cred);
      return finish(
          out.put("status", e.unreachable ? "unknown" : "invalid"),
          probeView(probe, cred),
          refresh);
    }
    ObjectNode refresh = refreshView("succeeded", cred.lastRefreshAnswer(), cred);
    Optional<HttpResponse<String>> again = probe(url, cred.current());
    return finish(out.put("status", status(again)), probeView(again, cred), refresh);
  }

  private ObjectNode finish(ObjectNode out, ObjectNode probe, ObjectNode refresh) {
    out.set("mcp_probe", probe);
    out.set("refresh", refresh);
    return out.put("validated_at", Timestamps.format(Timestamps.truncate(clock.instant())));
  }

  private static boolean refused(HttpResponse<String> r) {
    return r.statusCode() == 401 || r.statusCode() == 403;
  }

  /** Valid on a 2xx; invalid when refused; unknown when unreachable or anything else. */
  private static String status(Optional<HttpResponse<String>> probe) {
    if (probe.isEmpty()) {
      return "unknown";
    }
    int code = probe.get().statusCode();
    return code / 100 == 2 ? "valid" : refused(probe.get()) ? "invalid" : "unknown";
  }

  /**
   * An MCP {@code initialize} over streamable HTTP; empty when the server cannot be reached. A
   * session the server opened for it is closed again.
   */
  private Optional<HttpResponse<String>> probe(String url, String token) {
    String body =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
            + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"agentry-credential-validation\",\"version\":\"1\"}}}";
    HttpResponse<String> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .timeout(TIMEOUT)
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .header("Accept", "application/json, text/event-stream")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    r.headers().firstValue("Mcp-Session-Id").ifPresent(id -> close(url, token, id));
    return Optional.of(r);
  }

  private void close(String url, String token, String sessionId) {
    try {
      http.send(
          HttpRequest.newBuilder(URI.create(url))
              .timeout(TIMEOUT)
              .header("Authorization", "Bearer " + token)
              .header("Mcp-Session-Id", sessionId)
              .DELETE()
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      // the server ends idle sessions itself
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ObjectNode probeView(Optional<HttpResponse<String>> r, McpCredential cred) {
    ObjectNode n = Json.mapper().createObjectNode().put("method", PROBE);
    n.set("http_response", r.map(x -> httpView(x, cred)).orElse(null));
    return n;
  }

  private static ObjectNode refreshView(
      String status, Optional<HttpResponse<String>> r, McpCredential cred) {
    ObjectNode n = Json.mapper().createObjectNode().put("status", status);
    n.set("http_response", r.map(x -> httpView(x, cred)).orElse(null));
    return n;
  }

  private static ObjectNode httpView(HttpResponse<String> r, McpCredential cred) {
    String body = cred.scrub(r.body() == null ? "" : r.body());
    boolean truncated = body.length() > MAX_BODY;
    return Json.mapper()
        .createObjectNode()
        .put("status_code", r.statusCode())
        .put("content_type", r.headers().firstValue("Content-Type").orElse(""))
        .put("body", truncated ? body.substring(0, MAX_BODY) : body)
        .put("body_truncated", truncated);
  }
}
