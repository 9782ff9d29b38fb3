package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.ModelUsage;
import dev.agentry.core.SessionUsage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * List prices used to compute a session's {@code list_cost}: USD per million tokens per model
 * (matched by the longest model-id prefix) and the runtime rate per active session-hour.
 *
 * <p>The defaults are Anthropic's list prices as of 2026-11; override them with a JSON file named
 * by {@code AGENTRY_PRICES_FILE} (format in {@code docs/pricing.md}). Models no prefix matches (for
 * example {@code scripted:…} or a local OpenAI-compatible model) cost nothing for their tokens;
 * their runtime still counts.
 */
public final class PriceTable {
  /** USD per million tokens of each kind; cache write is the 5-minute ephemeral write. */
  public record ModelPrice(
      BigDecimal input, BigDecimal output, BigDecimal cacheWrite, BigDecimal cacheRead) {
    public static final ModelPrice FREE =
        new ModelPrice(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

    /** Input and output prices, with cache write at 1.25× and cache read at 0.1× the input. */
    public static ModelPrice of(String input, String output) {
      BigDecimal in = new BigDecimal(input);
      return new ModelPrice(
          in,
          new BigDecimal(output),
          in.multiply(new BigDecimal("1.25")),
          in.divide(BigDecimal.TEN));
    }
  }

  public static final String CURRENCY = "USD";
  private static final BigDecimal CENTS_PER_USD = BigDecimal.valueOf(100);
  private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
  private static final Set<String> PRICE_KEYS =
      Set.of("input", "output", "cache_write", "cache_read");
  private static final Set<String> TOP_KEYS = Set.of("runtime_per_session_hour", "models");

  private final Map<String, ModelPrice> byPrefix;
  private final BigDecimal runtimePerHour;

  public PriceTable(Map<String, ModelPrice> byPrefix, BigDecimal runtimePerHour) {
    this.byPrefix = Map.copyOf(byPrefix);
    this.runtimePerHour = runtimePerHour;
  }

  /** List prices as of 2026-11 (override them): Claude 4 families and $0.08 per session-hour. */
  public static PriceTable defaults() {
    Map<String, ModelPrice> m = new LinkedHashMap<>();
    m.put("claude-opus-4", ModelPrice.of("15", "75"));
    m.put("claude-sonnet-4", ModelPrice.of("3", "15"));
    m.put("claude-haiku-4", ModelPrice.of("1", "5"));
    return new PriceTable(m, new BigDecimal("0.08"));
  }

  public Map<String, ModelPrice> models() {
    return byPrefix;
  }

  public BigDecimal runtimePerHour() {
    return runtimePerHour;
  }

  /** The price of the longest prefix of {@code model}; free when none matches. */
  public ModelPrice price(String model) {
    if (model == null) {
      return ModelPrice.FREE;
    }
    return byPrefix.entrySet().stream()
        .filter(e -> model.startsWith(e.getKey()))
        .max(Comparator.comparingInt(e -> e.getKey().length()))
        .map(Map.Entry::getValue)
        .orElse(ModelPrice.FREE);
  }

  /**
   * The exact list cost in cents of {@code usage} spent on {@code model}, runtime included; the
   * tokens {@code usage} spent on other models (a coordinator's members') at their own prices.
   */
  public BigDecimal costCents(String model, SessionUsage usage) {
    ModelUsage own =
        new ModelUsage(
            usage.inputTokens(),
            usage.outputTokens(),
            usage.cacheReadInputTokens(),
            usage.cacheCreationInputTokens());
    BigDecimal tokenUsd = BigDecimal.ZERO;
    for (Map.Entry<String, ModelUsage> other : usage.otherModels().entrySet()) {
      ModelUsage o = other.getValue();
      tokenUsd = tokenUsd.add(tokenUsd(price(other.getKey()), o));
      own =
          new ModelUsage(
              own.inputTokens() - o.inputTokens(),
              own.outputTokens() - o.outputTokens(),
              own.cacheReadInputTokens() - o.cacheReadInputTokens(),
              own.cacheCreationInputTokens() - o.cacheCreationInputTokens());
    }
    tokenUsd = tokenUsd.add(tokenUsd(price(model), own));
    if (usage.activeSeconds() == 0) {
      return tokenUsd.multiply(CENTS_PER_USD); // a model request's own cost (the metrics ask)
    }
    BigDecimal runtimeUsd =
        runtimePerHour
            .multiply(BigDecimal.valueOf(usage.activeSeconds()))
            .divide(SECONDS_PER_HOUR, 12, RoundingMode.HALF_UP);
    return tokenUsd.add(runtimeUsd).multiply(CENTS_PER_USD);
  }

  private static BigDecimal tokenUsd(ModelPrice p, ModelUsage u) {
    return p.input()
        .multiply(BigDecimal.valueOf(u.inputTokens()))
        .add(p.output().multiply(BigDecimal.valueOf(u.outputTokens())))
        .add(p.cacheWrite().multiply(BigDecimal.valueOf(u.cacheCreationInputTokens())))
        .add(p.cacheRead().multiply(BigDecimal.valueOf(u.cacheReadInputTokens())))
        .movePointLeft(6); // per million, exactly: a division here cost more than the rest
  }

  /** The list cost in whole cents, rounded half up, as the API's decimal string. */
  public String listCostMinorUnits(String model, SessionUsage usage) {
    return costCents(model, usage).setScale(0, RoundingMode.HALF_UP).toBigInteger().toString();
  }

  /**
   * The defaults with the file's entries laid over them. Format: {@code
   * {"runtime_per_session_hour": 0.08, "models": {"<model-id prefix>": {"input": 3, "output": 15,
   * "cache_write"?: 3.75, "cache_read"?: 0.3}}}}, prices in USD per million tokens. A mistake is an
   * {@link IllegalArgumentException} naming the file and the key.
   */
  public static PriceTable load(Path file) {
    JsonNode root;
    try {
      root = Json.mapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "AGENTRY_PRICES_FILE " + file + ": cannot read it as JSON (" + e.getMessage() + ")", e);
    }
    return defaults().overriddenBy(root, "AGENTRY_PRICES_FILE " + file);
  }

  PriceTable overriddenBy(JsonNode root, String source) {
    if (root == null || !root.isObject()) {
      throw bad(source, "(top level)", "must be a JSON object");
    }
    root.fieldNames()
        .forEachRemaining(
            k -> {
              if (!TOP_KEYS.contains(k)) {
                throw bad(source, k, "is not a known key (runtime_per_session_hour, models)");
              }
            });
    BigDecimal runtime = runtimePerHour;
    if (root.has("runtime_per_session_hour")) {
      runtime = amount(root.get("runtime_per_session_hour"), source, "runtime_per_session_hour");
    }
    Map<String, ModelPrice> models = new LinkedHashMap<>(byPrefix);
    if (root.has("models")) {
      JsonNode ms = root.get("models");
      if (!ms.isObject()) {
        throw bad(source, "models", "must be an object of model-id prefix to prices");
      }
      for (var it = ms.properties().iterator(); it.hasNext(); ) {
        var e = it.next();
        String key = "models." + e.getKey();
        if (e.getKey().isEmpty()) {
          throw bad(source, key, "a model-id prefix must not be empty");
        }
        models.put(e.getKey(), modelPrice(e.getValue(), source, key));
      }
    }
    return new PriceTable(models, runtime);
  }

  private static ModelPrice modelPrice(JsonNode n, String source, String key) {
    if (!n.isObject()) {
      throw bad(source, key, "must be an object with input and output prices");
    }
    n.fieldNames()
        .forEachRemaining(
            k -> {
              if (!PRICE_KEYS.contains(k)) {
                throw bad(
                    source,
                    key + "." + k,
                    "is not a known key (input, output, cache_write, cache_read)");
              }
            });
    for (String required : new String[] {"input", "output"}) {
      if (!n.has(required)) {
        throw bad(source, key + "." + required, "is required");
      }
    }
    BigDecimal in = amount(n.get("input"), source, key + ".input");
    BigDecimal out = amount(n.get("output"), source, key + ".output");
    BigDecimal write =
        n.has("cache_write")
            ? amount(n.get("cache_write"), source, key + ".cache_write")
            : in.multiply(new BigDecimal("1.25"));
    BigDecimal read =
        n.has("cache_read")
            ? amount(n.get("cache_read"), source, key + ".cache_read")
            : in.divide(BigDecimal.TEN);
    return new ModelPrice(in, out, write, read);
  }

  private static BigDecimal amount(JsonNode n, String source, String key) {
    if (n == null || !n.isNumber()) {
      throw bad(source, key, "must be a number (USD)");
    }
    BigDecimal v = n.decimalValue();
    if (v.signum() < 0) {
      throw bad(source, key, "must not be negative");
    }
    return v;
  }

  private static IllegalArgumentException bad(String source, String key, String why) {
    return new IllegalArgumentException(source + ": " + key + " " + why);
  }
}
