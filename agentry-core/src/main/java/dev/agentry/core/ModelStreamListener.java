package dev.agentry.core;

/**
 * Receives a response while it streams, for live previews ({@code event_delta}). Called on the
 * model client's thread; must not block. {@code index} is the content block's position.
 */
public interface ModelStreamListener {
  ModelStreamListener NONE = new ModelStreamListener() {};

  default void onTextDelta(int index, String text) {}

  default void onThinkingDelta(int index, String thinking) {}
}
