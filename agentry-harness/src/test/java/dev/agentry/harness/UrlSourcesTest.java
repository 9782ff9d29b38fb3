package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code url_sources}: a fetched URL must come from a source the tool trusts. */
class UrlSourcesTest {
  final List<StoredEvent> log = new ArrayList<>();

  void event(String id, String type, String payload) {
    log.add(
        new StoredEvent("sesn_x", log.size() + 1, id, type, payload, Instant.EPOCH, Instant.EPOCH));
  }

  static UrlSources of(String json) throws Exception {
    JsonNode node = json == null ? null : Json.mapper().readTree(json);
    return UrlSources.of(node);
  }

  /** A payload with {@code fields} (JSON members, may be empty) and one text block. */
  static String text(String fields, String t) {
    return "{" + fields + "\"content\":[{\"type\":\"text\",\"text\":\"" + t + "\"}]}";
  }

  @Test
  void withoutUrlSources_anyUrlMayBeFetched() throws Exception {
    assertThat(of(null).restricts()).isFalse();
    assertThat(of(null).refusal("https://made.up/", log)).isEmpty();
  }

  @Test
  void aUrlTheUserGave_passes_aUrlTheModelMadeUp_doesNot() throws Exception {
    event("sevt_1", "user.message", text("", "read https://docs.example.com/a?b=1 please"));
    event("sevt_2", "agent.message", text("", "and https://evil.example/x"));
    UrlSources sources = of("{\"user_input\":\"all\",\"server_tool_results\":\"none\"}");
    assertThat(sources.refusal("https://docs.example.com/a?b=1", log)).isEmpty();
    assertThat(sources.refusal("https://evil.example/x", log))
        .get()
        .asString()
        .contains("does not appear in any source");
    assertThat(of("{\"user_input\":\"none\"}").refusal("https://docs.example.com/a?b=1", log))
        .isPresent();
  }

  @Test
  void toolResults_areTrustedPerTool_onlyOrExcept() throws Exception {
    event("sevt_1", "agent.tool_use", "{\"name\":\"web_search\",\"input\":{}}");
    event("sevt_2", "agent.tool_result", text("\"tool_use_id\":\"sevt_1\",", "https://a.example/"));
    event("sevt_3", "agent.tool_use", "{\"name\":\"web_fetch\",\"input\":{}}");
    event("sevt_4", "agent.tool_result", text("\"tool_use_id\":\"sevt_3\",", "https://b.example/"));
    event("sevt_5", "agent.custom_tool_use", "{\"name\":\"lookup\",\"input\":{}}");
    event(
        "sevt_6",
        "user.custom_tool_result",
        text("\"custom_tool_use_id\":\"sevt_5\",", "https://c.example/"));
    UrlSources onlySearch =
        of(
            "{\"server_tool_results\":{\"type\":\"only\",\"tools\":"
                + "[{\"type\":\"tool_reference\",\"name\":\"web_search\"}]},"
                + "\"client_tool_results\":\"none\"}");
    assertThat(onlySearch.refusal("https://a.example/", log)).isEmpty();
    assertThat(onlySearch.refusal("https://b.example/", log)).isPresent();
    assertThat(onlySearch.refusal("https://c.example/", log)).isPresent();
    UrlSources exceptFetch =
        of(
            "{\"server_tool_results\":{\"type\":\"except\",\"tools\":"
                + "[{\"type\":\"tool_reference\",\"name\":\"web_fetch\"}]}}");
    assertThat(exceptFetch.refusal("https://a.example/", log)).isEmpty();
    assertThat(exceptFetch.refusal("https://b.example/", log)).isPresent();
    assertThat(exceptFetch.refusal("https://c.example/", log)).isEmpty(); // left out: all
  }
}
