package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.harness.HarnessConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendSettingsTest {
  @TempDir Path dir;

  @Test
  void unset_meansDefaultPricesAndNoCaps() {
    HarnessConfig c = HarnessSettings.fromEnv(Map.of());
    assertThat(c.spend().maxSessionTokens()).isZero();
    assertThat(c.spend().maxActiveSeconds()).isZero();
    assertThat(c.spend().prices().price("claude-sonnet-4-6").input()).isEqualByComparingTo("3");
  }

  @Test
  void capsAndPricesFile_areRead() throws Exception {
    Path f = dir.resolve("p.json");
    Files.writeString(f, "{\"models\":{\"ollama/\":{\"input\":1,\"output\":2}}}");
    HarnessConfig c =
        HarnessSettings.fromEnv(
            Map.of(
                "AGENTRY_MAX_SESSION_TOKENS", "5000",
                "AGENTRY_MAX_ACTIVE_SECONDS", "60",
                "AGENTRY_PRICES_FILE", f.toString()));
    assertThat(c.spend().maxSessionTokens()).isEqualTo(5000);
    assertThat(c.spend().maxActiveSeconds()).isEqualTo(60);
    assertThat(c.spend().prices().price("ollama/llama3").output()).isEqualByComparingTo("2");
  }

  @Test
  void badValues_areStartUpErrorsNamingTheKey() throws Exception {
    assertThatThrownBy(() -> HarnessSettings.fromEnv(Map.of("AGENTRY_MAX_SESSION_TOKENS", "lots")))
        .hasMessageContaining("AGENTRY_MAX_SESSION_TOKENS");
    assertThatThrownBy(() -> HarnessSettings.fromEnv(Map.of("AGENTRY_MAX_ACTIVE_SECONDS", "-5")))
        .hasMessageContaining("AGENTRY_MAX_ACTIVE_SECONDS");
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"models\":{\"claude-opus-4\":{\"input\":15,\"output\":\"75\"}}}");
    assertThatThrownBy(() -> HarnessSettings.fromEnv(Map.of("AGENTRY_PRICES_FILE", f.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_PRICES_FILE")
        .hasMessageContaining("models.claude-opus-4.output");
  }
}
