package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.McpServer;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Permission verdicts of MCP tool calls, and how the log folds an asking MCP call. */
class McpPermissionsTest {
  static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

  static Permissions permissions(ToolSpec... toolsets) {
    AgentSpec spec =
        new AgentSpec(
            "tester",
            "",
            "",
            new ModelConfig("claude-test", null, null, null),
            List.of(toolsets),
            List.of(
                new McpServer("url", "gh", "http://127.0.0.1:1/mcp"),
                new McpServer("url", "other", "http://127.0.0.1:2/mcp")),
            List.of(),
            Map.of(),
            null,
            null);
    return Permissions.of(spec, AutoPolicy.none());
  }

  static ToolSpec.McpToolset mcp(String server, String defaultPolicy, ToolConfig... configs) {
    DefaultToolConfig d =
        defaultPolicy == null
            ? null
            : new DefaultToolConfig(true, new PermissionPolicy(defaultPolicy));
    return new ToolSpec.McpToolset(server, d, List.of(configs));
  }

  static JsonNode verdict(Permissions p, String server, String tool) {
    EventDraft d = p.mcpToolUse(server, tool, Json.mapper().createObjectNode(), AT);
    assertThat(d.type()).isEqualTo(McpEvents.USE);
    try {
      return Json.mapper().readTree(d.payload());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void perToolConfigWins_elseDefaultConfig_elseAlwaysAllow() {
    Permissions p =
        permissions(
            mcp(
                "gh",
                "always_ask",
                ToolConfig.simple("list_issues", true, PermissionPolicy.ALWAYS_ALLOW)),
            mcp("other", null));

    JsonNode allowed = verdict(p, "gh", "list_issues");
    assertThat(allowed.get("name").asText()).isEqualTo("list_issues");
    assertThat(allowed.get("mcp_server_name").asText()).isEqualTo("gh");
    assertThat(allowed.get("evaluated_permission").asText()).isEqualTo("allow");
    assertThat(allowed.get("evaluation").toString()).isEqualTo("{\"type\":\"always_allow\"}");

    JsonNode asked = verdict(p, "gh", "create_issue");
    assertThat(asked.get("evaluated_permission").asText()).isEqualTo("ask");
    assertThat(asked.get("evaluation").toString()).isEqualTo("{\"type\":\"always_ask\"}");

    assertThat(verdict(p, "other", "x").get("evaluated_permission").asText()).isEqualTo("allow");
    assertThat(verdict(p, "unknown", "x").get("evaluated_permission").asText()).isEqualTo("allow");
  }

  @Test
  void autoAsks_withReasonCodeMcpTool() {
    Permissions p =
        permissions(mcp("gh", null, ToolConfig.simple("delete_repo", true, PermissionPolicy.AUTO)));
    JsonNode v = verdict(p, "gh", "delete_repo");
    assertThat(v.get("evaluated_permission").asText()).isEqualTo("ask");
    assertThat(v.get("evaluation").toString())
        .isEqualTo(
            "{\"type\":\"auto\",\"evaluated_permission\":{\"type\":\"ask\",\"reason_code\":\"mcp_tool\"}}");
    assertThat(Permissions.refusal(v)).isEmpty();
  }

  @Test
  void askingMcpCall_blocksUntilConfirmed_andIsNotAnsweredAsCutShort() {
    Permissions p = permissions(mcp("gh", "always_ask"));
    List<StoredEvent> log = new ArrayList<>();
    add(log, Events.running(AT), true);
    add(log, p.mcpToolUse("gh", "create_issue", Json.mapper().createObjectNode(), AT), true);
    String useId = log.getLast().id();

    LogState s = LogState.fold(log);
    assertThat(s.blockingIds()).containsExactly(useId);
    assertThat(s.openToolUses).isEmpty();
    assertThat(s.openMcpUses).isEmpty();

    // Queued (not yet processed) confirmation: still waiting, not a cut-short call.
    String confirmation = "{\"tool_use_id\":\"" + useId + "\",\"result\":\"allow\"}";
    add(log, EventDraft.of("user.tool_confirmation", confirmation, AT), false);
    s = LogState.fold(log);
    assertThat(s.queuedConfirmations).hasSize(1);
    assertThat(Permissions.answer(s.queuedConfirmations.getFirst(), s).pending()).isTrue();
    assertThat(s.openMcpUses).isEmpty();

    // Settled allow without a result (the run died while the call ran): outcome unknown, once.
    log.set(log.size() - 1, processed(log.getLast()));
    s = LogState.fold(log);
    assertThat(s.blockingIds()).isEmpty();
    assertThat(s.openToolUses).isEmpty();
    List<EventDraft> cut = s.cutMcpAnswers(AT);
    assertThat(cut).hasSize(1);
    assertThat(cut.getFirst().payload()).contains(useId).contains("\"is_error\":true");
  }

  @Test
  void anAllowedMcpCallWithoutResult_isCutShort_andAnsweredOnceAsOfUnknownOutcome() {
    Permissions p = permissions(mcp("gh", "always_allow"));
    List<StoredEvent> log = new ArrayList<>();
    add(log, Events.running(AT), true);
    add(log, p.mcpToolUse("gh", "create_issue", Json.mapper().createObjectNode(), AT), true);
    String useId = log.getLast().id();
    LogState s = LogState.fold(log);
    assertThat(s.openMcpUses).containsOnlyKeys(useId);
    assertThat(s.blockingIds()).isEmpty();
    List<EventDraft> cut = s.cutMcpAnswers(AT);
    assertThat(cut).hasSize(1);
    assertThat(cut.getFirst().payload()).contains(useId).contains("unknown");

    add(log, cut.getFirst(), true);
    assertThat(LogState.fold(log).openMcpUses).isEmpty();
  }

  @Test
  void denyAnswersWithAnMcpResult_andMcpCallsCountAsToolRounds() {
    Permissions p = permissions(mcp("gh", "always_ask"));
    List<StoredEvent> log = new ArrayList<>();
    add(log, Events.running(AT), true);
    add(log, Events.spanStart(AT), true);
    add(log, p.mcpToolUse("gh", "create_issue", Json.mapper().createObjectNode(), AT), true);
    StoredEvent use = log.getLast();
    add(log, Events.spanEnd(log.get(1).id(), false, null, AT), true);
    add(
        log,
        McpEvents.resultFor(
            dev.agentry.core.LogEntry.of(use), Permissions.DEFAULT_DENY_MESSAGE, true, AT),
        true);
    LogState s = LogState.fold(log);
    assertThat(log.getLast().type()).isEqualTo(McpEvents.RESULT);
    assertThat(s.blockingIds()).isEmpty();
    assertThat(s.toolRoundsThisTurn).isEqualTo(1);
  }

  private static void add(List<StoredEvent> log, EventDraft d, boolean processed) {
    long seq = log.size() + 1;
    log.add(
        new StoredEvent("sesn_m", seq, d.id(), d.type(), d.payload(), AT, processed ? AT : null));
  }

  private static StoredEvent processed(StoredEvent e) {
    return new StoredEvent(e.sessionId(), e.seq(), e.id(), e.type(), e.payload(), AT, AT);
  }
}
