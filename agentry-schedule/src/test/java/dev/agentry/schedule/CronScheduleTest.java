package dev.agentry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  private static final String NEW_YORK = "America/New_York";

  @Test
  void dailyTime_isOnTheWallClock_acrossTheSeasons() {
    CronSchedule s = CronSchedule.parse("0 20 * * 5", NEW_YORK);
    // Friday 2026-01-09 20:00 EST = 01:00Z the next day; in July it is EDT (-4).
    assertThat(s.next(Instant.parse("2026-01-05T00:00:00Z")))
        .contains(Instant.parse("2026-01-10T01:00:00Z"));
    assertThat(s.next(Instant.parse("2026-07-06T00:00:00Z")))
        .contains(Instant.parse("2026-07-11T00:00:00Z"));
  }

  @Test
  void springForward_aSkippedLocalTimeDoesNotFire() {
    // 2026-03-08: at 02:00 EST the clocks jump to 03:00 EDT, so 02:30 does not exist that day.
    CronSchedule s = CronSchedule.parse("30 2 * * *", NEW_YORK);
    assertThat(s.upcoming(Instant.parse("2026-03-07T00:00:00Z"), 3))
        .containsExactly(
            Instant.parse("2026-03-07T07:30:00Z"), // 03-07 02:30 EST
            Instant.parse("2026-03-09T06:30:00Z"), // 03-09 02:30 EDT (03-08 skipped)
            Instant.parse("2026-03-10T06:30:00Z"));
  }

  @Test
  void springForward_hourlyJumpsFromOneToThree() {
    CronSchedule s = CronSchedule.parse("0 * * * *", NEW_YORK);
    assertThat(s.upcoming(Instant.parse("2026-03-08T05:30:00Z"), 3))
        .containsExactly(
            Instant.parse("2026-03-08T06:00:00Z"), // 01:00 EST
            Instant.parse("2026-03-08T07:00:00Z"), // 03:00 EDT (02:00 never happens)
            Instant.parse("2026-03-08T08:00:00Z")); // 04:00 EDT
  }

  @Test
  void fallBack_aRepeatedLocalTimeFiresTwice() {
    // 2026-11-01: at 02:00 EDT the clocks go back to 01:00 EST, so 01:30 happens twice.
    CronSchedule s = CronSchedule.parse("30 1 * * *", NEW_YORK);
    assertThat(s.upcoming(Instant.parse("2026-11-01T00:00:00Z"), 3))
        .containsExactly(
            Instant.parse("2026-11-01T05:30:00Z"), // 01:30 EDT
            Instant.parse("2026-11-01T06:30:00Z"), // 01:30 EST
            Instant.parse("2026-11-02T06:30:00Z"));
  }

  @Test
  void fallBack_hourlyFiresInBothPassesOfTheRepeatedHour() {
    CronSchedule s = CronSchedule.parse("0 * * * *", NEW_YORK);
    assertThat(s.upcoming(Instant.parse("2026-11-01T04:30:00Z"), 4))
        .containsExactly(
            Instant.parse("2026-11-01T05:00:00Z"), // 01:00 EDT
            Instant.parse("2026-11-01T06:00:00Z"), // 01:00 EST
            Instant.parse("2026-11-01T07:00:00Z"), // 02:00 EST
            Instant.parse("2026-11-01T08:00:00Z"));
  }

  @Test
  void fallBack_fromInsideTheSecondPass_doesNotRepeatTheFirst() {
    CronSchedule s = CronSchedule.parse("*/20 * * * *", NEW_YORK);
    assertThat(s.upcoming(Instant.parse("2026-11-01T06:10:00Z"), 3))
        .containsExactly(
            Instant.parse("2026-11-01T06:20:00Z"),
            Instant.parse("2026-11-01T06:40:00Z"),
            Instant.parse("2026-11-01T07:00:00Z"));
  }

  @Test
  void badExpressionOrZone_isRefusedNamingTheField() {
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", NEW_YORK))
        .hasMessageStartingWith("expression:");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 * * * *", NEW_YORK))
        .hasMessageStartingWith("expression: must have 5 fields");
    assertThatThrownBy(() -> CronSchedule.parse("every day", NEW_YORK))
        .hasMessageStartingWith("expression:");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 * * *", "Mars/Olympus"))
        .hasMessageStartingWith("timezone: Mars/Olympus is not an IANA time zone");
  }
}
