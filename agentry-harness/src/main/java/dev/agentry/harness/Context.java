package dev.agentry.harness;

import dev.agentry.core.ModelMessage;
import java.util.List;

/**
 * A session's model context as folded from its log. {@code cleanPoints} are the positions where the
 * log could be cut for compaction without splitting a tool call from its result; {@code
 * lastRequestTokens} is what the last successful request after the latest compaction used, or null.
 */
record Context(
    List<ModelMessage> messages,
    List<CleanPoint> cleanPoints,
    long compactedThroughSeq,
    Long lastRequestTokens,
    long chars) {

  /** After event {@code seq} the context holds {@code chars} characters and nothing is open. */
  record CleanPoint(long seq, long chars) {}

  /** Whether the model has something to answer: the context ends with a user turn. */
  boolean awaitingModel() {
    return !messages.isEmpty() && messages.get(messages.size() - 1).role().equals("user");
  }

  /** Tokens the next request will send: measured when known, else about four chars a token. */
  long estimatedTokens() {
    return lastRequestTokens != null ? Math.max(lastRequestTokens, chars / 4) : chars / 4;
  }
}
