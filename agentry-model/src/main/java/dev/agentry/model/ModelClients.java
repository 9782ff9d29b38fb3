package dev.agentry.model;

import dev.agentry.core.ModelClient;
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
 *   <li>{@code claude-<model>}: Anthropic's Messages API at {@code ANTHROPIC_BASE_URL} (default
 *       {@code https://api.anthropic.com}) with {@code ANTHROPIC_API_KEY}.
 * </ul>
 *
 * Any other id is refused. The router's {@link ModelClient#refusal} says so when an agent is saved,
 * and also names a missing key unless {@code AGENTRY_MODEL_CHECK=form}; a request that reaches a
 * provider without its key fails as a non-retryable {@code authentication_error} naming the
 * variable.
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
    return new ModelRouter(
        anthropic,
        get(env, "ANTHROPIC_API_KEY") != null,
        openai,
        get(env, "OPENAI_API_KEY") != null,
        ollama,
        scripts,
        checksKeys(get(env, "AGENTRY_MODEL_CHECK")));
  }

  /**
   * {@code AGENTRY_MODEL_CHECK}: {@code configured} (the default) refuses at save time a model
   * whose provider needs a key this server lacks; {@code form} checks only the id's form, for
   * deployments that save agents before their keys are configured.
   */
  private static boolean checksKeys(String value) {
    if (value == null || value.equals("configured")) {
      return true;
    }
    if (value.equals("form")) {
      return false;
    }
    throw new IllegalArgumentException(
        "AGENTRY_MODEL_CHECK must be configured or form, not '" + value + "'");
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

  private static String get(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String orDefault(String v, String d) {
    return v == null ? d : v;
  }
}
