package dev.agentry.harness;

import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When and where to cut the context. Compaction is a view: the log keeps every event, and an {@code
 * agent.thread_context_compacted} event says which prefix its summary replaces.
 */
final class Compaction {
  /** The share of the context kept verbatim after a cut, so the model keeps recent detail. */
  private static final double KEEP = 0.3;

  static final String INSTRUCTION =
      "Summarise the conversation so far for your own future use: the user's goals and"
          + " instructions, what has been done (files, commands, results), decisions and their"
          + " reasons, and what remains to do. Be specific and complete; do not call any tools."
          + " Reply with the summary only.";

  private Compaction() {}

  static boolean due(Context ctx, HarnessConfig config, String model) {
    return ctx.estimatedTokens() > config.compactionThreshold() * config.contextWindow(model);
  }

  /**
   * The seq to compact through: the earliest clean point after which at most {@link #KEEP} of the
   * context remains; empty if no cut would shrink it.
   */
  static Optional<Long> cut(Context ctx) {
    for (Context.CleanPoint p : ctx.cleanPoints()) {
      if (p.seq() > ctx.compactedThroughSeq() && ctx.chars() - p.chars() <= KEEP * ctx.chars()) {
        return Optional.of(p.seq());
      }
    }
    return Optional.empty();
  }

  /** The summarising request's messages: the context up to the cut, then the instruction. */
  static List<ModelMessage> request(Context prefix) {
    List<ModelMessage> out = new ArrayList<>(prefix.messages());
    ContentBlock ask = new ContentBlock.Text(INSTRUCTION);
    if (!out.isEmpty() && out.get(out.size() - 1).role().equals("user")) {
      ModelMessage last = out.remove(out.size() - 1);
      List<ContentBlock> merged = new ArrayList<>(last.content());
      merged.add(ask);
      out.add(ModelMessage.user(merged));
    } else {
      out.add(ModelMessage.user(List.of(ask)));
    }
    return out;
  }
}
