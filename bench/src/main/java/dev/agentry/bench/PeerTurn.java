package dev.agentry.bench;

import dev.agentry.testkit.FakeAnthropic;
import java.util.List;

/**
 * One turn of the peer bench as its client observed it, in nanoseconds: {@code steps.get(i)} runs
 * from the turn's start (i = 0) or the previous tool result to tool result i + 1 (one model request
 * and one {@code bash} call, with whatever the runtime journals); {@code answer} from the last tool
 * result to the end of the turn (the final model request); {@code tools}, where the side reports
 * it, the time inside the tool itself.
 */
record PeerTurn(List<Long> steps, List<Long> tools, long answer, long turn) {

  /**
   * Scripts the fake for one turn: {@code bash} {@code echo step N} for N = 1..steps, then text.
   */
  static void script(FakeAnthropic fake, int steps) {
    for (int i = 1; i <= steps; i++) {
      fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"echo step " + i + "\"}"));
    }
    fake.enqueue(FakeAnthropic.text("All " + steps + " steps ran."));
  }
}
