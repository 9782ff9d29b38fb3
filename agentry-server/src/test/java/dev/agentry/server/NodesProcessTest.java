package dev.agentry.server;

import static dev.agentry.server.NodeProcesses.count;
import static dev.agentry.server.NodeProcesses.env;
import static dev.agentry.server.NodeProcesses.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.server.NodeProcesses.Node;
import dev.agentry.testkit.PostgresTestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several {@code agentry serve} processes on one database behave as one service: when one is killed
 * with SIGKILL the others finish its sessions with no client call and without re-running a
 * side-effecting step, a full node leaves sessions to the others, a node id is used by one live
 * process at a time, and a restarted node takes its sessions back at once.
 */
class NodesProcessTest {
  private static final Logger LOG = LoggerFactory.getLogger(NodesProcessTest.class);
  @TempDir Path dir;

  @Test
  void kill9OfANodeMidTurn_theSurvivorFinishesItsSessions_onItsOwn_runningNoStepTwice()
      throws Exception {
    int n = 20;
    try (PostgresTestDatabase db = new PostgresTestDatabase();
        NodeProcesses nodes =
            new NodeProcesses(dir, db.create(), "echo ran >> runs.txt; sleep 60")) {
      Node a = nodes.start("a", env(freePort(), "AGENTRY_NODE_ID", "node-a"));
      Node b = nodes.start("b", env(freePort(), "AGENTRY_NODE_ID", "node-b"));
      String[] agent = nodes.agentAndEnvironment(a);
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String s = nodes.newSession(a, agent);
        nodes.say(a, s);
        sessions.add(s);
      }
      // Both nodes run sessions (b's sweeps claim queued ones before a's runners commit): wait
      // until every bash step has started somewhere, then kill a with its share mid-step.
      await(() -> all(sessions, s -> a.runs(s) + b.runs(s) == 1), "every bash step to start");
      List<String> onA = new ArrayList<>();
      for (String s : sessions) {
        if (a.runs(s) == 1) {
          onA.add(s);
        }
      }
      assertThat(onA).as("sessions mid-step on the node to kill").isNotEmpty();

      a.kill9();
      Instant died = Instant.now();
      await(() -> all(sessions, s -> nodes.finished(b, s)), "b to finish every session");

      Instant lastResumed = Instant.MIN;
      for (String s : sessions) {
        List<JsonNode> log = nodes.events(b, s);
        assertThat(count(log, "user.message")).isEqualTo(1);
        assertThat(count(log, "agent.tool_use")).isEqualTo(1);
        JsonNode result = only(log, "agent.tool_result");
        if (!onA.contains(s)) {
          continue; // b ran it from the start
        }
        assertThat(result.get("is_error").asBoolean()).isTrue();
        assertThat(result.toString()).contains("unknown");
        assertThat(count(log, "agent.message")).isEqualTo(1);
        assertThat(log.stream().map(e -> e.get("id").asText())).doesNotHaveDuplicates();
        assertThat(a.runs(s) + b.runs(s)).as("side-effecting runs of %s", s).isEqualTo(1);
        Instant resumed = Instant.parse(result.get("processed_at").asText());
        lastResumed = resumed.isAfter(lastResumed) ? resumed : lastResumed;
      }
      assertThat(nodes.metric(b, "agentry_node_claims_total")).isGreaterThanOrEqualTo(onA.size());
      assertThat(nodes.metric(b, "agentry_node_takeovers_total"))
          .as("sessions b took from the killed node's leases")
          .isGreaterThanOrEqualTo(onA.size());
      LOG.info(
          "takeover: {} sessions of the killed node resumed on the survivor within {} ms of the"
              + " kill (lease TTL 1500 ms)",
          onA.size(),
          Duration.between(died, lastResumed).toMillis());
    }
  }

  @Test
  void aFullNode_leavesTheSessionsItHasNoSlotFor_toTheOtherNode() throws Exception {
    int n = 9;
    try (PostgresTestDatabase db = new PostgresTestDatabase();
        NodeProcesses nodes =
            new NodeProcesses(dir, db.create(), "echo ran >> runs.txt; sleep 6")) {
      Node a =
          nodes.start(
              "a", env(freePort(), "AGENTRY_NODE_ID", "node-a", "AGENTRY_MAX_RUNNING", "3"));
      Node b = nodes.start("b", env(freePort(), "AGENTRY_NODE_ID", "node-b"));
      String[] agent = nodes.agentAndEnvironment(a);
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String s = nodes.newSession(a, agent);
        nodes.say(a, s); // every event reaches the small node
        sessions.add(s);
      }
      double busiest = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!all(sessions, s -> nodes.finished(b, s)) && System.nanoTime() < deadline) {
        busiest = Math.max(busiest, nodes.metric(a, "agentry_node_sessions_running"));
        Thread.sleep(50);
      }
      assertThat(all(sessions, s -> nodes.finished(b, s))).as("all finished").isTrue();
      long onA = 0;
      long onB = 0;
      for (String s : sessions) {
        assertThat(a.runs(s) + b.runs(s)).isEqualTo(1);
        onA += a.runs(s);
        onB += b.runs(s);
      }
      // a never ran more than 3 at once; b's sweeps took the rest while a's slots were busy.
      assertThat(busiest).isLessThanOrEqualTo(3);
      assertThat(onA).isBetween(1L, 3L);
      assertThat(onB).isGreaterThanOrEqualTo(n - 3);
      // b claimed what nobody held (a's full node never leased them): claims, not takeovers.
      assertThat(nodes.metric(b, "agentry_node_claims_total")).isGreaterThanOrEqualTo(n - 3);
      assertThat(nodes.metric(b, "agentry_node_takeovers_total")).isZero();
    }
  }

  @Test
  void aSecondProcessWithTheSameNodeId_isRefusedWhileTheFirstLives_andAcceptedOnceItIsKilled()
      throws Exception {
    try (PostgresTestDatabase db = new PostgresTestDatabase();
        NodeProcesses nodes = new NodeProcesses(dir.resolve("pg"), db.create(), "true");
        NodeProcesses sqlite = new NodeProcesses(dir.resolve("sqlite"), null, "true")) {
      // PostgreSQL: two data directories, one node id.
      Node first = nodes.start("first", env(freePort(), "AGENTRY_NODE_ID", "twin"));
      int port = freePort();
      Process second = nodes.launch("second", env(port, "AGENTRY_NODE_ID", "twin"));
      assertThat(second.waitFor(120, TimeUnit.SECONDS)).as(nodes.log("second")).isTrue();
      assertThat(second.exitValue()).isNotZero();
      assertThat(nodes.log("second"))
          .contains("node id twin is in use by another running Agentry process");
      first.kill9();
      nodes.start("second", env(port, "AGENTRY_NODE_ID", "twin"));

      // SQLite: one data directory (and so one node id) for two processes.
      Node one = sqlite.start("data", env(freePort()));
      Process two = sqlite.launch("data", env(freePort()));
      assertThat(two.waitFor(120, TimeUnit.SECONDS)).as(sqlite.log("data")).isTrue();
      assertThat(two.exitValue()).isNotZero();
      assertThat(sqlite.log("data")).contains("is in use by another running Agentry process");
      one.kill9();
      sqlite.start("data", env(freePort()));
    }
  }

  @Test
  void aRestartedNode_resumesItsSessionsAtOnce_postgres() throws Exception {
    try (PostgresTestDatabase db = new PostgresTestDatabase()) {
      restartResumesAtOnce(db.create());
    }
  }

  @Test
  void aRestartedNode_resumesItsSessionsAtOnce_sqlite() throws Exception {
    restartResumesAtOnce(null);
  }

  /** The lease TTL is a minute: sessions that resume in seconds were taken back, not waited out. */
  private void restartResumesAtOnce(String databaseUrl) throws Exception {
    int n = 10;
    try (NodeProcesses nodes =
        new NodeProcesses(dir, databaseUrl, "echo ran >> runs.txt; sleep 20")) {
      int port = freePort();
      Node a = nodes.start("a", env(port, "AGENTRY_LEASE_TTL_MS", "60000"));
      String[] agent = nodes.agentAndEnvironment(a);
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String s = nodes.newSession(a, agent);
        nodes.say(a, s);
        sessions.add(s);
      }
      Node before = a;
      await(() -> all(sessions, s -> before.runs(s) == 1), "every bash step to start");
      a.kill9();
      a = nodes.start("a", env(port, "AGENTRY_LEASE_TTL_MS", "60000"));
      Instant healthy = Instant.now();
      Node after = a;
      await(() -> all(sessions, s -> nodes.finished(after, s)), "the sessions to finish");
      Instant lastResumed = Instant.MIN;
      for (String s : sessions) {
        List<JsonNode> log = nodes.events(after, s);
        JsonNode result = only(log, "agent.tool_result");
        assertThat(result.toString()).contains("unknown");
        assertThat(after.runs(s)).isEqualTo(1); // the step ran once, before the kill
        Instant resumed = Instant.parse(result.get("processed_at").asText());
        lastResumed = resumed.isAfter(lastResumed) ? resumed : lastResumed;
      }
      long ms = Duration.between(healthy, lastResumed).toMillis();
      LOG.info(
          "restart ({}): {} sessions running again {} ms after the node was healthy (TTL 60 s)",
          databaseUrl == null ? "sqlite" : "postgres",
          n,
          ms);
      assertThat(ms).isLessThan(30_000); // well under the TTL: taken back, not waited out
    }
  }

  static JsonNode only(List<JsonNode> log, String type) {
    List<JsonNode> found = log.stream().filter(e -> e.get("type").asText().equals(type)).toList();
    assertThat(found).as(type).hasSize(1);
    return found.getFirst();
  }

  interface SessionCheck {
    boolean holds(String session) throws Exception;
  }

  static boolean all(List<String> sessions, SessionCheck check) throws Exception {
    for (String s : sessions) {
      try {
        if (!check.holds(s)) {
          return false;
        }
      } catch (RuntimeException e) {
        return false;
      }
    }
    return true;
  }

  interface Check {
    boolean holds() throws Exception;
  }

  static void await(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (check.holds()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}
