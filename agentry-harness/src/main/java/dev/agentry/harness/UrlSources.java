package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Event;
import dev.agentry.core.LogEntry;
import dev.agentry.core.StoredEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code web_fetch} tool's {@code url_sources}: where a URL it fetches may have come from. With
 * none configured any URL may be fetched. Otherwise the URL must appear verbatim in the text of an
 * event the configuration trusts: a user message ({@code user_input}), a custom tool's result sent
 * by the client ({@code client_tool_results}), or a result of a tool the server ran, built-in or
 * MCP ({@code server_tool_results}); a URL the model made up, or read only in an untrusted result,
 * is refused. This is what stops a prompt injection in one page from sending the agent to an
 * address of the attacker's choosing. Each source is {@code "all"}, {@code "none"} or {@code {type:
 * "only"|"except", tools:[{type:"tool_reference", name}]}}; a source left out counts as {@code
 * "all"}. Redirects are followed from a URL that passed.
 */
final class UrlSources {
  static final List<String> SOURCES =
      List.of("user_input", "client_tool_results", "server_tool_results");

  private static final java.util.Set<String> RELEVANT =
      java.util.Set.of(
          "agent.tool_use",
          "agent.mcp_tool_use",
          "agent.custom_tool_use",
          "user.message",
          "user.custom_tool_result",
          "agent.tool_result",
          "agent.mcp_tool_result");

  private final JsonNode config;

  private UrlSources(JsonNode config) {
    this.config = config;
  }

  static UrlSources of(JsonNode urlSources) {
    return new UrlSources(urlSources == null || urlSources.isNull() ? null : urlSources);
  }

  boolean restricts() {
    return config != null;
  }

  /** Why {@code url} may not be fetched given the session's {@code log}, or empty if it may. */
  Optional<String> refusal(String url, List<StoredEvent> log) {
    if (config == null) {
      return Optional.empty();
    }
    String wanted = json(url.trim());
    Map<String, String> toolNames = new HashMap<>();
    for (StoredEvent e : log) {
      if (RELEVANT.contains(e.type()) && trusts(LogEntry.of(e), wanted, toolNames)) {
        return Optional.empty();
      }
    }
    return Optional.of(
        "the URL "
            + url.trim()
            + " does not appear in any source this tool's url_sources trusts ("
            + config
            + "); fetch only URLs given by the user or by a trusted tool's result");
  }

  /**
   * Whether {@code e} is a trusted source that holds {@code wanted}; tool calls are remembered in
   * {@code toolNames}, for the results that follow them.
   */
  private boolean trusts(LogEntry e, String wanted, Map<String, String> toolNames) {
    return switch (e.event()) {
      case Event.AgentToolUse u -> named(toolNames, e, u.name());
      case Event.AgentMcpToolUse u -> named(toolNames, e, u.name());
      case Event.AgentCustomToolUse u -> named(toolNames, e, u.name());
      case Event.UserMessage m -> allows("user_input", null) && holds(m.content(), wanted);
      case Event.UserCustomToolResult r ->
          allows("client_tool_results", toolNames.get(r.customToolUseId()))
              && holds(r.content(), wanted);
      case Event.AgentToolResult r ->
          allows("server_tool_results", toolNames.get(r.toolUseId())) && holds(r.content(), wanted);
      case Event.AgentMcpToolResult r ->
          allows("server_tool_results", toolNames.get(r.mcpToolUseId()))
              && holds(r.content(), wanted);
      case Event.UserInterrupt x -> false;
      case Event.UserToolConfirmation x -> false;
      case Event.UserToolResult x -> false; // self-hosted environments only; not run here
      case Event.UserDefineOutcome x -> false;
      case Event.SystemMessage x -> false;
      case Event.AgentMessage x -> false;
      case Event.AgentThinking x -> false;
      case Event.AgentThreadContextCompacted x -> false;
      case Event.AgentThreadMessageSent x -> false;
      case Event.AgentThreadMessageReceived x -> false;
      case Event.SessionStatusRunning x -> false;
      case Event.SessionStatusRescheduled x -> false;
      case Event.SessionStatusTerminated x -> false;
      case Event.SessionStatusIdle x -> false;
      case Event.SessionError x -> false;
      case Event.SessionDeleted x -> false;
      case Event.SessionUpdated x -> false;
      case Event.SessionUsageSnapshot x -> false;
      case Event.SessionThreadCreated x -> false;
      case Event.SessionThreadStatusRunning x -> false;
      case Event.SessionThreadStatusRescheduled x -> false;
      case Event.SessionThreadStatusTerminated x -> false;
      case Event.SessionThreadStatusIdle x -> false;
      case Event.SpanModelRequestStart x -> false;
      case Event.SpanModelRequestEnd x -> false;
      case Event.SpanOutcomeEvaluationStart x -> false;
      case Event.SpanOutcomeEvaluationOngoing x -> false;
      case Event.SpanOutcomeEvaluationEnd x -> false;
      case Event.WorkflowRunEvent x -> false;
      case Event.Unknown x -> false;
      case Event.Corrupt x -> false; // what cannot be read cannot vouch for a URL
    };
  }

  private static boolean named(Map<String, String> toolNames, LogEntry use, String name) {
    toolNames.put(use.id(), name);
    return false;
  }

  /** Content is matched in its stored JSON form. */
  private static boolean holds(JsonNode content, String wanted) {
    return content != null && content.toString().contains(wanted);
  }

  private boolean allows(String source, String toolName) {
    JsonNode rule = config.get(source);
    if (rule == null || rule.isNull() || "all".equals(rule.asText())) {
      return true;
    }
    if (!rule.isObject()) {
      return false; // "none"
    }
    boolean listed = false;
    for (JsonNode tool : rule.path("tools")) {
      listed |= tool.path("name").asText().equals(toolName);
    }
    return rule.path("type").asText().equals("only") == listed;
  }

  /** The URL as it appears inside a JSON string (content is matched in its stored JSON form). */
  private static String json(String url) {
    String quoted = dev.agentry.core.Json.mapper().getNodeFactory().textNode(url).toString();
    return quoted.substring(1, quoted.length() - 1);
  }
}
