package dev.agentry.store;

import dev.agentry.core.AgentRepository;
import dev.agentry.core.ApiKeyRepository;
import dev.agentry.core.AppendHook;
import dev.agentry.core.CheckpointRepository;
import dev.agentry.core.ClusterFeed;
import dev.agentry.core.DeploymentRepository;
import dev.agentry.core.EnvironmentRepository;
import dev.agentry.core.EventStore;
import dev.agentry.core.FileRepository;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.ResourceTokenRepository;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.SkillRepository;
import dev.agentry.core.Store;
import dev.agentry.core.VaultRepository;
import dev.agentry.core.WebhookRepository;
import dev.agentry.core.WorkspaceRepository;

/** The repositories over one {@link Database}, whichever dialect it speaks. */
final class SqlStore implements Store {
  private final Database db;
  private final EventHub hub;
  private final SqlAgents agents;
  private final SqlEnvironments environments;
  private final SqlSessions sessions;
  private final SqlEvents events;
  private final SqlVaults vaults;
  private final SqlApiKeys apiKeys;
  private final SqlWorkspaces workspaces;
  private final SqlResourceTokens resourceTokens;
  private final SqlFiles files;
  private final SqlCheckpoints checkpoints;
  private final SqlMemories memories;
  private final SqlWorkItems work;
  private final SqlSkills skills;
  private final SqlDeployments deployments;
  private final SqlWebhooks webhooks;

  /** Other nodes' appends; null on a database only this process writes. */
  private final PostgresFeed feed;

  /** A store on a database only this process writes (SQLite). */
  SqlStore(Database db, AppendHook hook) {
    this(db, new EventHub(hook), null);
  }

  /**
   * A store on a PostgreSQL database that other nodes write too: its appends are announced to them,
   * and theirs reach this process's subscribers and watchers.
   */
  static SqlStore shared(Database db, AppendHook hook, String jdbcUrl) {
    String origin = java.util.UUID.randomUUID().toString().substring(0, 13);
    EventHub hub = new EventHub(hook, origin, SqlEvents.log(db));
    return new SqlStore(db, hub, PostgresFeed.start(jdbcUrl, hub));
  }

  private SqlStore(Database db, EventHub hub, PostgresFeed feed) {
    this.db = db;
    this.hub = hub;
    this.feed = feed;
    this.agents = new SqlAgents(db);
    this.environments = new SqlEnvironments(db);
    this.sessions = new SqlSessions(db, hub);
    this.events = new SqlEvents(db, hub);
    this.vaults = new SqlVaults(db);
    this.apiKeys = new SqlApiKeys(db);
    this.workspaces = new SqlWorkspaces(db);
    this.resourceTokens = new SqlResourceTokens(db);
    this.files = new SqlFiles(db);
    this.checkpoints = new SqlCheckpoints(db);
    this.memories = new SqlMemories(db);
    this.work = new SqlWorkItems(db, hub.origin());
    if (feed != null) {
      feed.onWorkOffered(work::wakePolls);
    }
    this.skills = new SqlSkills(db);
    this.deployments = new SqlDeployments(db);
    this.webhooks = new SqlWebhooks(db);
  }

  @Override
  public AgentRepository agents() {
    return agents;
  }

  @Override
  public EnvironmentRepository environments() {
    return environments;
  }

  @Override
  public SessionRepository sessions() {
    return sessions;
  }

  @Override
  public EventStore events() {
    return events;
  }

  @Override
  public VaultRepository vaults() {
    return vaults;
  }

  @Override
  public ApiKeyRepository apiKeys() {
    return apiKeys;
  }

  @Override
  public WorkspaceRepository workspaces() {
    return workspaces;
  }

  @Override
  public dev.agentry.core.WorkRepository work() {
    return work;
  }

  @Override
  public ResourceTokenRepository resourceTokens() {
    return resourceTokens;
  }

  @Override
  public FileRepository files() {
    return files;
  }

  @Override
  public SkillRepository skills() {
    return skills;
  }

  @Override
  public MemoryRepository memories() {
    return memories;
  }

  @Override
  public DeploymentRepository deployments() {
    return deployments;
  }

  @Override
  public CheckpointRepository checkpoints() {
    return checkpoints;
  }

  @Override
  public WebhookRepository webhooks() {
    return webhooks;
  }

  @Override
  public ClusterFeed clusterFeed() {
    return feed == null ? ClusterFeed.NONE : feed;
  }

  /** The feed of other nodes' appends, or null on a single-node database (tests). */
  PostgresFeed feed() {
    return feed;
  }

  @Override
  public void ping() {
    db.read(tx -> tx.one("SELECT 1", rs -> rs.getInt(1)));
  }

  @Override
  public String describe() {
    return db.description();
  }

  @Override
  public void close() {
    // The writers drain first so that everything they commit is still published.
    if (feed != null) {
      feed.close();
    }
    db.close();
    hub.close();
  }
}
