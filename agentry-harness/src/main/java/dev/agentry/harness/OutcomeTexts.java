package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Event;

/**
 * What the agent reads of an outcome, as user turns of its context ({@link ContextBuilder}): the
 * task when it is defined, and the grader's explanation when the work needs another revision. The
 * grader's own prompt is {@link Grader}'s.
 */
final class OutcomeTexts {
  private OutcomeTexts() {}

  /** The task the agent gets from a {@code user.define_outcome}. */
  static String task(Event.UserDefineOutcome d) {
    StringBuilder sb = new StringBuilder("<outcome>\n");
    sb.append("Work on the task below until it meets the rubric. When you end your turn, a grader")
        .append(" evaluates your work against the rubric; if it needs revision, you are told why")
        .append(" and work on it again.\n\nTask:\n")
        .append(d.description() == null ? "" : d.description())
        .append("\n\n");
    JsonNode rubric = d.rubric();
    if (rubric != null && "text".equals(rubric.path("type").asText())) {
      sb.append("Rubric:\n").append(rubric.path("content").asText()).append('\n');
    } else {
      sb.append("The grader holds the rubric (file ")
          .append(rubric == null ? "" : rubric.path("file_id").asText())
          .append(").\n");
    }
    return sb.append("</outcome>").toString();
  }

  /**
   * The grader's feedback the agent works on next, for an evaluation that asks for a revision
   * ({@code needs_revision}, or the one final revision after {@code max_iterations_reached}); null
   * for any other result.
   */
  static String revision(Event.SpanOutcomeEvaluationEnd end) {
    boolean again = OutcomeState.NEEDS_REVISION.equals(end.result());
    boolean last = OutcomeState.MAX_ITERATIONS_REACHED.equals(end.result());
    if (!again && !last) {
      return null;
    }
    String explanation = end.explanation() == null ? "" : end.explanation();
    return "<outcome_evaluation>\nThe grader evaluated your work (iteration "
        + end.iteration()
        + ") and found that it does not meet the rubric yet:\n"
        + explanation
        + (last
            ? "\n\nThat was the last evaluation: make one final revision if it helps, then end"
                + " your turn."
            : "\n\nRevise your work to meet the rubric, then end your turn.")
        + "\n</outcome_evaluation>";
  }
}
