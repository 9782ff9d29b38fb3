package dev.agentry.worker;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The sessions token in a work item's {@code secret}: URL-safe base64 of {@code
 * {"sessions_token":…,"api_base_url"?:…}}, padded or not. Like the SDK, an undecodable secret
 * yields no token (the item's calls then use the environment key), and the token is never logged.
 */
final class WorkSecret {
  private WorkSecret() {}

  static Optional<String> sessionsToken(JsonNode secret) {
    if (secret == null || !secret.isTextual() || secret.asText().isEmpty()) {
      return Optional.empty();
    }
    try {
      String text = secret.asText().replace('+', '-').replace('/', '_').replace("=", "");
      byte[] json = Base64.getUrlDecoder().decode(text);
      JsonNode token = WorkApi.JSON.readTree(new String(json, StandardCharsets.UTF_8));
      JsonNode value = token == null ? null : token.get("sessions_token");
      return value != null && value.isTextual() && !value.asText().isEmpty()
          ? Optional.of(value.asText())
          : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
