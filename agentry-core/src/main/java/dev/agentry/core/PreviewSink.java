package dev.agentry.core;

/**
 * Where live previews of a response go while it streams: stream-only {@code event_start} and {@code
 * event_delta} events, never persisted and best effort (a slow client may miss some; the persisted
 * event with the same id is authoritative).
 */
public interface PreviewSink {
  PreviewSink NONE = (sessionId, previewOf, json) -> {};

  /**
   * Offers one preview event to the session's live subscribers that asked for previews of {@code
   * previewOf} ({@code agent.message} or {@code agent.thinking}); must not block.
   */
  void publish(String sessionId, String previewOf, String json);

  /**
   * Offers a preview of a child thread's response: only that thread's stream shows it
   * (docs/decisions/0033). A sink that knows no thread streams drops it.
   */
  default void publish(String sessionId, String threadId, String previewOf, String json) {}
}
