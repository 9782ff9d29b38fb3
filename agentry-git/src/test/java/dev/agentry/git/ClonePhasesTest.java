package dev.agentry.git;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The clone's progress lines are throttled, and its deadline cancels it, on a driven clock. */
class ClonePhasesTest {
  /** A clock the test moves. */
  static final class Driven extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  final Driven clock = new Driven();
  ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void capture() {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(JGitCloner.class)).addAppender(logs);
  }

  @AfterEach
  void release() {
    ((Logger) LoggerFactory.getLogger(JGitCloner.class)).detachAppender(logs);
  }

  @Test
  void updates_logAtMostOnceEveryTwoSeconds_withThePercentage() {
    ClonePhases p = new ClonePhases("https://h/r.git", clock, clock.now.plusSeconds(600));
    p.beginTask("Receiving objects", 1000);
    for (int i = 0; i < 100; i++) {
      p.update(1);
    }
    clock.now = clock.now.plus(ClonePhases.EVERY);
    p.update(1);
    for (int i = 0; i < 100; i++) {
      p.update(1);
    }
    p.endTask();
    assertThat(logs.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "clone of https://h/r.git: Receiving objects",
            "clone of https://h/r.git: Receiving objects 10% (101/1000)",
            "clone of https://h/r.git: Receiving objects done 20% (201/1000)");
  }

  @Test
  void pastTheDeadline_isCancelled_andSaysItTimedOut() {
    ClonePhases p = new ClonePhases("https://h/r.git", clock, clock.now.plusSeconds(60));
    assertThat(p.isCancelled()).isFalse();
    assertThat(p.timedOut()).isFalse();
    clock.now = clock.now.plus(Duration.ofSeconds(60));
    assertThat(p.isCancelled()).isTrue();
    assertThat(p.timedOut()).isTrue();
  }
}
