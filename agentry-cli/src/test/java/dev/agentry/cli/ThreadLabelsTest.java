package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import org.junit.jupiter.api.Test;

class ThreadLabelsTest {
  private static JsonNode event(String json) throws Exception {
    return Json.mapper().readTree(json);
  }

  private static final String AT = "\"processed_at\":\"2026-12-03T18:01:02.000000Z\"";

  @Test
  void childLines_areLabelledWithTheirAgentName_primaryLinesAreNot() throws Exception {
    ThreadLabels labels = new ThreadLabels();

    String created =
        labels.line(
            event(
                "{\"type\":\"session.thread_created\",\"session_thread_id\":\"sthr_1\","
                    + "\"agent_name\":\"researcher\","
                    + AT
                    + "}"));
    String sent =
        labels.line(
            event(
                "{\"type\":\"agent.thread_message_sent\",\"to_session_thread_id\":\"sthr_1\","
                    + "\"to_agent_name\":\"researcher\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"find the bug\"}],"
                    + AT
                    + "}"));
    String childTool =
        labels.line(
            event(
                "{\"type\":\"agent.tool_use\",\"session_thread_id\":\"sthr_1\",\"id\":\"sevt_9\","
                    + "\"name\":\"bash\",\"input\":{\"command\":\"ls\"},"
                    + AT
                    + "}"));
    String childReply =
        labels.line(
            event(
                "{\"type\":\"agent.thread_message_sent\",\"session_thread_id\":\"sthr_1\","
                    + "\"to_session_thread_id\":\"sthr_0\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"found it\"}],"
                    + AT
                    + "}"));
    String received =
        labels.line(
            event(
                "{\"type\":\"agent.thread_message_received\",\"from_session_thread_id\":\"sthr_1\","
                    + "\"from_agent_name\":\"researcher\",\"content\":[{\"type\":\"text\","
                    + "\"text\":\"found it\"}],"
                    + AT
                    + "}"));
    String idle =
        labels.line(
            event(
                "{\"type\":\"session.thread_status_idle\",\"session_thread_id\":\"sthr_1\","
                    + "\"agent_name\":\"researcher\",\"stop_reason\":{\"type\":\"end_turn\"},"
                    + AT
                    + "}"));
    String primary =
        labels.line(
            event(
                "{\"type\":\"agent.message\",\"content\":[{\"type\":\"text\",\"text\":\"done\"}],"
                    + AT
                    + "}"));

    assertThat(created).isEqualTo("18:01:02 session.thread_created  researcher");
    assertThat(sent).isEqualTo("18:01:02 agent.thread_message_sent  to researcher: find the bug");
    assertThat(childTool)
        .isEqualTo("18:01:02 [researcher] agent.tool_use  bash {\"command\":\"ls\"}");
    assertThat(childReply)
        .isEqualTo("18:01:02 [researcher] agent.thread_message_sent  to coordinator: found it");
    assertThat(received)
        .isEqualTo("18:01:02 agent.thread_message_received  from researcher: found it");
    assertThat(idle).isEqualTo("18:01:02 session.thread_status_idle  researcher end_turn");
    assertThat(primary).isEqualTo("18:01:02 agent.message  done");
  }

  @Test
  void anUnknownThread_isLabelledWithItsId() throws Exception {
    assertThat(
            new ThreadLabels()
                .line(
                    event(
                        "{\"type\":\"agent.message\",\"session_thread_id\":\"sthr_x\","
                            + "\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
                            + AT
                            + "}")))
        .isEqualTo("18:01:02 [sthr_x] agent.message  hi");
  }
}
