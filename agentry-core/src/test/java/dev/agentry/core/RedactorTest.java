package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactorTest {
  static final String SECRET = "ghp_Secret/Token+value=42 \"x\"";

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void redacts_everyForm() {
    Redactor r = new Redactor();
    r.add(SECRET);
    String url = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);
    String[] forms = {
      SECRET,
      b64(SECRET),
      b64(SECRET).replace("=", ""),
      Base64.getUrlEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)),
      Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)),
      url,
      url.replace("+", "%20"),
      "ghp_Secret/Token+value=42 \\\"x\\\"",
    };
    for (String f : forms) {
      String out = r.redact("before " + f + " after");
      assertThat(out).as(f).isEqualTo("before [redacted] after");
    }
  }

  @Test
  void redacts_base64AtEveryAlignment_andBasicAuth() {
    Redactor r = new Redactor();
    r.add(SECRET);
    for (String prefix : new String[] {"", "a", "ab", "abc", "user:", "alice:"}) {
      String encoded = b64(prefix + SECRET + "tail");
      String out = r.redact("Authorization: Basic " + encoded);
      assertThat(out).as(prefix).contains("[redacted]");
      assertThat(r.containsSecret(out)).isFalse();
    }
  }

  @Test
  void ignoresShortSecrets_andKeepsJsonValid() throws Exception {
    Redactor r = new Redactor();
    assertThat(r.add("short")).isFalse();
    assertThat(r.redact("short text")).isEqualTo("short text");
    r.addJsonSecrets(
        "{\"token\":\"tok_1234567890\",\"refresh\":{\"refresh_token\":\"rt_abcdefghij\"}}");
    assertThat(r.size()).isEqualTo(2);
    String json =
        "{\"content\":[{\"type\":\"text\",\"text\":\"use tok_1234567890 and rt_abcdefghij\"}]}";
    String out = r.redactJson(json);
    assertThat(Json.mapper().readTree(out).at("/content/0/text").asText())
        .isEqualTo("use [redacted] and [redacted]");
    assertThat(r.redactJson("{\"a\":1}")).isEqualTo("{\"a\":1}");
  }

  @Test
  void secretBox_registersWhatItSealsAndOpens() {
    Redactor r = new Redactor();
    SecretBox box = new SecretBox(new byte[32], r);
    byte[] sealed = box.seal("{\"token\":\"sealed-secret-1\"}", "c1");
    assertThat(r.redact("x sealed-secret-1")).isEqualTo("x [redacted]");
    Redactor other = new Redactor();
    new SecretBox(new byte[32], other).open(sealed, "c1");
    assertThat(other.redact("sealed-secret-1")).isEqualTo("[redacted]");
  }

  @Test
  void addFromEnv_takesModelKeysAndMasterKey() {
    Redactor r = new Redactor();
    r.addFromEnv(Map.of("ANTHROPIC_API_KEY", "sk-ant-abcdefgh", "HOME", "/root/home/dir"));
    assertThat(r.redact("sk-ant-abcdefgh /root/home/dir")).isEqualTo("[redacted] /root/home/dir");
  }

  @Test
  void settledLength_stopsBeforeWhatCouldStillBecomeASecret() {
    Redactor r = new Redactor();
    assertThat(r.settledLength("no secrets ghp_Secret/")).isEqualTo(22);
    r.add(SECRET);
    assertThat(r.settledLength("say ghp_Secret/To")).isEqualTo(4);
    assertThat(r.settledLength("say ghp_Secret/Tx.")).isEqualTo(18);
    assertThat(r.settledLength("say " + b64(SECRET).substring(0, 10))).isEqualTo(4);
    assertThat(r.settledLength("whole " + SECRET + " then.")).isEqualTo(SECRET.length() + 12);
    // The unpadded base64 is whole, but the padded form may still follow: wait for it.
    String unpadded = b64(SECRET).replace("=", "");
    assertThat(r.settledLength("b64 " + unpadded)).isEqualTo(4);
  }

  @Test
  void settledLength_neverCutsThroughAWholeSecret() {
    Redactor r = new Redactor();
    // Ends with its own beginning: the tail "tok" could start it again, but the cut must not fall
    // inside the whole one before it, or the first piece would let most of it out.
    r.add("tok-abcdefgh-tok");
    assertThat(r.settledLength("say tok-abcdefgh-tok")).isEqualTo(4);
  }

  @Test
  void addFromEnv_takesTheBlobStoresAwsSecrets() {
    Redactor r = new Redactor();
    r.addFromEnv(
        Map.of(
            "AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID",
            "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG",
            "AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE"));
    assertThat(r.redact("wJalrXUtnFEMI/K7MDENG FwoGZXIvYXdzEXAMPLE AKIAEXAMPLEKEYID"))
        .isEqualTo("[redacted] [redacted] AKIAEXAMPLEKEYID");
  }
}
