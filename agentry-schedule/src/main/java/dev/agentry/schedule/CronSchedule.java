package dev.agentry.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A 5-field POSIX cron expression on the wall clock of an IANA time zone. cron-utils parses the
 * expression and finds the next matching wall-clock time; this class maps wall-clock times to
 * instants by the zone's rules: a time the clocks skip (spring forward) does not fire, and a time
 * they pass twice (fall back) fires twice, once under each offset.
 */
public final class CronSchedule {
  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  /** Bounds the search for a wall-clock time that exists (e.g. {@code 30 2 29 2 *}). */
  private static final int MAX_SKIPPED = 10_000;

  private final ExecutionTime times;
  private final ZoneRules rules;

  private CronSchedule(ExecutionTime times, ZoneRules rules) {
    this.times = times;
    this.rules = rules;
  }

  /**
   * @throws IllegalArgumentException naming {@code expression} or {@code timezone} and what is
   *     wrong with it
   */
  public static CronSchedule parse(String expression, String timezone) {
    ZoneId zone;
    try {
      zone = ZoneId.of(timezone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "timezone: " + timezone + " is not an IANA time zone (e.g. America/New_York)");
    }
    if (expression.isBlank() || expression.trim().split("\\s+").length != 5) {
      throw new IllegalArgumentException(
          "expression: must have 5 fields (minute hour day-of-month month day-of-week)");
    }
    ExecutionTime times;
    try {
      times = ExecutionTime.forCron(PARSER.parse(expression.trim()).validate());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "expression: not a valid cron expression (" + e.getMessage() + ")");
    }
    return new CronSchedule(times, zone.getRules());
  }

  /** The first occurrence strictly after {@code after}, if the expression ever fires again. */
  public Optional<Instant> next(Instant after) {
    Instant best = sameOffsetNext(after);
    // Just before clocks fall back, the repeated hour's second pass is not on the wall clock yet:
    // its first matching time may come before the next one found above.
    ZoneOffsetTransition change = rules.nextTransition(after);
    if (change != null && change.isOverlap()) {
      Optional<LocalDateTime> repeated = wallNext(change.getDateTimeAfter().minusSeconds(1));
      if (repeated.isPresent() && repeated.get().isBefore(change.getDateTimeBefore())) {
        Instant second = repeated.get().toInstant(change.getOffsetAfter());
        if (second.isAfter(after) && (best == null || second.isBefore(best))) {
          best = second;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** The next {@code count} occurrences from {@code from}, inclusive. */
  public List<Instant> upcoming(Instant from, int count) {
    List<Instant> out = new ArrayList<>(count);
    Instant cursor = from.minusNanos(1);
    while (out.size() < count) {
      Optional<Instant> next = next(cursor);
      if (next.isEmpty()) {
        break;
      }
      out.add(next.get());
      cursor = next.get();
    }
    return out;
  }

  /** Walks wall-clock matches forward from the wall-clock time of {@code after}. */
  private Instant sameOffsetNext(Instant after) {
    LocalDateTime cursor = LocalDateTime.ofInstant(after, rules.getOffset(after));
    for (int i = 0; i < MAX_SKIPPED; i++) {
      Optional<LocalDateTime> wall = wallNext(cursor);
      if (wall.isEmpty()) {
        return null;
      }
      // No offsets: the clocks skip this time. Two: it happens twice; the earlier pass first.
      Instant first = null;
      for (ZoneOffset offset : rules.getValidOffsets(wall.get())) {
        Instant at = wall.get().toInstant(offset);
        if (at.isAfter(after) && (first == null || at.isBefore(first))) {
          first = at;
        }
      }
      if (first != null) {
        return first;
      }
      cursor = wall.get();
    }
    return null;
  }

  /**
   * The next matching wall-clock time strictly after {@code wall}. cron-utils is asked on a zone
   * without transitions so that it matches wall-clock fields only; the zone's rules come after.
   */
  private Optional<LocalDateTime> wallNext(LocalDateTime wall) {
    return times
        .nextExecution(ZonedDateTime.of(wall, ZoneOffset.UTC))
        .map(ZonedDateTime::toLocalDateTime);
  }
}
