package dev.agentry.core;

import java.time.Instant;

/** Optional bounds on a timestamp; any of them may be null. */
public record TimeRange(Instant gt, Instant gte, Instant lt, Instant lte) {
  public static final TimeRange ALL = new TimeRange(null, null, null, null);

  public boolean contains(Instant t) {
    if (t == null) {
      return gt == null && gte == null && lt == null && lte == null;
    }
    return (gt == null || t.isAfter(gt))
        && (gte == null || !t.isBefore(gte))
        && (lt == null || t.isBefore(lt))
        && (lte == null || !t.isAfter(lte));
  }

  public boolean isAll() {
    return gt == null && gte == null && lt == null && lte == null;
  }
}
