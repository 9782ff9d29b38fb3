package dev.agentry.core;

import java.util.Set;

/**
 * Filters of the session listing. {@code agentId} and {@code agentVersion} may be null; {@code
 * statuses} empty means any.
 */
public record SessionFilter(
    String agentId, Integer agentVersion, Set<SessionStatus> statuses, ResourceFilter common) {
  public SessionFilter {
    statuses = Set.copyOf(statuses);
  }
}
