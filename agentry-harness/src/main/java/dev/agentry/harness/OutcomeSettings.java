package dev.agentry.harness;

import java.time.Duration;
import java.util.Optional;

/**
 * How outcomes are graded (docs/decisions/0043).
 *
 * @param graderModel the model the grader runs on ({@code AGENTRY_GRADER_MODEL}); empty: the
 *     agent's own model
 * @param heartbeat how often {@code span.outcome_evaluation_ongoing} is sent while the grader works
 *     ({@code AGENTRY_OUTCOME_HEARTBEAT_MS}, default 5 s); one is sent as it starts
 */
public record OutcomeSettings(String graderModel, Duration heartbeat) {
  public OutcomeSettings {
    graderModel = graderModel == null ? "" : graderModel.strip();
    if (heartbeat == null || heartbeat.toMillis() < 10) {
      throw new IllegalArgumentException("harness config outcomes.heartbeat must be >= 10 ms");
    }
  }

  public static OutcomeSettings defaults() {
    return new OutcomeSettings("", Duration.ofSeconds(5));
  }

  /** The grader's model when it is not the agent's. */
  public Optional<String> graderModelOverride() {
    return graderModel.isEmpty() ? Optional.empty() : Optional.of(graderModel);
  }
}
