package dev.agentry.server;

import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.McpServer;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.sandbox.EgressPolicy;
import java.util.List;
import java.util.Objects;

/** What network a session's sandbox gets, read from its environment, agent and resources. */
final class SandboxNetworking {
  private SandboxNetworking() {}

  /**
   * Whether the session's environment asked for network access: sandboxes without the egress proxy
   * (unsafe-local) cannot give it, and the bash tool then says so instead of failing mysteriously.
   */
  static boolean wanted(Store store, String sessionId) {
    return store
        .sessions()
        .find(sessionId)
        .flatMap(s -> store.environments().find(s.environmentId()))
        .map(
            e ->
                e.config() instanceof EnvironmentConfig.Cloud cloud
                    && (cloud.networking() instanceof EnvironmentConfig.Networking.Unrestricted
                        || (cloud.networking() instanceof EnvironmentConfig.Networking.Limited l
                            && !l.allowedHosts().isEmpty())))
        .orElse(false);
  }

  /**
   * The egress policy of a session's sandbox: its environment's networking (none configured, or not
   * a cloud environment: everything refused), with the hosts of the agent's MCP servers for {@code
   * allow_mcp_servers}, and the session's repositories (only their requests get their tokens: the
   * proxy reads them per request from {@link SessionRepositoryTokens}). Read when the sandbox
   * starts.
   */
  static EgressPolicy policy(Store store, String sessionId, List<String> operatorGitHosts) {
    return store
        .sessions()
        .find(sessionId)
        .map(s -> withRepositories(environmentPolicy(store, s), s, operatorGitHosts))
        .orElse(EgressPolicy.DENY_ALL);
  }

  private static EgressPolicy environmentPolicy(Store store, Session s) {
    List<String> mcp =
        s.agent() == null || s.agent().spec().mcpServers() == null
            ? List.of()
            : s.agent().spec().mcpServers().stream()
                .map(McpServer::url)
                .filter(Objects::nonNull)
                .toList();
    return store
        .environments()
        .find(s.environmentId())
        .map(
            e ->
                e.config() instanceof EnvironmentConfig.Cloud cloud
                    ? EgressPolicy.of(cloud.networking(), mcp)
                    : EgressPolicy.DENY_ALL)
        .orElse(EgressPolicy.DENY_ALL);
  }

  private static EgressPolicy withRepositories(
      EgressPolicy base, Session s, List<String> operatorGitHosts) {
    List<String> repositories =
        s.resources().stream()
            .map(StoredResource::new)
            .filter(StoredResource::isRepository)
            .map(r -> r.url().toString())
            .toList();
    return repositories.isEmpty() ? base : base.withRepositories(repositories, operatorGitHosts);
  }
}
