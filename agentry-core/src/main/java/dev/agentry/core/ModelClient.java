package dev.agentry.core;

import java.util.Optional;

/** A model behind one interface: Anthropic, OpenAI-compatible, or a scripted replay. */
public interface ModelClient {

  /**
   * Sends {@code request} and streams the answer to {@code listener}, returning it once complete.
   *
   * @throws ModelException.Cancelled if {@code cancellation} was flipped
   * @throws ModelException on any other failure, with whether a retry may help
   */
  ModelResponse send(ModelRequest request, ModelStreamListener listener, Cancellation cancellation);

  /**
   * Why this client cannot serve {@code model}, for saying so when an agent is saved rather than
   * when its first turn runs; empty when it can (or cannot tell without calling the provider). A
   * client bound to one provider serves whatever id it is given, so the default says nothing.
   */
  default Optional<String> refusal(String model) {
    return Optional.empty();
  }
}
