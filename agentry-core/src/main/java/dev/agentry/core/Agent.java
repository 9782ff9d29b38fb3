package dev.agentry.core;

import java.time.Instant;

/**
 * One immutable version of an agent. {@code createdAt} is when the agent was first created, {@code
 * updatedAt} when this version was made; {@code archivedAt} is null unless archived.
 */
public record Agent(
    String id,
    int version,
    AgentSpec spec,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt) {

  /**
   * This version with another spec (a session's snapshot, a member as it runs): same id and times.
   */
  public Agent withSpec(AgentSpec newSpec) {
    return new Agent(id, version, newSpec, createdAt, updatedAt, archivedAt);
  }
}
