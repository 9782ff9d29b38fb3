package dev.agentry.core;

/** A model behind one interface: Anthropic, OpenAI-compatible, or a scripted replay. */
public interface ModelClient {

  /**
   * Sends {@code request} and streams the answer to {@code listener}, returning it once complete.
   *
   * @throws ModelException.Cancelled if {@code cancellation} was flipped
   * @throws ModelException on any other failure, with whether a retry may help
   */
  ModelResponse send(ModelRequest request, ModelStreamListener listener, Cancellation cancellation);
}
