package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.harness.AgentLoop.Action;
import dev.agentry.harness.AgentLoop.Fact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The loop's table, over every combination of its facts. */
class AgentLoopTableTest {
  private static final Fact[] FACTS = Fact.values();

  /**
   * The loop as the runner's if-chain read before it was a table (Runner.step at commit 0837d39),
   * written out independently: the table must agree with it everywhere.
   */
  static Action chain(Set<Fact> f) {
    if (f.contains(Fact.SESSION_ENDED)) {
      return Action.WAIT;
    }
    if (f.contains(Fact.CORRUPT_UNREPORTED)) {
      return Action.REPORT_CORRUPT_EVENTS; // new with typed events: reported before anything
    }
    if (f.contains(Fact.INTERRUPT_QUEUED)) {
      return Action.ANSWER_INTERRUPT;
    }
    if (f.contains(Fact.SPAN_DANGLING)) {
      return Action.CLOSE_DANGLING_SPAN;
    }
    if (f.contains(Fact.MCP_CALLS_CUT)) {
      return Action.ANSWER_CUT_MCP_CALLS;
    }
    if (f.contains(Fact.TOOL_CALLS_OPEN)) {
      return Action.RESUME_TOOL_CALLS;
    }
    if (f.contains(Fact.CONFIRMATION_QUEUED)) {
      return Action.SETTLE_CONFIRMATION;
    }
    if (f.contains(Fact.AWAITING_CLIENT)) {
      return f.contains(Fact.CLIENT_ASKED) ? Action.WAIT : Action.ANNOUNCE_REQUIRES_ACTION;
    }
    if (f.contains(Fact.LOG_TERMINATED)) {
      return Action.WAIT;
    }
    if (f.contains(Fact.OUTCOME_EVALUATION_OPEN)) {
      return Action.EVALUATE_OUTCOME; // new with outcomes (0043): the grader's turn
    }
    if (f.contains(Fact.USER_EVENTS_QUEUED)) {
      return Action.TAKE_QUEUED_EVENTS;
    }
    if (f.contains(Fact.OUTCOME_WORK_DUE) && !f.contains(Fact.TURN_OPEN)) {
      return Action.START_OUTCOME_WORK; // new with outcomes: a defined outcome starts work
    }
    if (!f.contains(Fact.AWAITING_MODEL)) {
      return f.contains(Fact.TURN_OPEN) ? Action.END_TURN : Action.WAIT;
    }
    if (f.contains(Fact.TURN_PAUSED)) {
      return Action.RESUME_TURN;
    }
    if (!f.contains(Fact.TURN_OPEN)) {
      return Action.WAIT;
    }
    if (f.contains(Fact.TOOL_ROUND_LIMIT)) {
      return Action.STOP_AT_TOOL_ROUND_LIMIT;
    }
    if (f.contains(Fact.BUDGET_REACHED)) {
      return Action.STOP_AT_BUDGET;
    }
    return f.contains(Fact.COMPACTION_DUE) ? Action.COMPACT : Action.CALL_MODEL;
  }

  @Test
  void everyCombinationOfFacts_givesTheActionOfTheLoopsChain() {
    Map<Action, Integer> seen = new EnumMap<>(Action.class);
    for (int bits = 0; bits < 1 << FACTS.length; bits++) {
      Set<Fact> holding = facts(bits);
      Action action = AgentLoop.next(holding::contains);
      assertThat(action).as("%s", holding).isEqualTo(chain(holding));
      seen.merge(action, 1, Integer::sum);
    }
    assertThat(seen.keySet())
        .as("every action is reachable")
        .isEqualTo(EnumSet.allOf(Action.class));
  }

  @Test
  void aFactIsAskedOnlyWhenNoEarlierRowDecided_soCostlyFactsAreAskedLast() {
    // Before a model request nothing else is open: budget and compaction are asked, once each.
    Set<Fact> asked = EnumSet.noneOf(Fact.class);
    Set<Fact> holding = EnumSet.of(Fact.AWAITING_MODEL, Fact.TURN_OPEN);
    Action a =
        AgentLoop.next(
            f -> {
              asked.add(f);
              return holding.contains(f);
            });
    assertThat(a).isEqualTo(Action.CALL_MODEL);
    assertThat(asked).contains(Fact.BUDGET_REACHED, Fact.COMPACTION_DUE);

    // An interrupt decides before the context is built or the budget computed.
    asked.clear();
    AgentLoop.next(
        f -> {
          asked.add(f);
          return f == Fact.INTERRUPT_QUEUED;
        });
    assertThat(asked).doesNotContain(Fact.AWAITING_MODEL, Fact.BUDGET_REACHED, Fact.COMPACTION_DUE);
  }

  @Test
  void theTableInTheDocs_isTheTableInTheCode() throws IOException {
    String printed = AgentLoop.table();
    System.out.println(printed);
    Path doc = Path.of("..", "docs", "agent-loop.md");
    assertThat(Files.readString(doc)).contains(printed);
  }

  private static Set<Fact> facts(int bits) {
    Set<Fact> out = EnumSet.noneOf(Fact.class);
    for (int i = 0; i < FACTS.length; i++) {
      if ((bits & (1 << i)) != 0) {
        out.add(FACTS[i]);
      }
    }
    return out;
  }
}
