package dev.agentry.server;

import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.Redactor;
import java.util.Map;
import java.util.TreeMap;

/**
 * Redacts one response's stream of text and thinking deltas before they become live previews. A
 * secret may arrive split across deltas, so each content block's text is redacted as a stream, not
 * delta by delta: the tail that could still grow into a secret (in any form the {@link Redactor}
 * knows) is held back until the next delta settles it, and let out, redacted, by {@link #finish()}
 * once the response is complete. The previews of a block put together are its redacted text.
 *
 * <p>With no secret registered a delta goes through as it came: no copy, no scan. Deltas arrive
 * before the model client's {@code send} returns, and {@link #finish()} is called after it, so one
 * thread at a time touches the held tails.
 */
final class RedactingStreamListener implements ModelStreamListener {
  private final ModelStreamListener out;
  private final Redactor redactor;

  /** Held-back tails by content block index. */
  private final Map<Integer, Tail> held = new TreeMap<>();

  private record Tail(boolean thinking, String text) {}

  RedactingStreamListener(ModelStreamListener out, Redactor redactor) {
    this.out = out;
    this.redactor = redactor;
  }

  @Override
  public void onTextDelta(int index, String text) {
    release(index, false, text);
  }

  @Override
  public void onThinkingDelta(int index, String thinking) {
    release(index, true, thinking);
  }

  /**
   * Lets out every held tail, redacted: the response is complete, nothing can follow them. Not
   * called when the response failed: no event is persisted then, and a preview has nothing to end.
   */
  void finish() {
    held.forEach((index, tail) -> emit(index, tail.thinking(), redactor.redact(tail.text())));
    held.clear();
  }

  private void release(int index, boolean thinking, String delta) {
    Tail before = held.isEmpty() ? null : held.get(index);
    String text = before == null ? delta : before.text() + delta;
    int settled = redactor.settledLength(text);
    if (settled < text.length()) {
      held.put(index, new Tail(thinking, text.substring(settled)));
    } else if (before != null) {
      held.remove(index);
    }
    if (settled > 0) {
      emit(index, thinking, redactor.redact(text.substring(0, settled)));
    }
  }

  private void emit(int index, boolean thinking, String text) {
    if (thinking) {
      out.onThinkingDelta(index, text);
    } else {
      out.onTextDelta(index, text);
    }
  }
}
