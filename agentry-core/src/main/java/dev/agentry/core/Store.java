package dev.agentry.core;

/** Everything Agentry persists, behind one connection pool and one migration history. */
public interface Store extends AutoCloseable {
  AgentRepository agents();

  EnvironmentRepository environments();

  SessionRepository sessions();

  EventStore events();

  VaultRepository vaults();

  ApiKeyRepository apiKeys();

  WorkspaceRepository workspaces();

  /** The sealed tokens of sessions' repository resources. */
  ResourceTokenRepository resourceTokens();

  /** The Files API's records (the bytes are in the {@link BlobStore}). */
  FileRepository files();

  /** The Skills API's skills and versions (the archives are in the {@link BlobStore}). */
  SkillRepository skills();

  /** Memory stores, their memories and every version of them. */
  MemoryRepository memories();

  /** The work queues of self-hosted environments, and their keys. */
  WorkRepository work();

  /** Scheduled deployments and their runs. */
  DeploymentRepository deployments();

  /** The sessions' workspace checkpoints. */
  CheckpointRepository checkpoints();

  /** Webhook endpoints, the outbox of changes to report and the deliveries owed. */
  WebhookRepository webhooks();

  /** Other nodes' appends to the shared logs; {@link ClusterFeed#NONE} on a single-node store. */
  default ClusterFeed clusterFeed() {
    return ClusterFeed.NONE;
  }

  /** Throws {@link StoreException} unless the database answers a trivial query. */
  void ping();

  /** A short description for logs and readiness, e.g. {@code sqlite:/data/agentry.db}. */
  String describe();

  @Override
  void close();
}
