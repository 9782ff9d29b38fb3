package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A session: a snapshot of one agent version working in one environment, and the handle of its
 * event log. {@code title}, {@code archivedAt} and {@code budget} may be null.
 */
public record Session(
    String id,
    String title,
    SessionStatus status,
    String environmentId,
    Agent agent,
    Map<String, String> metadata,
    List<String> vaultIds,
    List<JsonNode> resources,
    SessionUsage usage,
    Instant createdAt,
    Instant updatedAt,
    Instant archivedAt,
    SessionBudget budget) {

  public Session {
    metadata = Map.copyOf(metadata);
    vaultIds = List.copyOf(vaultIds);
    resources = List.copyOf(resources);
  }

  public Session withUsage(SessionUsage newUsage) {
    Copy c = new Copy(this);
    c.usage = newUsage;
    return c.build();
  }

  /** The budget replaced ({@code null} removes it). */
  public Session withBudget(SessionBudget newBudget, Instant at) {
    Copy c = new Copy(this);
    c.budget = newBudget;
    c.updatedAt = at;
    return c.build();
  }

  public Session withStatus(SessionStatus next, Instant at) {
    Copy c = new Copy(this);
    c.status = next;
    c.updatedAt = at;
    return c.build();
  }

  public Session withDetails(String newTitle, Map<String, String> newMetadata, Instant at) {
    Copy c = new Copy(this);
    c.title = newTitle;
    c.metadata = newMetadata;
    c.updatedAt = at;
    return c.build();
  }

  /** The session's resources (their public JSON: ids, paths, never a token) replaced. */
  public Session withResources(List<JsonNode> newResources, Instant at) {
    Copy c = new Copy(this);
    c.resources = newResources;
    c.updatedAt = at;
    return c.build();
  }

  /** The session as one of its threads runs it: on that thread's agent (docs/decisions/0033). */
  public Session withAgent(Agent threadAgent) {
    Copy c = new Copy(this);
    c.agent = threadAgent;
    return c.build();
  }

  public Session archived(Instant at) {
    Copy c = new Copy(this);
    c.updatedAt = at;
    c.archivedAt = at;
    return c.build();
  }

  /** A mutable copy, so that each {@code with…} names only what it changes. */
  private static final class Copy {
    private String id;
    private String title;
    private SessionStatus status;
    private String environmentId;
    private Agent agent;
    private Map<String, String> metadata;
    private List<String> vaultIds;
    private List<JsonNode> resources;
    private SessionUsage usage;
    private Instant createdAt;
    private Instant updatedAt;
    private Instant archivedAt;
    private SessionBudget budget;

    Copy(Session s) {
      id = s.id;
      title = s.title;
      status = s.status;
      environmentId = s.environmentId;
      agent = s.agent;
      metadata = s.metadata;
      vaultIds = s.vaultIds;
      resources = s.resources;
      usage = s.usage;
      createdAt = s.createdAt;
      updatedAt = s.updatedAt;
      archivedAt = s.archivedAt;
      budget = s.budget;
    }

    Session build() {
      return new Session(
          id,
          title,
          status,
          environmentId,
          agent,
          metadata,
          vaultIds,
          resources,
          usage,
          createdAt,
          updatedAt,
          archivedAt,
          budget);
    }
  }
}
