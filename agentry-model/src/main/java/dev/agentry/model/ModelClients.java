package dev.agentry.model;

import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelRequest;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds model clients. {@link #fromEnv(Map)} returns a router that picks the client by each
 * request's model id:
 *
 * <ul>
 *   <li>{@code scripted:<path>}: replays a JSON script ({@link ScriptedModelClient}) that lies in
 *       {@code AGENTRY_SCRIPTS_DIR} (default {@code examples} under the working directory);
 *   <li>{@code openai/<model>}: OpenAI-compatible Chat Completions at {@code OPENAI_BASE_URL}
 *       (default {@code https://api.openai.com/v1}) with {@code OPENAI_API_KEY};
 *   <li>{@code ollama/<model>}: OpenAI-compatible at {@code OLLAMA_BASE_URL} (default {@code
 *       http://127.0.0.1:11434/v1}), no key;
 *   <li>anything else: Anthropic's Messages API at {@code ANTHROPIC_BASE_URL} (default {@code
 *       https://api.anthropic.com}) with {@code ANTHROPIC_API_KEY}.
 * </ul>
 *
 * A missing key is reported when a request needs it, as a non-retryable {@code
 * authentication_error} naming the variable.
 */
public final class ModelClients {
  static final String OPENAI_DEFAULT = "https://api.openai.com/v1";
  static final String OLLAMA_DEFAULT = "http://127.0.0.1:11434/v1";

  private ModelClients() {}

  /** The router over all providers, configured from {@code env} (e.g. {@code System.getenv()}). */
  public static ModelClient fromEnv(Map<String, String> env) {
    ModelClient anthropic =
        new AnthropicModelClient(get(env, "ANTHROPIC_BASE_URL"), get(env, "ANTHROPIC_API_KEY"));
    ModelClient openai =
        new OpenAiCompatibleModelClient(
            "OpenAI-compatible endpoint",
            orDefault(get(env, "OPENAI_BASE_URL"), OPENAI_DEFAULT),
            get(env, "OPENAI_API_KEY"),
            "OPENAI_API_KEY",
            true);
    ModelClient ollama =
        new OpenAiCompatibleModelClient(
            "Ollama", orDefault(get(env, "OLLAMA_BASE_URL"), OLLAMA_DEFAULT), null, null, false);
    Path scripts = Path.of(orDefault(get(env, "AGENTRY_SCRIPTS_DIR"), "examples"));
    return (request, listener, cancellation) -> {
      String model = request.model() == null ? "" : request.model();
      if (model.startsWith("scripted:")) {
        return new ScriptedModelClient(Path.of(model.substring("scripted:".length())), scripts)
            .send(request, listener, cancellation);
      }
      if (model.startsWith("openai/")) {
        return openai.send(strip(request, "openai/"), listener, cancellation);
      }
      if (model.startsWith("ollama/")) {
        return ollama.send(strip(request, "ollama/"), listener, cancellation);
      }
      return anthropic.send(request, listener, cancellation);
    };
  }

  /** Anthropic's Messages API at {@code baseUrl} (null: the public API). */
  public static ModelClient anthropic(String baseUrl, String apiKey) {
    return new AnthropicModelClient(baseUrl, apiKey);
  }

  /**
   * An OpenAI-compatible Chat Completions endpoint ({@code baseUrl} ends in {@code /v1}); the
   * request's model id is sent as is. {@code apiKey} may be null for endpoints without auth.
   */
  public static ModelClient openAiCompatible(String baseUrl, String apiKey) {
    return new OpenAiCompatibleModelClient(
        "OpenAI-compatible endpoint", baseUrl, apiKey, null, true);
  }

  /** A scripted replay of {@code script}, whatever the request's model id. */
  public static ModelClient scripted(Path script) {
    return new ScriptedModelClient(script);
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

  private static String get(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String orDefault(String v, String d) {
    return v == null ? d : v;
  }
}
