package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checkpoint blob collector's operator settings (ADR 0049): defaults, and bounds by name. */
class CheckpointGcSettingsTest {
  @Test
  void unset_isEveryTenMinutesWithAnHoursGrace() {
    assertThat(CheckpointGcSettings.fromEnv(Map.of())).isEqualTo(CheckpointGcSettings.DEFAULTS);
    assertThat(CheckpointGcSettings.DEFAULTS.every()).isEqualTo(Duration.ofMinutes(10));
    assertThat(CheckpointGcSettings.DEFAULTS.grace()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void set_isTaken() {
    CheckpointGcSettings s =
        CheckpointGcSettings.fromEnv(
            Map.of("AGENTRY_CHECKPOINT_GC_MS", "5000", "AGENTRY_CHECKPOINT_GC_GRACE_MS", "60000"));
    assertThat(s.every()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.grace()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void outOfBounds_isRefusedNamingTheSetting() {
    assertThatThrownBy(
            () -> CheckpointGcSettings.fromEnv(Map.of("AGENTRY_CHECKPOINT_GC_GRACE_MS", "10")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_CHECKPOINT_GC_GRACE_MS");
    assertThatThrownBy(() -> CheckpointGcSettings.fromEnv(Map.of("AGENTRY_CHECKPOINT_GC_MS", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_CHECKPOINT_GC_MS");
  }
}
