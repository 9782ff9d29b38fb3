package dev.agentry.server;

import static dev.agentry.server.NodeProcesses.count;
import static dev.agentry.server.NodeProcesses.env;
import static dev.agentry.server.NodeProcesses.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.blob.BlobStores;
import dev.agentry.core.Store;
import dev.agentry.sandbox.WorkspaceCheckpoints;
import dev.agentry.sandbox.Workspaces;
import dev.agentry.server.NodeProcesses.Node;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three {@code agentry serve} processes on one PostgreSQL and one S3-compatible store (S3Proxy),
 * with sessions mid-turn in side-effecting bash steps, lose one node: to {@code kill -9}, or to
 * {@code SIGSTOP} past the lease TTL and then {@code SIGCONT}. Every session finishes on the
 * survivors with its workspace intact, no acknowledged event is lost or written twice, no step runs
 * twice, and the stopped node, once continued, writes nothing.
 *
 * <p>Each step appends {@code step-<i> <nonce>} to {@code lines.txt} in the workspace, the nonce
 * drawn when the step runs: a step that ran twice leaves two nonces for one step (across every
 * node's copy of the workspace, the dead node's included); a workspace that lost what a step did
 * lacks the line of a step the log reports done.
 *
 * <p>The session count is {@value #CI_SESSIONS} here: on a 2-core CI machine a case takes about 80
 * s alone and about 130 s beside the rest of the suite; {@code -Dagentry.failover.sessions=300}
 * runs the full 300 (see BENCHMARKS.md, "Failover"). What scales with the count: the steps'
 * length ({@link #stepSeconds}), the share of sessions node a must hold mid-turn (a ninth of all)
 * and the waits; sessions are created and started in parallel so their turns overlap.
 */
class FailoverProcessTest {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverProcessTest.class);
  private static final int CI_SESSIONS = 30;
  private static final int STEPS = 3;
  private static final long TTL_MS = 5000;

  /** Requests in flight while the sessions are created and sent their message. */
  private static final int PARALLEL = 6;

  /** Past the TTL, the time one sweep (500 ms) and the first write may take on a loaded machine. */
  private static final long TAKEOVER_BOUND_MS = 6_000;

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void kill9OfOneOfThreeNodes_everySessionFinishesOnTheSurvivors_workspaceIntact_nothingRunTwice()
      throws Exception {
    failover(false);
  }

  @Test
  void sigstopOfOneOfThreeNodes_theSurvivorsTakeOver_andTheContinuedNodeWritesNothingStale()
      throws Exception {
    failover(true);
  }

  private void failover(boolean pause) throws Exception {
    int n = Integer.getInteger("agentry.failover.sessions", CI_SESSIONS);
    List<String> steps = new ArrayList<>();
    for (int i = 1; i <= STEPS; i++) {
      steps.add(
          "echo \"step-" + i + " $RANDOM$RANDOM$RANDOM\" >> lines.txt; sleep " + stepSeconds(n));
    }
    try (S3ProxyServer s3 = S3ProxyServer.start("agentry-failover");
        PostgresTestDatabase db = new PostgresTestDatabase()) {
      String url = db.create();
      try (NodeProcesses nodes = new NodeProcesses(dir, url, steps);
          Checkpointed checkpointed = new Checkpointed(url, s3, dir.resolve("reader"))) {
        failover(pause, n, nodes, s3, checkpointed);
      }
    }
  }

  private void failover(
      boolean pause, int n, NodeProcesses nodes, S3ProxyServer s3, Checkpointed checkpointed)
      throws Exception {
    {
      List<Node> all = new ArrayList<>();
      for (String name : List.of("a", "b", "c")) {
        Map<String, String> env =
            env(freePort(), "AGENTRY_NODE_ID", "node-" + name, "AGENTRY_LEASE_TTL_MS", "" + TTL_MS);
        env.putAll(s3.env("cluster"));
        all.add(nodes.start(name, env));
      }
      Node a = all.get(0);
      Node b = all.get(1);
      String[] agent = nodes.agentAndEnvironment(b);
      // Created first, then all sent their message at once (a few requests in flight per node),
      // so every session's turn overlaps the others': a node holds a third of them mid-turn at
      // one moment whatever N is, rather than a rolling window of the most recent few.
      String[] ids = new String[n];
      NodeProcesses.inParallel(n, PARALLEL, i -> ids[i] = nodes.newSession(all.get(i % 3), agent));
      List<String> sessions = List.of(ids);
      NodeProcesses.inParallel(n, PARALLEL, i -> nodes.say(all.get(i % 3), ids[i])); // acked: 200
      Map<String, List<String>> acknowledged = new HashMap<>();
      for (String s : sessions) {
        acknowledged.put(s, ids(nodes.events(b, s)));
      }
      // The node goes once it runs several sessions that have done a step (whose effects must
      // move) and are in the middle of another: a ninth of all (a third of its share), so the
      // figure scales with N; what those have written is read again just before, so the events
      // acknowledged last are checked too.
      int midTurn = Math.max(3, n / 9);
      await(
          Duration.ofSeconds(60 + n / 2),
          () -> midTurnOn(a, sessions) >= midTurn,
          "the node to go to run " + midTurn + " sessions mid-turn");
      for (String s : sessions) {
        if (between(a.lines(s, "lines.txt").size())) {
          acknowledged.put(s, ids(nodes.events(b, s)));
        }
      }
      if (pause) {
        a.signal("STOP");
      } else {
        a.kill9();
      }
      Instant died = Instant.now();
      List<Node> survivors = List.of(b, all.get(2));

      try {
        await(
            Duration.ofSeconds(90 + n),
            () -> all(sessions, s -> nodes.finished(b, s)),
            "every session to finish on the survivors");
      } catch (AssertionError e) {
        StringBuilder open = new StringBuilder();
        for (String s : sessions) {
          if (!nodes.finished(b, s)) {
            List<JsonNode> log = nodes.events(b, s);
            open.append(s).append(": ").append(log.getLast().get("type")).append('\n');
          }
        }
        throw new AssertionError(e.getMessage() + "; unfinished:\n" + open, e);
      }
      Map<String, List<JsonNode>> finalLogs = new HashMap<>();
      for (String s : sessions) {
        finalLogs.put(s, nodes.events(b, s));
      }
      if (pause) {
        a.signal("CONT");
        // Its runners wake holding leases that moved: each stops at its first fenced write or
        // lease renewal, before starting another step.
        await(
            Duration.ofSeconds(60),
            () -> nodes.metric(a, "agentry_node_sessions_running") == 0,
            "the continued node's runners to stop");
        for (String s : sessions) {
          assertThat(ids(nodes.events(b, s)))
              .as("%s's log after the stopped node continued", s)
              .isEqualTo(ids(finalLogs.get(s)));
        }
      }

      List<Long> takeovers = new ArrayList<>();
      Set<String> moved = new HashSet<>();
      for (String s : sessions) {
        List<JsonNode> log = finalLogs.get(s);
        if (!a.lines(s, "lines.txt").isEmpty() && firstWriteAfter(log, died) >= 0) {
          moved.add(s); // it ran on the node that went, and something was written after
          takeovers.add(firstWriteAfter(log, died));
        }
      }
      takeovers.sort(null);
      // Reported before the checks, so a run that fails one still gives its figure.
      System.out.printf(
          "failover (%s): %d/%d sessions moved, takeover median %d ms, max %d ms (TTL %d ms)%n",
          pause ? "SIGSTOP" : "kill -9",
          moved.size(),
          n,
          takeovers.isEmpty() ? -1 : takeovers.get(takeovers.size() / 2),
          takeovers.isEmpty() ? -1 : takeovers.getLast(),
          TTL_MS);
      for (String s : sessions) {
        List<JsonNode> log = finalLogs.get(s);
        assertThat(ids(log)).as("events of %s", s).doesNotHaveDuplicates();
        assertThat(ids(log))
            .as("acknowledged events of %s", s)
            .startsWith(acknowledged.get(s).toArray(String[]::new));
        assertThat(count(log, "user.message")).isEqualTo(1);
        assertThat(count(log, "agent.tool_use")).as("steps of %s", s).isEqualTo(STEPS);
        assertThat(count(log, "agent.tool_result")).as("results of %s", s).isEqualTo(STEPS);
        assertThat(count(log, "agent.message")).isEqualTo(1);
        checkWorkspace(s, log, all, checkpointed.lines(s));
      }
      assertThat(moved)
          .as("sessions that moved off the node that went")
          .hasSizeGreaterThanOrEqualTo(midTurn);
      long worst = takeovers.getLast();
      LOG.info(
          "{}: {} of {} sessions were mid-turn on the node that went; taken over {} ms (median) and"
              + " {} ms (max) after it went (lease TTL {} ms); checkpoints per survivor {}",
          pause ? "SIGSTOP" : "kill -9",
          moved.size(),
          n,
          takeovers.get(takeovers.size() / 2),
          worst,
          TTL_MS,
          survivors.stream()
              .map(x -> nodes.metric(x, "agentry_checkpoint_duration_seconds_count"))
              .toList());
      assertThat(worst).as("takeover time, ms").isLessThan(TTL_MS + TAKEOVER_BOUND_MS);
      // Sweeps must have claimed at least the sessions the node held mid-turn when it went (no
      // caller wakes those). "moved" can count more: a session the node had already let go before
      // it went, resumed by a wake rather than a sweep.
      assertThat(
              survivors.stream()
                  .mapToDouble(x -> nodes.metric(x, "agentry_node_claims_total"))
                  .sum())
          .as("sessions the survivors' sweeps claimed")
          .isGreaterThanOrEqualTo(midTurn);
      // Those it held mid-turn had leases it lost: the survivors took them over.
      assertThat(
              survivors.stream()
                  .mapToDouble(x -> nodes.metric(x, "agentry_node_takeovers_total"))
                  .sum())
          .as("sessions the survivors took over from the node that went")
          .isGreaterThanOrEqualTo(midTurn);
    }
  }

  /**
   * The workspace the survivors finished with has, in order, one line per step the log reports
   * done, and maybe one for a step whose outcome the log says is unknown (it ran on the node that
   * went, before or after its last checkpoint); a step the log says did not run left no line on any
   * node; and no step left two different lines on any node. The workspace is {@code finalCopy}: the
   * session's latest checkpoint, which any node that runs the session next restores (a survivor
   * that ran no tool call after it took the session over never needed a copy of its own).
   */
  private static void checkWorkspace(
      String session, List<JsonNode> log, List<Node> all, List<String> finalCopy) throws Exception {
    Map<String, Set<String>> runsOfStep = new HashMap<>();
    for (Node node : all) {
      for (String line : node.lines(session, "lines.txt")) {
        runsOfStep.computeIfAbsent(line.split(" ")[0], k -> new HashSet<>()).add(line);
      }
    }
    runsOfStep.forEach(
        (step, runs) -> assertThat(runs).as("runs of %s in %s", step, session).hasSize(1));

    List<JsonNode> results =
        log.stream().filter(e -> e.get("type").asText().equals("agent.tool_result")).toList();
    List<String> expectedSteps = new ArrayList<>();
    List<String> unsure = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      JsonNode r = results.get(i);
      String step = "step-" + (i + 1);
      if (!r.get("is_error").asBoolean()) {
        expectedSteps.add(step);
      } else if (r.toString().contains("did not run")) {
        // Refused before it ran (the node could not read the session's checkpoint record, say
        // with the database overloaded): no node may have a line of it.
        assertThat(runsOfStep)
            .as("runs of %s, reported not run, in %s", step, session)
            .doesNotContainKey(step);
      } else {
        assertThat(r.toString()).as("an error result in %s", session).contains("unknown");
        unsure.add(step);
      }
    }
    List<String> stepsInCopy = finalCopy.stream().map(l -> l.split(" ")[0]).toList();
    assertThat(stepsInCopy)
        .as("steps in %s's workspace", session)
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(stepsInCopy)
        .as("steps in %s's workspace (the log says done: %s)", session, expectedSteps)
        .containsAll(expectedSteps);
    assertThat(unsure)
        .as("steps of %s with an unknown outcome", session)
        .hasSizeLessThanOrEqualTo(1);
    for (String step : stepsInCopy) {
      assertThat(expectedSteps.contains(step) || unsure.contains(step))
          .as("%s in %s's workspace is a step the log has", step, session)
          .isTrue();
    }
  }

  /** The workspaces as their latest checkpoints have them, restored here as a new node would. */
  private static final class Checkpointed implements AutoCloseable {
    private final Store store;
    private final WorkspaceCheckpoints checkpoints;
    private final Workspaces workspaces;

    Checkpointed(String url, S3ProxyServer s3, Path root) throws IOException {
      this.store = Stores.open(StoreConfig.postgres(url));
      this.workspaces = Workspaces.under(Files.createDirectories(root.resolve("workspaces")));
      this.checkpoints =
          WorkspaceCheckpoints.create(
              BlobStores.fromEnv(s3.env("cluster"), root),
              store.checkpoints(),
              workspaces,
              Files.createDirectories(root.resolve("manifests")),
              Clock.systemUTC(),
              id -> {},
              WorkspaceCheckpoints.Observer.NONE);
    }

    List<String> lines(String session) throws IOException {
      checkpoints.restoreIfBehind(session);
      Path file = workspaces.path(session).resolve("lines.txt");
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Override
    public void close() {
      store.close();
    }
  }

  /** Milliseconds from {@code died} to the first event written after it; -1 if none was. */
  private static long firstWriteAfter(List<JsonNode> log, Instant died) {
    for (JsonNode e : log) {
      JsonNode at = e.get("processed_at");
      if (at != null && !at.isNull() && Instant.parse(at.asText()).isAfter(died)) {
        return Duration.between(died, Instant.parse(at.asText())).toMillis();
      }
    }
    return -1;
  }

  /** Sessions {@code node} runs that have done a step and not yet started the last. */
  private static long midTurnOn(Node node, List<String> sessions) throws IOException {
    long count = 0;
    for (String s : sessions) {
      if (between(node.lines(s, "lines.txt").size())) {
        count++;
      }
    }
    return count;
  }

  /**
   * How long each step sleeps: 3 s for the CI's 30, longer for more sessions, so that the window in
   * which a session is mid-turn (two steps) outlasts sending every session its message on a loaded
   * machine (300 sessions: 12 s a step).
   */
  static int stepSeconds(int sessions) {
    return Math.max(3, sessions / 25);
  }

  /** Done a step, not yet started the last. */
  private static boolean between(int lines) {
    return lines >= 1 && lines < STEPS;
  }

  private static List<String> ids(List<JsonNode> log) {
    return log.stream().map(e -> e.get("id").asText()).toList();
  }

  private static boolean all(List<String> sessions, NodesProcessTest.SessionCheck check)
      throws Exception {
    return NodesProcessTest.all(sessions, check);
  }

  private static void await(Duration within, NodesProcessTest.Check check, String what)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (check.holds()) {
          return;
        }
      } catch (RuntimeException | AssertionError e) {
        // a node busy or not answering yet: look again
      }
      Thread.sleep(200);
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}
