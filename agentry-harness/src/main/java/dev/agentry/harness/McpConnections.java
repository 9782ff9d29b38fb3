package dev.agentry.harness;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Cancellation;
import dev.agentry.core.Event;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.McpServer;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Session;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolDefinition;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.ToolOutcome;
import dev.agentry.core.ToolSpec;
import dev.agentry.core.VaultRepository;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP servers of one session run: connected on first use (with the session's vault credential
 * for the server's URL), their enabled tools offered to the model as {@code <server>__<tool>}, and
 * closed when the run ends. A server that cannot be reached is reported once per run with a {@code
 * session.error} and its tools are left out; a connection that drops is opened again on the next
 * step. Nothing here logs or journals a secret: texts that come back from a server are scrubbed of
 * the credential's secrets.
 */
final class McpConnections implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(McpConnections.class);

  static final String CONNECTION_FAILED = "mcp_connection_failed_error";
  static final String AUTHENTICATION_FAILED = "mcp_authentication_failed_error";

  /** Which MCP server and tool an exposed tool name stands for. */
  record Target(String server, String tool) {}

  /** The MCP tools offered in one step, and what their exposed names map to. */
  record Offer(List<ToolDefinition> definitions, Map<String, Target> targets) {
    static final Offer NONE = new Offer(List.of(), Map.of());

    /** {@code others} (built-in and custom tools) followed by the MCP tools. */
    List<ToolDefinition> plus(List<ToolDefinition> others) {
      if (definitions.isEmpty()) {
        return others;
      }
      List<ToolDefinition> all = new ArrayList<>(others);
      all.addAll(definitions);
      return List.copyOf(all);
    }

    /** The {@code agent.mcp_tool_use} for a call of the exposed tool {@code name}. */
    EventDraft use(String name, JsonNode input, Permissions permissions, Instant at) {
      Target t = targets.get(name);
      return permissions.mcpToolUse(t.server(), t.tool(), input, at);
    }
  }

  /** A failure to connect or authenticate, with a message safe to journal. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final String type;

    Failure(String type, String message) {
      super(message, null, false, false);
      this.type = type;
    }
  }

  private final VaultRepository vaults;
  private final SecretBox box;
  private final Clock clock;
  private HttpClient http; // for OAuth refreshes; made on first use, runs without MCP make none
  private final Map<String, McpDialer.Conn> open = new LinkedHashMap<>();
  private final Set<String> failed = new HashSet<>();

  McpConnections(VaultRepository vaults, SecretBox box, Clock clock) {
    this.vaults = vaults;
    this.box = box;
    this.clock = clock;
  }

  /**
   * Connections of their own, on the same vaults, for another thread of the run: a member thread
   * runs its own agent's servers, concurrently with the others (docs/decisions/0033).
   */
  McpConnections another() {
    return new McpConnections(vaults, box, clock);
  }

  /**
   * Connects the servers the agent's {@code mcp_toolset}s name (those not yet connected or failed
   * in this run) and returns their enabled tools, leaving out any whose exposed name is {@code
   * taken} by a built-in or custom tool.
   */
  Offer offer(Session session, List<ToolDefinition> others, Consumer<List<EventDraft>> journal) {
    AgentSpec spec = session.agent().spec();
    if (spec.mcpServers().isEmpty()) {
      return Offer.NONE;
    }
    Set<String> taken = new HashSet<>();
    others.forEach(d -> taken.add(d.name()));
    List<ToolDefinition> defs = new ArrayList<>();
    Map<String, Target> targets = new LinkedHashMap<>();
    for (ToolSpec t : spec.tools()) {
      if (!(t instanceof ToolSpec.McpToolset set)) {
        continue;
      }
      Optional<McpServer> server =
          spec.mcpServers().stream().filter(s -> s.name().equals(set.mcpServerName())).findFirst();
      if (server.isEmpty()) {
        continue;
      }
      McpDialer.Conn conn = ensure(session, server.get(), journal);
      if (conn == null) {
        continue;
      }
      for (McpSchema.Tool tool : conn.tools()) {
        if (!enabled(set, tool.name())) {
          continue;
        }
        String name = McpNames.exposed(set.mcpServerName(), tool.name());
        if (taken.contains(name) || targets.containsKey(name)) {
          continue;
        }
        targets.put(name, new Target(set.mcpServerName(), tool.name()));
        String description = tool.description() == null ? "" : tool.description();
        defs.add(new ToolDefinition(name, description, schema(tool)));
      }
    }
    return defs.isEmpty() ? Offer.NONE : new Offer(List.copyOf(defs), Map.copyOf(targets));
  }

  /**
   * Runs the call {@code use} journalled and returns its {@code agent.mcp_tool_result}; an
   * interrupt that came first answers it without a call. The call is reported to {@code observer}.
   */
  EventDraft answer(
      Session session,
      String useId,
      Event.AgentMcpToolUse use,
      Cancellation c,
      Consumer<List<EventDraft>> journal,
      ToolObserver observer) {
    ToolOutcome out;
    if (c.isCancelled()) {
      out = ToolOutcome.error(Events.INTERRUPTED_TOOL);
    } else {
      out =
          observer.observe(
              session.id(),
              ToolObserver.MCP,
              use.input(),
              c,
              () -> call(session, use.mcpServerName(), use.name(), use.input(), journal));
      if (c.isCancelled()) {
        out = ToolOutcome.error(Events.INTERRUPTED_TOOL);
      }
    }
    return McpEvents.result(useId, out.text(), out.isError(), clock.instant());
  }

  /** Calls one MCP tool; the outcome's text is scrubbed of the credential's secrets. */
  ToolOutcome call(
      Session session,
      String serverName,
      String tool,
      JsonNode input,
      Consumer<List<EventDraft>> journal) {
    Optional<McpServer> server =
        session.agent().spec().mcpServers().stream()
            .filter(s -> s.name().equals(serverName))
            .findFirst();
    if (server.isEmpty()) {
      return ToolOutcome.error("the agent has no MCP server named " + serverName);
    }
    failed.remove(serverName); // a call is worth one more connection attempt
    McpDialer.Conn conn = ensure(session, server.get(), journal);
    if (conn == null) {
      return ToolOutcome.error("the MCP server " + serverName + " is not reachable");
    }
    Map<String, Object> args =
        input == null || !input.isObject()
            ? Map.of()
            : Json.mapper().convertValue(input, new TypeReference<Map<String, Object>>() {});
    for (int attempt = 0; ; attempt++) {
      try {
        if (conn.cred() != null) {
          conn.cred().bearer(); // refreshes a token about to expire
        }
        McpSchema.CallToolResult r =
            conn.client().callTool(new McpSchema.CallToolRequest(tool, args));
        return outcome(r, conn.cred());
      } catch (McpCredential.AuthFailure e) {
        journal.accept(List.of(error(AUTHENTICATION_FAILED, serverName, e.getMessage())));
        return ToolOutcome.error("the MCP server " + serverName + ": " + e.getMessage());
      } catch (McpError e) {
        return ToolOutcome.error(
            McpDialer.scrub(
                conn.cred(), "the MCP server answered with an error: " + e.getMessage()));
      } catch (RuntimeException e) {
        drop(serverName);
        Integer status = McpDialer.authStatus(e);
        if (status != null && attempt == 0 && conn.cred() != null) {
          try {
            if (status == 401 && conn.cred().refreshAfterRefusal()) {
              conn = ensure(session, server.get(), journal);
              if (conn != null) {
                continue;
              }
              return ToolOutcome.error("the MCP server " + serverName + " is not reachable");
            }
          } catch (McpCredential.AuthFailure f) {
            journal.accept(List.of(error(AUTHENTICATION_FAILED, serverName, f.getMessage())));
            return ToolOutcome.error("the MCP server " + serverName + ": " + f.getMessage());
          }
        }
        if (status != null) {
          String msg =
              "the MCP server " + serverName + " refused the credentials (HTTP " + status + ")";
          journal.accept(List.of(error(AUTHENTICATION_FAILED, serverName, msg)));
          return ToolOutcome.error(msg);
        }
        LOG.warn(
            "session {}: MCP server {} failed a call ({})",
            session.id(),
            serverName,
            e.getClass().getSimpleName());
        return ToolOutcome.error(
            "the MCP server " + serverName + " failed: " + McpDialer.reason(e, conn.cred()));
      }
    }
  }

  private HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(McpDialer.CONNECT_TIMEOUT).build();
    }
    return http;
  }

  @Override
  public void close() {
    open.keySet().stream().toList().forEach(this::drop);
  }

  private McpDialer.Conn ensure(
      Session session, McpServer server, Consumer<List<EventDraft>> journal) {
    McpDialer.Conn conn = open.get(server.name());
    if (conn != null || failed.contains(server.name())) {
      return conn;
    }
    try {
      conn = connect(session, server);
      open.put(server.name(), conn);
      return conn;
    } catch (Failure f) {
      failed.add(server.name());
      LOG.info("session {}: MCP server {}: {}", session.id(), server.name(), f.getMessage());
      journal.accept(List.of(error(f.type, server.name(), f.getMessage())));
      return null;
    }
  }

  private void drop(String serverName) {
    McpDialer.Conn c = open.remove(serverName);
    if (c != null) {
      try {
        c.client().close();
      } catch (RuntimeException e) {
        LOG.debug("closing MCP client {} failed", serverName, e);
      }
    }
  }

  private McpDialer.Conn connect(Session session, McpServer server) throws Failure {
    McpCredential cred =
        McpCredential.find(vaults, box, clock, http(), session.vaultIds(), server.url())
            .orElse(null);
    for (int attempt = 0; ; attempt++) {
      try {
        if (cred != null) {
          cred.bearer();
        }
        return McpDialer.open(server, cred);
      } catch (McpCredential.AuthFailure e) {
        throw new Failure(AUTHENTICATION_FAILED, e.getMessage());
      } catch (RuntimeException e) {
        Integer status = McpDialer.authStatus(e);
        if (status == null) {
          throw new Failure(
              CONNECTION_FAILED,
              "could not connect to the MCP server "
                  + server.name()
                  + ": "
                  + McpDialer.reason(e, cred));
        }
        if (attempt == 0 && status == 401 && cred != null) {
          try {
            if (cred.refreshAfterRefusal()) {
              continue;
            }
          } catch (McpCredential.AuthFailure f) {
            throw new Failure(AUTHENTICATION_FAILED, f.getMessage());
          }
        }
        throw new Failure(
            AUTHENTICATION_FAILED,
            "the MCP server "
                + server.name()
                + " refused "
                + (cred == null ? "the connection without credentials" : "the vault credential")
                + " (HTTP "
                + status
                + ")");
      }
    }
  }

  private static boolean enabled(ToolSpec.McpToolset set, String tool) {
    for (ToolConfig c : set.configs()) {
      if (c.name().equals(tool)) {
        return c.enabled();
      }
    }
    return set.defaultConfig() == null || set.defaultConfig().enabled();
  }

  private static JsonNode schema(McpSchema.Tool tool) {
    try {
      if (tool.inputSchema() != null) {
        return Json.mapper()
            .readTree(McpJsonDefaults.getMapper().writeValueAsString(tool.inputSchema()));
      }
    } catch (java.io.IOException e) {
      // fall through to an open schema
    }
    return Json.mapper().createObjectNode().put("type", "object");
  }

  private static ToolOutcome outcome(McpSchema.CallToolResult r, McpCredential cred) {
    StringBuilder sb = new StringBuilder();
    if (r.content() != null) {
      for (McpSchema.Content c : r.content()) {
        if (!sb.isEmpty()) {
          sb.append('\n');
        }
        if (c instanceof McpSchema.TextContent t) {
          sb.append(t.text());
        } else {
          sb.append('[').append(c.type()).append(" content omitted]");
        }
      }
    }
    if (sb.isEmpty() && r.structuredContent() != null) {
      try {
        sb.append(McpJsonDefaults.getMapper().writeValueAsString(r.structuredContent()));
      } catch (java.io.IOException e) {
        sb.append("[structured content omitted]");
      }
    }
    String text = McpDialer.scrub(cred, sb.toString());
    return Boolean.TRUE.equals(r.isError()) ? ToolOutcome.error(text) : ToolOutcome.ok(text);
  }

  private EventDraft error(String type, String server, String message) {
    var err = Events.object().put("type", type).put("mcp_server_name", server);
    err.put("message", message);
    err.putObject("retry_status").put("type", "terminal");
    return dev.agentry.core.EventCodec.draft(new Event.SessionError(err), clock.instant());
  }
}
