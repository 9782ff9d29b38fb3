package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.Timestamps;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden replays' fixtures: a recorded session log (payloads kept as the exact strings the log
 * stored) with the harness settings that its steps depend on. A scenario test records its log when
 * run with {@code -Dagentry.golden.record=<dir>} (e.g. {@code
 * agentry-harness/src/test/resources/golden}); otherwise {@link #record} does nothing.
 */
record GoldenLogs(String scenario, Settings settings, List<StoredEvent> log) {

  /** What the step and the context depend on besides the log. */
  record Settings(
      String model,
      int maxToolRounds,
      long maxSessionTokens,
      double compactionThreshold,
      int contextWindow,
      int toolResultContextChars) {
    static Settings of(HarnessConfig c) {
      return new Settings(
          "claude-test",
          c.maxToolRounds(),
          c.spend().maxSessionTokens(),
          c.compactionThreshold(),
          c.contextWindow("claude-test"),
          c.toolResultContextChars());
    }
  }

  static final String RECORD = "agentry.golden.record";

  /** Writes {@code scenario}'s fixture when recording is asked for. */
  static void record(String scenario, HarnessConfig config, List<StoredEvent> log) {
    String dir = System.getProperty(RECORD);
    if (dir == null) {
      return;
    }
    write(Path.of(dir), new GoldenLogs(scenario, Settings.of(config), log));
  }

  static void write(Path dir, GoldenLogs g) {
    ObjectNode root = Json.mapper().createObjectNode().put("scenario", g.scenario);
    root.set("settings", Json.mapper().valueToTree(g.settings));
    ArrayNode events = root.putArray("events");
    for (StoredEvent e : g.log) {
      ObjectNode row = events.addObject().put("seq", e.seq()).put("id", e.id());
      row.put("type", e.type()).put("payload", e.payload());
      row.put("created_at", Timestamps.format(e.createdAt()));
      row.put("processed_at", e.processedAt() == null ? null : Timestamps.format(e.processedAt()));
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve(g.scenario + ".json"),
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GoldenLogs read(String scenario) {
    try (InputStream in = GoldenLogs.class.getResourceAsStream("/golden/" + scenario + ".json")) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture golden/" + scenario + ".json");
      }
      JsonNode root = Json.mapper().readTree(in);
      List<StoredEvent> log = new ArrayList<>();
      for (JsonNode row : root.path("events")) {
        log.add(
            new StoredEvent(
                "sesn_golden",
                row.path("seq").asLong(),
                row.path("id").asText(),
                row.path("type").asText(),
                row.path("payload").asText(),
                Instant.parse(row.path("created_at").asText()),
                row.path("processed_at").isNull()
                    ? null
                    : Instant.parse(row.path("processed_at").asText())));
      }
      return new GoldenLogs(
          root.path("scenario").asText(),
          Json.mapper().treeToValue(root.path("settings"), Settings.class),
          log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
