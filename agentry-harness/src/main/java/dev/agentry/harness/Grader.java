package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.Event;
import dev.agentry.core.Json;
import dev.agentry.core.LogEntry;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.ToolDefinition;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The grader: a model request of its own, apart from the agent's context, that sees the rubric, the
 * task and the agent's work (its messages, tool calls and results since the outcome was defined;
 * never its reasoning, which the log does not keep), and must answer by calling {@code
 * submit_evaluation} with a verdict and an explanation (docs/decisions/0043). A response without a
 * valid call is a {@code failed} evaluation, never a guess.
 */
final class Grader {
  static final String TOOL = "submit_evaluation";

  /** A tool result longer than this is cut in the grader's transcript (the log keeps it). */
  private static final int RESULT_CHARS = 4_000;

  /** The transcript keeps its most recent part within this many characters. */
  private static final int TRANSCRIPT_CHARS = 200_000;

  private static final Set<String> VERDICTS =
      Set.of(OutcomeState.SATISFIED, OutcomeState.NEEDS_REVISION, OutcomeState.FAILED);

  static final String SYSTEM =
      "You are a grader. You evaluate an AI agent's work against a rubric. You do not do the work"
          + " yourself and you cannot talk to the agent except through your explanation. Score each"
          + " criterion of the rubric independently from the evidence in the transcript, then call"
          + " the submit_evaluation tool exactly once:\n"
          + "- \"satisfied\" when every criterion is met;\n"
          + "- \"needs_revision\" when some criterion is not met yet; the explanation says which and"
          + " what to change, and is sent to the agent;\n"
          + "- \"failed\" when the rubric cannot apply to this task at all.";

  /** A grader's verdict, with the tokens its request used. */
  record Verdict(String result, String explanation, ModelUsage usage) {}

  private final ModelClient model;
  private final int maxTokens;

  Grader(ModelClient model, int maxTokens) {
    this.model = model;
    this.maxTokens = maxTokens;
  }

  /**
   * Grades the work in {@code log} after the outcome's definition against {@code rubric}, on {@code
   * modelId}.
   *
   * @throws ModelException.Cancelled if {@code c} was cancelled (an interrupt, the run stopping)
   */
  Verdict grade(
      String modelId,
      Event.UserDefineOutcome outcome,
      String rubric,
      LogEntry define,
      List<LogEntry> log,
      Cancellation c) {
    ModelRequest request =
        new ModelRequest(
            modelId,
            SYSTEM,
            List.of(
                ModelMessage.user(
                    List.of(new ContentBlock.Text(prompt(outcome, rubric, define, log))))),
            List.of(tool()),
            maxTokens,
            null);
    ModelResponse response;
    try {
      response = model.send(request, ModelStreamListener.NONE, c);
    } catch (ModelException.Cancelled e) {
      throw e;
    } catch (ModelException e) {
      return new Verdict(
          OutcomeState.FAILED,
          "The grader's model request failed (" + e.errorType() + "): " + e.getMessage(),
          ModelUsage.ZERO);
    }
    if (c.isCancelled()) {
      throw new ModelException.Cancelled();
    }
    ModelUsage usage = response.usage() == null ? ModelUsage.ZERO : response.usage();
    return parse(response)
        .map(v -> new Verdict(v.result(), v.explanation(), usage))
        .orElseGet(
            () ->
                new Verdict(
                    OutcomeState.FAILED,
                    "The grader gave no verdict: it did not call "
                        + TOOL
                        + " with a result of satisfied, needs_revision or failed and an"
                        + " explanation.",
                    usage));
  }

  /** The verdict of the response's first {@code submit_evaluation} call, if it is valid. */
  static Optional<Verdict> parse(ModelResponse response) {
    for (ContentBlock b : response.content()) {
      if (b instanceof ContentBlock.ToolUse use && use.name().equals(TOOL)) {
        JsonNode in = use.input();
        String result = in == null ? "" : in.path("result").asText("");
        JsonNode explanation = in == null ? null : in.get("explanation");
        if (!VERDICTS.contains(result) || explanation == null || !explanation.isTextual()) {
          return Optional.empty();
        }
        return Optional.of(new Verdict(result, explanation.asText(), ModelUsage.ZERO));
      }
    }
    return Optional.empty();
  }

  static ToolDefinition tool() {
    ObjectNode schema = Json.mapper().createObjectNode().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    ObjectNode result = props.putObject("result").put("type", "string");
    result.putArray("enum").add("satisfied").add("needs_revision").add("failed");
    props
        .putObject("explanation")
        .put("type", "string")
        .put("description", "Why, criterion by criterion; what to change if it needs revision.");
    schema.putArray("required").add("result").add("explanation");
    schema.put("additionalProperties", false);
    return new ToolDefinition(TOOL, "Submits the evaluation of the agent's work.", schema);
  }

  /** The grader's one user turn: rubric, task, and the agent's work as a transcript. */
  static String prompt(
      Event.UserDefineOutcome outcome, String rubric, LogEntry define, List<LogEntry> log) {
    StringBuilder work = new StringBuilder();
    for (LogEntry e : log) {
      if (e.seq() > define.seq() && e.processedAt() != null) {
        describe(e, work);
      }
    }
    String transcript =
        work.length() <= TRANSCRIPT_CHARS
            ? work.toString()
            : "[earlier work cut]\n" + work.substring(work.length() - TRANSCRIPT_CHARS);
    return "<rubric>\n"
        + rubric
        + "\n</rubric>\n\n<task>\n"
        + (outcome.description() == null ? "" : outcome.description())
        + "\n</task>\n\n<agent_work>\n"
        + (transcript.isBlank() ? "(the agent produced nothing)\n" : transcript)
        + "</agent_work>\n\nEvaluate the agent's work against the rubric and call "
        + TOOL
        + ".";
  }

  /** One event of the agent's work, as the grader reads it; reasoning is never part of it. */
  private static void describe(LogEntry e, StringBuilder out) {
    switch (e.event()) {
      case Event.AgentMessage m -> out.append("[agent] ").append(Events.text(m.content()));
      case Event.AgentToolUse u ->
          out.append("[tool call ").append(u.name()).append("] ").append(u.input());
      case Event.AgentMcpToolUse u ->
          out.append("[tool call ")
              .append(McpNames.exposed(u.mcpServerName(), u.name()))
              .append("] ")
              .append(u.input());
      case Event.AgentCustomToolUse u ->
          out.append("[tool call ").append(u.name()).append("] ").append(u.input());
      case Event.AgentToolResult r -> result(r.content(), r.isError(), out);
      case Event.AgentMcpToolResult r -> result(r.content(), r.isError(), out);
      case Event.UserCustomToolResult r -> result(r.content(), r.isError(), out);
      case Event.UserMessage m -> out.append("[user] ").append(Events.text(m.content()));
      case Event.SpanOutcomeEvaluationEnd end ->
          out.append("[earlier evaluation, iteration ")
              .append(end.iteration())
              .append(": ")
              .append(end.result())
              .append("] ")
              .append(end.explanation() == null ? "" : end.explanation());
      default -> {
        return;
      }
    }
    out.append('\n');
  }

  private static void result(JsonNode content, Boolean isError, StringBuilder out) {
    String text = content == null ? "" : Events.text(content);
    if (text.length() > RESULT_CHARS) {
      text =
          text.substring(0, RESULT_CHARS)
              + " ["
              + (text.length() - RESULT_CHARS)
              + " more characters cut]";
    }
    out.append(Boolean.TRUE.equals(isError) ? "[tool error] " : "[tool result] ").append(text);
  }
}
