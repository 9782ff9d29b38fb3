package dev.agentry.schedule;

import java.util.Set;

/**
 * The run error types, named as the Managed Agents SDK names them, and which of them pause the
 * deployment. A transient failure (rate limit, an unavailable service) is not retried and does not
 * pause: the next occurrence tries again. Anything the deployment's own configuration causes would
 * fail every run the same way, so it pauses until someone fixes and unpauses it.
 */
public final class RunErrors {
  public static final String AGENT_ARCHIVED = "agent_archived_error";
  public static final String ENVIRONMENT_ARCHIVED = "environment_archived_error";
  public static final String ENVIRONMENT_NOT_FOUND = "environment_not_found_error";
  public static final String VAULT_ARCHIVED = "vault_archived_error";
  public static final String VAULT_NOT_FOUND = "vault_not_found_error";
  public static final String FILE_NOT_FOUND = "file_not_found_error";
  public static final String MEMORY_STORE_ARCHIVED = "memory_store_archived_error";
  public static final String SESSION_RESOURCE_NOT_FOUND = "session_resource_not_found_error";
  public static final String SESSION_CREATION_REJECTED = "session_creation_rejected_error";
  public static final String SESSION_RATE_LIMITED = "session_rate_limited_error";

  /** No node could start the run: all were down at the occurrence, or the store failed. */
  public static final String SERVICE_UNAVAILABLE = "service_unavailable_error";

  private static final Set<String> TRANSIENT = Set.of(SESSION_RATE_LIMITED, SERVICE_UNAVAILABLE);

  private RunErrors() {}

  /** Whether a run that failed with {@code type} pauses its deployment. */
  public static boolean pauses(String type) {
    return !TRANSIENT.contains(type);
  }
}
