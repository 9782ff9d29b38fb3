package dev.agentry.core;

import java.time.Instant;

/**
 * A tenant: every API key, agent, environment, session and vault belongs to exactly one. {@link
 * #DEFAULT_ID} always exists.
 */
public record Workspace(String id, String name, Instant createdAt) {
  public static final String DEFAULT_ID = "wrkspc_default";
}
