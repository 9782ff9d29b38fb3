package dev.agentry.model;

import dev.agentry.core.Cancellation;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Picks the provider by the model id's form ({@code claude-…}, {@code openai/…}, {@code ollama/…},
 * {@code scripted:…}) and says at save time which ids it cannot serve: an id of no known form
 * always, and, when {@code checkKeys}, an id whose provider needs a key this server was started
 * without (the same refusal {@link #send} would give, before any network call).
 */
final class ModelRouter implements ModelClient {
  static final String ACCEPTED =
      "claude-… (Anthropic), openai/<model> (OpenAI-compatible), ollama/<model> (Ollama) or"
          + " scripted:<path> (a scripted replay)";

  private final ModelClient anthropic;
  private final boolean anthropicKey;
  private final ModelClient openai;
  private final boolean openaiKey;
  private final ModelClient ollama;
  private final Path scripts;
  private final boolean checkKeys;

  ModelRouter(
      ModelClient anthropic,
      boolean anthropicKey,
      ModelClient openai,
      boolean openaiKey,
      ModelClient ollama,
      Path scripts,
      boolean checkKeys) {
    this.anthropic = anthropic;
    this.anthropicKey = anthropicKey;
    this.openai = openai;
    this.openaiKey = openaiKey;
    this.ollama = ollama;
    this.scripts = scripts;
    this.checkKeys = checkKeys;
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    String model = request.model() == null ? "" : request.model();
    if (named(model, "scripted:")) {
      return new ScriptedModelClient(Path.of(model.substring("scripted:".length())), scripts)
          .send(request, listener, cancellation);
    }
    if (named(model, "openai/")) {
      return openai.send(strip(request, "openai/"), listener, cancellation);
    }
    if (named(model, "ollama/")) {
      return ollama.send(strip(request, "ollama/"), listener, cancellation);
    }
    if (model.startsWith("claude-")) {
      return anthropic.send(request, listener, cancellation);
    }
    // An agent saved before ids were checked: say what is wrong with the id, not with a key.
    throw new ModelException("model_request_failed_error", unknownForm(model), false, 0, null);
  }

  @Override
  public Optional<String> refusal(String model) {
    String id = model == null ? "" : model;
    if (named(id, "scripted:")) {
      return Optional.empty();
    }
    if (named(id, "ollama/")) {
      return Optional.empty();
    }
    if (named(id, "openai/")) {
      return checkKeys && !openaiKey ? Optional.of(noKey(id, "OPENAI_API_KEY")) : Optional.empty();
    }
    if (id.startsWith("claude-")) {
      return checkKeys && !anthropicKey
          ? Optional.of(noKey(id, "ANTHROPIC_API_KEY"))
          : Optional.empty();
    }
    return Optional.of(unknownForm(id));
  }

  /** Whether {@code id} is {@code prefix} followed by a non-empty name. */
  private static boolean named(String id, String prefix) {
    return id.startsWith(prefix) && id.length() > prefix.length();
  }

  private static String unknownForm(String id) {
    return "'" + id + "' is not a model id this server can route; use " + ACCEPTED;
  }

  private static String noKey(String id, String variable) {
    return "'"
        + id
        + "' needs "
        + variable
        + ", which this server was started without; set it and restart the server (or start it"
        + " with AGENTRY_MODEL_CHECK=form to save agents before their provider is configured)";
  }

  private static ModelRequest strip(ModelRequest r, String prefix) {
    return new ModelRequest(
        r.model().substring(prefix.length()),
        r.system(),
        r.messages(),
        r.tools(),
        r.maxTokens(),
        r.effort());
  }
}
