package dev.agentry.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cumulative token usage, active time and server tool calls ({@code web_search}, {@code web_fetch}
 * run by the harness) of a session. A stored session from before the counts reads them as 0.
 *
 * @param otherModels the tokens of model requests made on the model of another agent than the
 *     session's (a coordinator's member threads run their own agents), by model id; they are in the
 *     totals too, and are priced at their own model (docs/decisions/0033). Empty in a session
 *     without threads, and in one stored before it was kept.
 */
public record SessionUsage(
    long inputTokens,
    long outputTokens,
    long cacheReadInputTokens,
    long cacheCreationInputTokens,
    double activeSeconds,
    long webSearchRequests,
    long webFetchRequests,
    Map<String, ModelUsage> otherModels) {
  public static final SessionUsage ZERO = new SessionUsage(0, 0, 0, 0, 0);

  public SessionUsage {
    otherModels = otherModels == null ? Map.of() : Map.copyOf(otherModels);
  }

  /** Without tokens on other models. */
  public SessionUsage(
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      long cacheCreationInputTokens,
      double activeSeconds,
      long webSearchRequests,
      long webFetchRequests) {
    this(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds,
        webSearchRequests,
        webFetchRequests,
        Map.of());
  }

  /** Tokens and active time, without server tool calls. */
  public SessionUsage(
      long inputTokens,
      long outputTokens,
      long cacheReadInputTokens,
      long cacheCreationInputTokens,
      double activeSeconds) {
    this(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds,
        0,
        0);
  }

  /** This usage with one model request's tokens added. */
  public SessionUsage plus(ModelUsage m) {
    return new SessionUsage(
        inputTokens + m.inputTokens(),
        outputTokens + m.outputTokens(),
        cacheReadInputTokens + m.cacheReadInputTokens(),
        cacheCreationInputTokens + m.cacheCreationInputTokens(),
        activeSeconds,
        webSearchRequests,
        webFetchRequests,
        otherModels);
  }

  /** This usage with the tokens of one request made on {@code model}, another agent's, added. */
  public SessionUsage plusOn(String model, ModelUsage m) {
    Map<String, ModelUsage> others = new LinkedHashMap<>(otherModels);
    others.merge(model, m, ModelUsage::plus);
    SessionUsage total = plus(m);
    return new SessionUsage(
        total.inputTokens,
        total.outputTokens,
        total.cacheReadInputTokens,
        total.cacheCreationInputTokens,
        activeSeconds,
        webSearchRequests,
        webFetchRequests,
        others);
  }

  /** This usage with {@code seconds} more active time. */
  public SessionUsage plusActiveSeconds(double seconds) {
    return new SessionUsage(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds + seconds,
        webSearchRequests,
        webFetchRequests,
        otherModels);
  }

  /** This usage with one more {@code web_search} (or else {@code web_fetch}) call. */
  public SessionUsage plusServerToolCall(boolean search) {
    return new SessionUsage(
        inputTokens,
        outputTokens,
        cacheReadInputTokens,
        cacheCreationInputTokens,
        activeSeconds,
        webSearchRequests + (search ? 1 : 0),
        webFetchRequests + (search ? 0 : 1),
        otherModels);
  }
}
