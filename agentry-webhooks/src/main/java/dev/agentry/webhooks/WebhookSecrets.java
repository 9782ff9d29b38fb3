package dev.agentry.webhooks;

import java.security.SecureRandom;
import java.util.Base64;

/** Signing secrets in the Standard Webhooks form: {@code whsec_} and 32 random bytes, base64. */
public final class WebhookSecrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookSecrets() {}

  public static String generate() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }
}
