package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.StoredEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompactionTest extends HarnessTestBase {

  @Override
  HarnessConfig config() {
    return super.config().withCompaction(0.8, Map.of("claude-test", 1000));
  }

  @Test
  void pastTheThreshold_olderTurnsAreSummarised_theContextUsesTheSummary_andTheLogKeepsAll() {
    model
        .then(
            (r, c) ->
                new ModelResponse(
                    List.of(new ContentBlock.Text("answer one")),
                    "end_turn",
                    new ModelUsage(900, 5, 0, 0)))
        .thenText("SUMMARY")
        .thenText("answer two");
    say("first");
    awaitIdles(1);
    List<StoredEvent> before = log();
    say("second");
    awaitIdles(2);

    assertThat(model.requests).hasSize(3);
    List<ModelMessage> summarising = model.requests.get(1).messages();
    ContentBlock last = summarising.get(summarising.size() - 1).content().getLast();
    assertThat(last).isEqualTo(new ContentBlock.Text(Compaction.INSTRUCTION));
    assertThat(summarising.toString()).contains("answer one").doesNotContain("second");

    assertThat(model.requests.get(2).messages())
        .containsExactly(
            ModelMessage.user(
                List.of(
                    new ContentBlock.Text(ContextBuilder.SUMMARY_PREFIX + "SUMMARY"),
                    new ContentBlock.Text("second"))));

    StoredEvent compacted = ofType("agent.thread_context_compacted").get(0);
    var p = Events.payload(compacted);
    assertThat(p.path("summary").asText()).isEqualTo("SUMMARY");
    long through = p.path("compacted_through_seq").asLong();
    assertThat(before.stream().filter(e -> e.seq() == through).findFirst().orElseThrow().type())
        .isEqualTo("span.model_request_end");
    List<StoredEvent> after = log();
    assertThat(after.subList(0, before.size()))
        .usingRecursiveComparison()
        .ignoringFields("processedAt")
        .isEqualTo(before);
    assertThat(stored().usage().inputTokens()).isEqualTo(920);
    golden("compaction");
  }
}
