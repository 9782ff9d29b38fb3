package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.Json;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.StoredEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden replays (docs/agent-loop.md): the recorded log of each scenario, folded prefix by prefix
 * by the current code, gives the recorded next action at every point and, where that action sends a
 * request, the recorded model context. So old logs stay readable, and a change to the fold or the
 * loop shows up as a diff of {@code golden/<scenario>.expected.txt}. Write the expected files again
 * (after checking the change is meant) with {@code -Dagentry.golden.update=true}.
 */
class GoldenReplayTest {

  /** The recorded scenarios whose every row is well formed. */
  static final List<String> RECORDED =
      List.of(
          "plain-reply",
          "bash",
          "custom-tool",
          "confirmation-allow",
          "confirmation-deny",
          "interrupt",
          "interrupt-custom-tool",
          "retries",
          "retries-exhausted",
          "tool-round-limit",
          "compaction",
          "crash-mid-tool",
          "budget");

  static Stream<String> recorded() {
    return RECORDED.stream();
  }

  /** The recorded scenarios and one with a torn row. */
  static Stream<String> allScenarios() {
    return Stream.concat(RECORDED.stream(), Stream.of("corrupt-row"));
  }

  @ParameterizedTest
  @MethodSource("allScenarios")
  void replay_foldsEveryPrefix_toTheRecordedStepsAndContexts(String scenario) throws IOException {
    GoldenLogs golden = GoldenLogs.read(scenario);
    String replay = replay(golden);
    String name = "golden/" + scenario + ".expected.txt";
    if (Boolean.getBoolean("agentry.golden.update")) {
      Files.writeString(Path.of("src/test/resources", name), replay);
    }
    assertThat(replay).isEqualTo(resource(name));
  }

  @ParameterizedTest
  @MethodSource("recorded")
  void everyRecordedRow_readsAsItsRecord_andWritesBackByteForByte(String scenario) {
    for (StoredEvent e : GoldenLogs.read(scenario).log()) {
      Event event = EventCodec.read(e);
      assertThat(event).as("%s %s", e.seq(), e.type()).isNotInstanceOf(Event.Corrupt.class);
      assertThat(event).as("%s %s", e.seq(), e.type()).isNotInstanceOf(Event.Unknown.class);
      assertThat(EventCodec.write(event)).as("%s %s", e.seq(), e.type()).isEqualTo(e.payload());
    }
  }

  /** For each prefix: its last event, the next action, and the context a request would send. */
  static String replay(GoldenLogs golden) {
    GoldenLogs.Settings set = golden.settings();
    HarnessConfig config =
        HarnessConfig.defaults()
            .withMaxToolRounds(set.maxToolRounds())
            .withCompaction(set.compactionThreshold(), Map.of(set.model(), set.contextWindow()));
    List<LogEntry> log = golden.log().stream().map(LogEntry::of).toList();
    StringBuilder out = new StringBuilder("# scenario " + golden.scenario() + "\n");
    for (int k = 1; k <= log.size(); k++) {
      List<LogEntry> prefix = asOf(log.subList(0, k));
      LogState s = LogState.foldEntries(prefix);
      long tokens = tokens(prefix);
      LoopFacts facts =
          new LoopFacts(
              s,
              () -> ContextBuilder.of(prefix, set.toolResultContextChars()).context(),
              config,
              set.model(),
              false,
              () -> set.maxSessionTokens() > 0 && tokens >= set.maxSessionTokens());
      AgentLoop.Action next = AgentLoop.next(facts);
      LogEntry last = prefix.getLast();
      out.append(last.seq()).append(' ').append(last.type()).append(" -> ").append(next);
      out.append('\n');
      if (next == AgentLoop.Action.CALL_MODEL || next == AgentLoop.Action.COMPACT) {
        for (ModelMessage m : facts.context().messages()) {
          out.append("    ").append(m.role()).append(": ").append(Json.write(m.content()));
          out.append('\n');
        }
      }
    }
    Context end = ContextBuilder.of(asOf(log), set.toolResultContextChars()).context();
    out.append("# context of the whole log\n");
    for (ModelMessage m : end.messages()) {
      out.append("    ").append(m.role()).append(": ").append(Json.write(m.content())).append('\n');
    }
    return out.toString();
  }

  /**
   * The log as it stood when its last event was committed: a user event marked processed by a later
   * commit was still queued then (a commit's events are created after it marks them).
   */
  private static List<LogEntry> asOf(List<LogEntry> prefix) {
    java.time.Instant at = prefix.getLast().stored().createdAt();
    return prefix.stream()
        .map(
            e ->
                e.type().startsWith("user.")
                        && e.processedAt() != null
                        && e.processedAt().isAfter(at)
                    ? e.withStored(e.stored().withProcessedAt(null))
                    : e)
        .toList();
  }

  /** The session's token usage after {@code prefix}: what its model requests used. */
  private static long tokens(List<LogEntry> prefix) {
    long sum = 0;
    for (LogEntry e : prefix) {
      if (e.event() instanceof Event.SpanModelRequestEnd end && end.modelUsage() != null) {
        sum += end.modelUsage().total();
      }
    }
    return sum;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = GoldenReplayTest.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        return "(no " + name + ")";
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
