package dev.agentry.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The set of secrets the runtime knows (vault secrets, model providers' API keys, the master key),
 * and the scanner that replaces them with {@value #MARK} wherever text leaves the runtime: events,
 * model requests, logs and error messages.
 *
 * <p>Each secret is matched as is, JSON-escaped, URL-encoded, and in base64 (standard and
 * URL-safe), including the base64 of the secret embedded in a longer value at each of the three
 * byte alignments (which covers {@code Basic base64(user:secret)}). Secrets shorter than {@value
 * #MIN_LENGTH} characters are ignored so that common words are not redacted.
 *
 * <p>One instance per server, made by its composition root and handed to everything that writes
 * text out (there is no process-wide one: two servers in one JVM know only their own secrets).
 * Thread-safe: adding a secret publishes a new immutable pattern list; scanning reads it without
 * locking.
 */
public final class Redactor {
  public static final String MARK = "[redacted]";
  public static final int MIN_LENGTH = 8;

  /** Environment variables whose values are secrets from start-up. */
  public static final List<String> SECRET_ENV =
      List.of(
          "ANTHROPIC_API_KEY",
          "OPENAI_API_KEY",
          "AGENTRY_MASTER_KEY",
          // the blob store's S3 credentials (ADR 0027)
          "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN");

  private final Set<String> secrets = new LinkedHashSet<>();
  private volatile List<String> patterns = List.of();

  /** Registers a secret; returns whether it is new. Null, blank and short values are ignored. */
  public boolean add(String secret) {
    if (secret == null || secret.strip().length() < MIN_LENGTH) {
      return false;
    }
    synchronized (secrets) {
      if (!secrets.add(secret)) {
        return false;
      }
      Set<String> all = new LinkedHashSet<>(patterns);
      all.addAll(variants(secret));
      List<String> sorted = new ArrayList<>(all);
      sorted.sort(Comparator.comparingInt(String::length).reversed());
      patterns = List.copyOf(sorted);
      return true;
    }
  }

  /**
   * Registers every string value of a JSON object of secrets (what a credential seals); a value
   * that is not JSON is registered whole.
   */
  public void addJsonSecrets(String json) {
    if (json == null) {
      return;
    }
    try {
      JsonNode node = Json.mapper().readTree(json);
      if (node != null && node.isContainerNode()) {
        addLeaves(node);
        return;
      }
    } catch (JsonProcessingException e) {
      // not JSON: the whole value is the secret
    }
    add(json);
  }

  /** Registers the values of {@link #SECRET_ENV} found in {@code env}. */
  public void addFromEnv(Map<String, String> env) {
    SECRET_ENV.forEach(name -> add(env.get(name)));
  }

  /** How many secrets are registered. */
  public int size() {
    synchronized (secrets) {
      return secrets.size();
    }
  }

  /** {@code text} with every known secret, in any of its forms, replaced by {@value #MARK}. */
  public String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = text;
    for (String p : patterns) {
      out = replace(out, p);
    }
    return out;
  }

  /**
   * How much of {@code text}, a stream's text so far, can be redacted and let out now whatever text
   * follows: everything before the longest suffix that could begin a secret in any of its forms,
   * pulled back to the start of any whole one the cut would go through. Redacting the pieces of a
   * text cut this way, one by one, gives the redaction of the whole, and no piece holds part of a
   * secret that a later piece completes. {@code text.length()} when no secret is registered,
   * without scanning.
   */
  public int settledLength(String text) {
    List<String> known = patterns;
    int cut = text.length();
    for (String p : known) {
      // A suffix shorter than p that p starts with: p may complete in the text still to come.
      for (int s = Math.max(0, text.length() - p.length() + 1); s < cut; s++) {
        if (text.regionMatches(s, p, 0, text.length() - s)) {
          cut = s;
          break;
        }
      }
    }
    // Never through a whole one (two forms may overlap, so look again after each step back).
    boolean moved = !known.isEmpty();
    while (moved) {
      moved = false;
      for (String p : known) {
        int at = text.indexOf(p, Math.max(0, cut - p.length() + 1));
        if (at >= 0 && at < cut) {
          cut = at;
          moved = true;
        }
      }
    }
    return cut;
  }

  /** Whether {@code text} holds a known secret in any of its forms. */
  public boolean containsSecret(String text) {
    if (text == null) {
      return false;
    }
    for (String p : patterns) {
      if (text.contains(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A JSON document with every string (values and field names) redacted; stays valid JSON. Text
   * that does not parse is redacted as plain text.
   */
  public String redactJson(String json) {
    if (!containsSecret(json)) {
      return json;
    }
    try {
      JsonNode tree = Json.mapper().readTree(json);
      return Json.mapper().writeValueAsString(redactTree(tree));
    } catch (JsonProcessingException e) {
      return redact(json);
    }
  }

  /** A copy of {@code node} with every string redacted (the node itself if nothing matched). */
  public JsonNode redactTree(JsonNode node) {
    if (node == null || patterns.isEmpty()) {
      return node;
    }
    if (node.isTextual()) {
      String v = node.asText();
      String r = redact(v);
      return r.equals(v) ? node : TextNode.valueOf(r);
    }
    if (node.isArray()) {
      ArrayNode copy = Json.mapper().createArrayNode();
      node.forEach(child -> copy.add(redactTree(child)));
      return copy;
    }
    if (node.isObject()) {
      ObjectNode copy = Json.mapper().createObjectNode();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        copy.set(redact(e.getKey()), redactTree(e.getValue()));
      }
      return copy;
    }
    return node;
  }

  private void addLeaves(JsonNode node) {
    if (node.isTextual()) {
      add(node.asText());
    } else {
      node.forEach(this::addLeaves);
    }
  }

  private static String replace(String text, String pattern) {
    int at = text.indexOf(pattern);
    if (at < 0) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    int from = 0;
    while (at >= 0) {
      sb.append(text, from, at).append(MARK);
      from = at + pattern.length();
      at = text.indexOf(pattern, from);
    }
    return sb.append(text, from, text.length()).toString();
  }

  /** Every form of {@code secret} to look for; longest first is decided by the caller. */
  static Set<String> variants(String secret) {
    Set<String> v = new LinkedHashSet<>();
    v.add(secret);
    String json = jsonEscaped(secret);
    v.add(json);
    String form = URLEncoder.encode(secret, StandardCharsets.UTF_8);
    v.add(form);
    v.add(form.replace("+", "%20"));
    v.add(lowerPercent(form));
    v.add(lowerPercent(form.replace("+", "%20")));
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    for (Base64.Encoder enc : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
      String padded = enc.encodeToString(bytes);
      v.add(padded);
      v.add(padded.replace("=", ""));
      // The secret inside a longer base64 value: with k bytes before it, the characters that
      // depend only on the secret's bytes are the same whatever those bytes are.
      for (int k = 0; k < 3; k++) {
        byte[] shifted = new byte[k + bytes.length];
        System.arraycopy(bytes, 0, shifted, k, bytes.length);
        String b64 = enc.withoutPadding().encodeToString(shifted);
        int first = (8 * k + 5) / 6;
        int end = (8 * (k + bytes.length)) / 6;
        if (end - first >= MIN_LENGTH) {
          v.add(b64.substring(first, end));
        }
      }
    }
    v.removeIf(s -> s.length() < MIN_LENGTH);
    return v;
  }

  private static String jsonEscaped(String s) {
    try {
      String quoted = Json.mapper().writeValueAsString(s);
      return quoted.substring(1, quoted.length() - 1);
    } catch (JsonProcessingException e) {
      return s;
    }
  }

  private static String lowerPercent(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        sb.append(c).append(s.substring(i + 1, i + 3).toLowerCase(java.util.Locale.ROOT));
        i += 2;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
