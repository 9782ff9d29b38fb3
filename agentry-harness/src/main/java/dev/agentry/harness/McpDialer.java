package dev.agentry.harness;

import dev.agentry.core.McpServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.client.transport.customizer.McpSyncHttpClientRequestCustomizer;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a connection to one MCP server (streamable HTTP, else the older SSE transport), initializes
 * it and lists its tools; and tells, from a failure, whether it was an authorization refusal, an
 * unreachable host, or something else, in words that carry no secret.
 */
final class McpDialer {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration INIT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration CALL_TIMEOUT = Duration.ofMinutes(5);
  private static final int MAX_LIST_PAGES = 50;

  private McpDialer() {}

  /** An initialized client, the server's tools, and the credential it was opened with (or null). */
  record Conn(McpSyncClient client, List<McpSchema.Tool> tools, McpCredential cred) {}

  /** Streamable HTTP first; an older server that only speaks SSE gets a second try. */
  static Conn open(McpServer server, McpCredential cred) {
    URI uri = URI.create(server.url());
    String base = uri.getScheme() + "://" + uri.getRawAuthority();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    McpSyncHttpClientRequestCustomizer auth =
        (builder, method, u, body, ctx) -> {
          if (cred != null) {
            builder.setHeader("Authorization", "Bearer " + cred.current());
          }
        };
    RuntimeException first;
    try {
      return initialize(
          HttpClientStreamableHttpTransport.builder(base)
              .endpoint(path)
              .connectTimeout(CONNECT_TIMEOUT)
              .httpRequestCustomizer(auth)
              .build(),
          cred);
    } catch (RuntimeException e) {
      if (authStatus(e) != null || unreachable(e)) {
        throw e; // SSE would meet the same refusal, or the same closed port
      }
      first = e;
    }
    try {
      return initialize(
          HttpClientSseClientTransport.builder(base)
              .sseEndpoint(path)
              .connectTimeout(CONNECT_TIMEOUT)
              .httpRequestCustomizer(auth)
              .build(),
          cred);
    } catch (RuntimeException e) {
      if (authStatus(e) != null) {
        throw e;
      }
      throw first;
    }
  }

  private static Conn initialize(McpClientTransport transport, McpCredential cred) {
    McpSyncClient client =
        McpClient.sync(transport)
            .clientInfo(new McpSchema.Implementation("agentry", "0.1.0"))
            .initializationTimeout(INIT_TIMEOUT)
            .requestTimeout(CALL_TIMEOUT)
            .build();
    try {
      client.initialize();
      List<McpSchema.Tool> tools = new ArrayList<>();
      String cursor = null;
      for (int page = 0; page < MAX_LIST_PAGES; page++) {
        McpSchema.ListToolsResult r =
            cursor == null ? client.listTools() : client.listTools(cursor);
        tools.addAll(r.tools());
        cursor = r.nextCursor();
        if (cursor == null || cursor.isEmpty()) {
          break;
        }
      }
      return new Conn(client, List.copyOf(tools), cred);
    } catch (RuntimeException e) {
      try {
        client.close();
      } catch (RuntimeException ignored) {
        // already failing
      }
      throw e;
    }
  }

  static String scrub(McpCredential cred, String text) {
    return cred == null ? text : cred.scrub(text);
  }

  /** The HTTP status of an authorization refusal somewhere in the cause chain, else null. */
  static Integer authStatus(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof McpHttpClientTransportAuthorizationException a) {
        return a.getResponseInfo() == null ? 401 : a.getResponseInfo().statusCode();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** True if the host could not be reached at all (nothing listens, no route, no such name). */
  private static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException
          || t instanceof java.net.http.HttpConnectTimeoutException
          || t instanceof java.net.UnknownHostException
          || t instanceof java.nio.channels.UnresolvedAddressException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** A short, secret-free account of why a connection or call failed. */
  static String reason(Throwable e, McpCredential cred) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    String kind = root.getClass().getSimpleName();
    if (msg == null || msg.isBlank()) {
      return kind;
    }
    msg = scrub(cred, msg.replaceAll("(?i)bearer\\s+\\S+", "Bearer [redacted]"));
    if (msg.length() > 300) {
      msg = msg.substring(0, 300) + "…";
    }
    return kind + ": " + msg;
  }
}
