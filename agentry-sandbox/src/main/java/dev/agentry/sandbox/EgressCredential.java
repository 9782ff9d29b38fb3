package dev.agentry.sandbox;

import dev.agentry.core.Redactor;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * An {@code environment_variable} credential of a session, as its sandbox sees it: the variable
 * {@link #name()} holds only {@link #placeholder()} (random per sandbox and credential); the {@link
 * EgressProxy} swaps the placeholder for the real secret in requests to the hosts the credential is
 * bound to (and the session's {@link EgressPolicy} allows). The secret never enters the sandbox,
 * and {@link #toString()} never shows it.
 */
public final class EgressCredential {
  static final String PLACEHOLDER_PREFIX = "agentry-placeholder-";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String name;
  private final String placeholder;
  private final String secret;
  private final boolean anyHost;
  private final Set<String> hosts;
  private final boolean inHeaders;
  private final boolean inBody;

  private EgressCredential(
      String name,
      String secret,
      boolean anyHost,
      Set<String> hosts,
      boolean inHeaders,
      boolean inBody) {
    this.name = name;
    this.secret = secret;
    this.anyHost = anyHost;
    this.hosts = hosts;
    this.inHeaders = inHeaders;
    this.inBody = inBody;
    byte[] r = new byte[16];
    RANDOM.nextBytes(r);
    this.placeholder = PLACEHOLDER_PREFIX + HexFormat.of().formatHex(r);
  }

  /**
   * A credential with a fresh placeholder; the secret is registered with {@code redactor} (the
   * server's).
   *
   * @param name the environment variable ({@code secret_name})
   * @param secret the real value ({@code secret_value})
   * @param anyHost {@code networking: unrestricted}: any host the session's policy allows
   * @param hosts {@code networking.limited.allowed_hosts}: {@code host}, {@code host:port} or
   *     {@code *.domain}
   * @param inHeaders substitute in request headers ({@code injection_location.header}, default on)
   * @param inBody substitute in request bodies too ({@code injection_location.body}, default off)
   * @param redactor the server's redactor, which learns the secret
   */
  public static EgressCredential of(
      String name,
      String secret,
      boolean anyHost,
      Collection<String> hosts,
      boolean inHeaders,
      boolean inBody,
      Redactor redactor) {
    if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("not an environment variable name: " + name);
    }
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("empty secret for " + name);
    }
    redactor.add(secret);
    Set<String> hs = new LinkedHashSet<>();
    for (String h : hosts) {
      String n = EgressPolicy.normalizeHost(h);
      if (!n.isEmpty()) {
        hs.add(n);
      }
    }
    return new EgressCredential(name, secret, anyHost, Set.copyOf(hs), inHeaders, inBody);
  }

  public String name() {
    return name;
  }

  public String placeholder() {
    return placeholder;
  }

  String secret() {
    return secret;
  }

  byte[] placeholderBytes() {
    return placeholder.getBytes(StandardCharsets.US_ASCII);
  }

  byte[] secretBytes() {
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether the secret can go into a header value (no CR, LF or NUL). */
  boolean headerSafe() {
    return secret.chars().noneMatch(ch -> ch == '\r' || ch == '\n' || ch == 0);
  }

  public boolean anyHost() {
    return anyHost;
  }

  public Set<String> hosts() {
    return hosts;
  }

  public boolean inHeaders() {
    return inHeaders;
  }

  public boolean inBody() {
    return inBody;
  }

  /**
   * Whether the credential may be sent to {@code host} (normalized) on {@code port}: any host when
   * unrestricted; else an entry naming the host (any port), {@code host:port}, or {@code *.domain}
   * for a subdomain of {@code domain}.
   */
  boolean boundTo(String host, int port) {
    if (anyHost) {
      return true;
    }
    for (String e : hosts) {
      if (e.equals(host) || e.equals(host + ":" + port)) {
        return true;
      }
      if (e.startsWith("*.") && host.endsWith(e.substring(1)) && host.length() > e.length() - 1) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "EgressCredential[" + name + " -> " + (anyHost ? "any allowed host" : hosts) + "]";
  }
}
