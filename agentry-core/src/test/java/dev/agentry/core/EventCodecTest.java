package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {

  /** Payloads exactly as Agentry wrote them before typed events (one per kind of writer). */
  static final Map<String, List<String>> WRITTEN =
      Map.ofEntries(
          Map.entry("user.message", List.of("{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}")),
          Map.entry("user.interrupt", List.of("{}", "{\"session_thread_id\":\"sthr_1\"}")),
          Map.entry(
              "user.tool_confirmation",
              List.of(
                  "{\"tool_use_id\":\"sevt_1\",\"result\":\"allow\"}",
                  "{\"tool_use_id\":\"sevt_1\",\"result\":\"deny\",\"deny_message\":\"no\"}")),
          Map.entry(
              "user.custom_tool_result",
              List.of(
                  "{\"custom_tool_use_id\":\"sevt_2\",\"content\":[{\"type\":\"text\",\"text\":\"42\"}],\"is_error\":false}")),
          Map.entry("agent.message", List.of("{\"content\":[{\"type\":\"text\",\"text\":\"a\"}]}")),
          Map.entry("agent.thinking", List.of("{}")),
          Map.entry(
              "agent.tool_use",
              List.of(
                  "{\"name\":\"bash\",\"input\":{\"command\":\"ls\"},\"evaluated_permission\":\"allow\",\"evaluation\":{\"type\":\"always_allow\"}}",
                  "{\"name\":\"bash\",\"input\":{\"command\":\"rm\"},\"evaluated_permission\":\"deny\",\"evaluation\":{\"type\":\"auto\",\"evaluated_permission\":{\"type\":\"deny\",\"reason_code\":\"destructive\"}}}",
                  "{\"name\":\"bash\",\"input\":{},\"evaluated_permission\":\"allow\"}")),
          Map.entry(
              "agent.tool_result",
              List.of(
                  "{\"tool_use_id\":\"sevt_3\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"is_error\":false}")),
          Map.entry(
              "agent.mcp_tool_use",
              List.of(
                  "{\"name\":\"add\",\"mcp_server_name\":\"tools\",\"input\":{\"a\":1},\"evaluated_permission\":\"ask\",\"evaluation\":{\"type\":\"always_ask\"}}")),
          Map.entry(
              "agent.mcp_tool_result",
              List.of(
                  "{\"mcp_tool_use_id\":\"sevt_4\",\"content\":[{\"type\":\"text\",\"text\":\"3\"}],\"is_error\":true}")),
          Map.entry(
              "agent.custom_tool_use", List.of("{\"name\":\"lookup\",\"input\":{\"q\":\"x\"}}")),
          Map.entry(
              "agent.thread_context_compacted",
              List.of("{\"summary\":\"so far\",\"compacted_through_seq\":12}")),
          Map.entry("session.status_running", List.of("{}")),
          Map.entry("session.status_rescheduled", List.of("{}")),
          Map.entry(
              "session.status_idle",
              List.of(
                  "{\"stop_reason\":{\"type\":\"end_turn\"},\"stop_details\":null}",
                  "{\"stop_reason\":{\"type\":\"requires_action\",\"event_ids\":[\"sevt_5\",\"sevt_6\"]},\"stop_details\":null}")),
          Map.entry(
              "session.error",
              List.of(
                  "{\"error\":{\"type\":\"billing_error\",\"message\":\"no credit\",\"retry_status\":{\"type\":\"terminal\"}}}",
                  "{\"error\":{\"type\":\"mcp_connection_failed_error\",\"mcp_server_name\":\"tools\",\"message\":\"down\",\"retry_status\":{\"type\":\"terminal\"}}}")),
          Map.entry(
              "session.usage",
              List.of(
                  "{\"usage\":{\"input_tokens\":10,\"output_tokens\":5,\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"active_seconds\":0.123456,\"list_cost\":{\"amount\":\"0\",\"currency\":\"USD\"},\"server_tool_use\":{\"web_search_requests\":0,\"web_fetch_requests\":0}},\"budget\":{\"type\":\"limit\"},\"stop_reason\":{\"type\":\"budget_reached\"}}")),
          Map.entry("session.updated", List.of("{\"title\":\"t\",\"metadata\":{\"k\":\"v\"}}")),
          Map.entry("span.model_request_start", List.of("{}")),
          Map.entry(
              "span.model_request_end",
              List.of(
                  "{\"model_request_start_id\":\"sevt_7\",\"is_error\":false,\"model_usage\":{\"input_tokens\":10,\"output_tokens\":5,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0}}")));

  @Test
  void everyPayloadAgentryWrites_readsAsItsRecord_andWritesBackByteForByte() {
    WRITTEN.forEach(
        (type, payloads) -> {
          for (String payload : payloads) {
            Event e = EventCodec.read(type, payload);
            assertThat(e).as(type).isNotInstanceOf(Event.Corrupt.class);
            assertThat(e).as(type).isNotInstanceOf(Event.Unknown.class);
            assertThat(e.type()).isEqualTo(type);
            assertThat(EventCodec.write(e)).as(type).isEqualTo(payload);
          }
        });
  }

  @Test
  void records_carryTheFieldsTheFoldsRead() {
    var use =
        (Event.AgentToolUse)
            EventCodec.read("agent.tool_use", WRITTEN.get("agent.tool_use").get(1));
    assertThat(use.name()).isEqualTo("bash");
    assertThat(use.evaluatedPermission()).isEqualTo("deny");
    assertThat(use.input().path("command").asText()).isEqualTo("rm");
    var idle =
        (Event.SessionStatusIdle)
            EventCodec.read("session.status_idle", WRITTEN.get("session.status_idle").get(1));
    assertThat(idle.stopReason().eventIds()).containsExactly("sevt_5", "sevt_6");
    var end =
        (Event.SpanModelRequestEnd)
            EventCodec.read("span.model_request_end", WRITTEN.get("span.model_request_end").get(0));
    assertThat(end.modelUsage().total()).isEqualTo(15);
    assertThat(end.failed()).isFalse();
    var error =
        (Event.SessionError) EventCodec.read("session.error", WRITTEN.get("session.error").get(1));
    assertThat(error.retryStatus()).isEqualTo("terminal");
  }

  @Test
  void anUnknownType_survivesAsUnknown_andWritesBackAsRead() {
    String payload = "{\"z\":1,\"a\":[true]}";
    Event e = EventCodec.read("agent.future_thing", payload);
    assertThat(e).isEqualTo(new Event.Unknown("agent.future_thing", payload));
    assertThat(e.type()).isEqualTo("agent.future_thing");
    assertThat(EventCodec.write(e)).isEqualTo(payload);
  }

  @Test
  void aRowThatDoesNotParseAsItsType_isCorrupt_namingWhy_neverAnException() {
    assertThat(EventCodec.read("agent.message", "{not json"))
        .isEqualTo(new Event.Corrupt("agent.message", "{not json", "it is not JSON"));
    assertThat(((Event.Corrupt) EventCodec.read("agent.tool_result", "{\"content\":[]}")).problem())
        .isEqualTo("it has no tool_use_id");
    assertThat(
            ((Event.Corrupt) EventCodec.read("agent.tool_use", "{\"name\":{\"x\":1},\"input\":{}}"))
                .problem())
        .isEqualTo("its field name has the wrong type");
    assertThat(EventCodec.read("session.status_idle", "[]")).isInstanceOf(Event.Corrupt.class);
    assertThat(
            ((Event.Corrupt) EventCodec.read("agent.message", "{\"content\":[{\"type\":\"te}"))
                .problem())
        .isEqualTo("it is not JSON");
  }

  @Test
  void everyRecord_hasOneWireType_andEveryKnownTypeReadsAsItsOwnRecord() {
    java.util.Set<Class<?>> read = new java.util.HashSet<>();
    for (String type : EventCodec.knownTypes()) {
      Event e = EventCodec.read(type, minimal(type));
      assertThat(e).as(type).isNotInstanceOf(Event.Corrupt.class);
      assertThat(e.type()).isEqualTo(type);
      read.add(e.getClass());
    }
    java.util.Set<Class<?>> records = records(Event.class);
    records.remove(Event.Unknown.class);
    records.remove(Event.Corrupt.class);
    assertThat(read).isEqualTo(records);
  }

  private static java.util.Set<Class<?>> records(Class<?> sealed) {
    java.util.Set<Class<?>> out = new java.util.HashSet<>();
    for (Class<?> c : sealed.getPermittedSubclasses()) {
      if (c.isRecord()) {
        out.add(c);
      } else {
        out.addAll(records(c));
      }
    }
    return out;
  }

  private static String minimal(String type) {
    return switch (type) {
      case "user.tool_confirmation", "user.tool_result", "agent.tool_result" ->
          "{\"tool_use_id\":\"x\"}";
      case "user.custom_tool_result" -> "{\"custom_tool_use_id\":\"x\"}";
      case "agent.mcp_tool_result" -> "{\"mcp_tool_use_id\":\"x\"}";
      case "agent.tool_use", "agent.custom_tool_use" -> "{\"name\":\"x\"}";
      case "agent.mcp_tool_use" -> "{\"name\":\"x\",\"mcp_server_name\":\"s\"}";
      case "session.status_idle" -> "{\"stop_reason\":{\"type\":\"end_turn\"}}";
      case "session.error" -> "{\"error\":{}}";
      default -> "{}";
    };
  }
}
