package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Json;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.StoredEvent;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden replays: recorded logs folded by the current code give the recorded contexts. */
class ContextBuilderTest {
  private static final Instant AT = Instant.parse("2026-04-01T00:00:00Z");

  @Test
  void goldenReplay_toolsAndSteering_foldsToTheRecordedMessages() throws IOException {
    List<StoredEvent> log = load("golden/tools-and-steering.log.json");
    Context ctx = ContextBuilder.build(log, 50_000);
    assertThat(render(ctx.messages())).isEqualTo(read("golden/tools-and-steering.expected.json"));
    assertThat(ctx.awaitingModel()).isFalse();
    assertThat(ctx.lastRequestTokens()).isEqualTo(1512L);
  }

  @Test
  void goldenReplay_folding_isDeterministicAndLeavesTheLogAlone() throws IOException {
    List<StoredEvent> log = load("golden/tools-and-steering.log.json");
    List<StoredEvent> copy = List.copyOf(log);
    assertThat(ContextBuilder.build(log, 50_000)).isEqualTo(ContextBuilder.build(log, 50_000));
    assertThat(log).isEqualTo(copy);
  }

  @Test
  void compaction_replacesTheCompactedPrefixWithTheSummary() throws IOException {
    List<StoredEvent> log = new ArrayList<>(load("golden/tools-and-steering.log.json"));
    log.add(
        event(
            34,
            "agent.thread_context_compacted",
            "{\"summary\":\"S\",\"compacted_through_seq\":9}",
            true));
    Context ctx = ContextBuilder.build(log, 50_000);
    assertThat(ctx.compactedThroughSeq()).isEqualTo(9);
    assertThat(ctx.messages().get(0))
        .isEqualTo(
            ModelMessage.user(List.of(new ContentBlock.Text(ContextBuilder.SUMMARY_PREFIX + "S"))));
    assertThat(ctx.messages().get(1).content().get(0))
        .isEqualTo(
            new ContentBlock.ToolUse("sevt_16", "count_files", FakeModel.json("{\"dir\":\".\"}")));
    assertThat(render(ctx.messages()).toString()).doesNotContain("What is in this picture");
    assertThat(ctx.lastRequestTokens()).isNull();
  }

  @Test
  void oversizedToolResult_isTruncatedInTheContext_withANote() {
    String big = "x".repeat(1000);
    List<StoredEvent> log =
        List.of(
            event(1, "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}", true),
            event(2, "span.model_request_start", "{}", true),
            event(3, "agent.tool_use", "{\"name\":\"read\",\"input\":{}}", true),
            event(4, "span.model_request_end", "{\"is_error\":false}", true),
            event(
                5,
                "agent.tool_result",
                "{\"tool_use_id\":\"sevt_3\",\"content\":[{\"type\":\"text\",\"text\":\""
                    + big
                    + "\"}],\"is_error\":false}",
                true));
    Context ctx = ContextBuilder.build(log, 100);
    var result = (ContentBlock.ToolResult) ctx.messages().get(2).content().get(0);
    assertThat(result.text()).startsWith("x".repeat(100)).contains("900 more characters");
    assertThat(ctx.awaitingModel()).isTrue();
  }

  private static StoredEvent event(long seq, String type, String payload, boolean processed) {
    return new StoredEvent("sesn_g", seq, "sevt_" + seq, type, payload, AT, processed ? AT : null);
  }

  static List<StoredEvent> load(String resource) throws IOException {
    List<StoredEvent> out = new ArrayList<>();
    for (JsonNode e : read(resource).path("events")) {
      out.add(
          new StoredEvent(
              "sesn_golden",
              e.path("seq").asLong(),
              e.path("id").asText(),
              e.path("type").asText(),
              e.path("payload").toString(),
              AT,
              e.path("processed").asBoolean() ? AT : null));
    }
    return out;
  }

  private static JsonNode read(String resource) throws IOException {
    try (InputStream in = ContextBuilderTest.class.getClassLoader().getResourceAsStream(resource)) {
      return Json.mapper().readTree(in);
    }
  }

  /** The messages in the fixture's JSON form, one object per block with its kind as type. */
  private static JsonNode render(List<ModelMessage> messages) {
    ArrayNode out = Json.mapper().createArrayNode();
    for (ModelMessage m : messages) {
      ObjectNode msg = out.addObject().put("role", m.role());
      ArrayNode content = msg.putArray("content");
      for (ContentBlock b : m.content()) {
        ObjectNode o = content.addObject();
        switch (b) {
          case ContentBlock.Text t -> o.put("type", "text").put("text", t.text());
          case ContentBlock.ToolUse u -> {
            o.put("type", "tool_use").put("id", u.id()).put("name", u.name());
            o.set("input", u.input());
          }
          case ContentBlock.ToolResult r ->
              o.put("type", "tool_result")
                  .put("tool_use_id", r.toolUseId())
                  .put("text", r.text())
                  .put("is_error", r.isError());
          case ContentBlock.Thinking t -> o.put("type", "thinking").put("thinking", t.thinking());
          case ContentBlock.Raw r -> o.put("type", "raw").set("block", r.block());
        }
      }
    }
    return out;
  }
}
