package dev.agentry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * LangGraph.js's side of the peer bench: {@code bench/langgraph/peer.mjs} in a {@code node} child
 * process ({@code createReactAgent}, a {@code SqliteSaver} with {@code synchronous=FULL} and {@code
 * durability: "sync"}, a {@code bash} tool run through {@code child_process}, no sandbox), driven
 * one turn at a time over its stdin and stdout so that its turns interleave with Agentry's.
 */
final class LangGraphSide implements AutoCloseable {
  private final FakeAnthropic fake;
  private final Process node;
  private final Writer commands;
  private final BufferedReader results;
  private final JsonNode ready;

  LangGraphSide(FakeAnthropic fake, Path dir, Path dataDir) throws IOException {
    this.fake = fake;
    if (!Files.isDirectory(dir.resolve("node_modules"))) {
      throw new IllegalStateException(
          dir + "/node_modules is missing: run `npm ci` there (bench/run.sh peer does)");
    }
    node =
        new ProcessBuilder(
                System.getProperty("bench.peer.node", "node"),
                "peer.mjs",
                fake.baseUrl(),
                dataDir.resolve("checkpoints.sqlite").toString())
            .directory(dir.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    commands = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
    results =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    try {
      ready = next();
      if (!ready.path("ready").asBoolean() || ready.path("synchronous").asInt() != 2) {
        throw new IllegalStateException("the LangGraph side is not ready as expected: " + ready);
      }
    } catch (IOException | RuntimeException e) {
      node.destroyForcibly();
      throw e;
    }
  }

  /** {@code node}'s and the packages' versions and the SQLite pragmas, as the script reported. */
  String describe() {
    return "Node %s, @langchain/langgraph %s, @langchain/anthropic %s, @langchain/langgraph-checkpoint-sqlite %s, better-sqlite3 %s, journal_mode=%s, synchronous=%d (FULL)"
        .formatted(
            ready.path("node").asText(),
            ready.path("langgraph").asText(),
            ready.path("anthropic").asText(),
            ready.path("checkpointSqlite").asText(),
            ready.path("betterSqlite3").asText(),
            ready.path("journal_mode").asText(),
            ready.path("synchronous").asInt());
  }

  /** One turn of {@code steps} bash calls and a final answer, on a fresh thread. */
  PeerTurn turn(int n, int steps) throws IOException {
    return run("turn", n, steps);
  }

  /**
   * The same turn on a second SQLite file, so that V8 warms up on the same code while the measured
   * file holds only the measured side's threads.
   */
  PeerTurn warm(int n, int steps) throws IOException {
    return run("warm", n, steps);
  }

  private PeerTurn run(String verb, int n, int steps) throws IOException {
    PeerTurn.script(fake, steps);
    int requestsBefore = fake.requests().size();
    commands.write(verb + " " + n + "\n");
    commands.flush();
    JsonNode r = next();
    if (r.has("error")) {
      throw new IllegalStateException("LangGraph turn " + n + " failed: " + r.get("error"));
    }
    int requests = fake.requests().size() - requestsBefore;
    if (r.path("stepsMs").size() != steps
        || r.path("toolMessages").asInt() != steps
        || requests != steps + 1
        || r.path("checkpoints").asInt() < 2 * steps) {
      throw new IllegalStateException(
          "LangGraph turn %d: %d model requests, result %s".formatted(n, requests, r));
    }
    return new PeerTurn(
        nanos(r.path("stepsMs")),
        nanos(r.path("toolMs")),
        nanos(r.path("answerMs").asDouble()),
        nanos(r.path("turnMs").asDouble()));
  }

  private JsonNode next() throws IOException {
    String line = results.readLine();
    if (line == null) {
      throw new IllegalStateException("the LangGraph side exited (see its stderr above)");
    }
    return Json.mapper().readTree(line);
  }

  private static List<Long> nanos(JsonNode millis) {
    List<Long> out = new ArrayList<>();
    millis.forEach(m -> out.add(nanos(m.asDouble())));
    return out;
  }

  private static long nanos(double millis) {
    return Math.round(millis * 1e6);
  }

  @Override
  public void close() throws IOException {
    commands.close();
    try {
      if (!node.waitFor(10, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    } catch (InterruptedException e) {
      node.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
