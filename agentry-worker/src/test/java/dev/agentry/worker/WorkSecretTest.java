package dev.agentry.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class WorkSecretTest {
  private static TextNode secret(String json, boolean padded) {
    Base64.Encoder e = padded ? Base64.getUrlEncoder() : Base64.getUrlEncoder().withoutPadding();
    return TextNode.valueOf(e.encodeToString(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theTokenComesOutOfPaddedAndUnpaddedSecrets() {
    String json = "{\"sessions_token\":\"tok-1?>\",\"api_base_url\":\"https://a.example\"}";
    assertThat(WorkSecret.sessionsToken(secret(json, true))).contains("tok-1?>");
    assertThat(WorkSecret.sessionsToken(secret(json, false))).contains("tok-1?>");
  }

  @Test
  void noTokenFromAMissingEmptyOrUndecodableSecret() {
    assertThat(WorkSecret.sessionsToken(null)).isEmpty();
    assertThat(WorkSecret.sessionsToken(TextNode.valueOf(""))).isEmpty();
    assertThat(WorkSecret.sessionsToken(TextNode.valueOf("%%%not base64"))).isEmpty();
    assertThat(WorkSecret.sessionsToken(secret("{\"sessions_token\":\"\"}", false))).isEmpty();
    assertThat(WorkSecret.sessionsToken(secret("[1,2]", false))).isEmpty();
  }
}
