package dev.agentry.core;

import java.util.Set;

/**
 * A filter on one session's log: {@code types} empty means every type; {@code processedAt} bounds
 * the processing time (events not yet processed match only an unbounded range), as the API's {@code
 * created_at[...]} filters do.
 */
public record EventQuery(Set<String> types, TimeRange processedAt, PageRequest page) {
  public EventQuery {
    types = Set.copyOf(types);
  }
}
