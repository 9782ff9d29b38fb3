package dev.agentry.server;

import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import dev.agentry.core.FileService;
import dev.agentry.core.ModelClient;
import dev.agentry.core.Redactor;
import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryTokens;
import dev.agentry.core.SandboxMount;
import dev.agentry.core.SandboxProvider;
import dev.agentry.core.SecretBox;
import dev.agentry.core.SkillService;
import dev.agentry.core.Store;
import dev.agentry.core.ToolExecutor;
import dev.agentry.git.GitRepositories;
import dev.agentry.harness.Harness;
import dev.agentry.model.ModelClients;
import dev.agentry.sandbox.BuiltInTools;
import dev.agentry.sandbox.CheckpointCollector;
import dev.agentry.sandbox.PackageLayers;
import dev.agentry.sandbox.RestoringTools;
import dev.agentry.sandbox.SandboxManager;
import dev.agentry.sandbox.Sandboxes;
import dev.agentry.sandbox.WorkspaceCheckpoints;
import dev.agentry.sandbox.Workspaces;
import dev.agentry.schedule.DeploymentRuns;
import dev.agentry.schedule.DeploymentScheduler;
import dev.agentry.schedule.SchedulerLoop;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.webhooks.WebhookDispatcher;
import io.helidon.webserver.ErrorHandling;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The composition root: reads the configuration, opens the store it names, and serves the API. This
 * is the only class that knows which implementations are in use.
 */
public final class AgentryServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentryServer.class);

  private final WebServer webServer;
  private final Store store;
  private final BlobStore blobs;
  private final StreamHub streams;
  private final Api.Hands hands;
  private final Harness harness;
  private final Optional<String> generatedKey;
  private final Telemetry telemetry;
  private final RouteTable routes;
  private final AutoCloseable logRedaction;
  private final ExecutorService indexing;
  private final FileService files;
  private final FileSweep fileSweep;
  private final CheckpointSweep checkpointSweep;
  private final AutoCloseable nodeLock;
  private final SchedulerLoop scheduler;

  /** How often each node looks for due deployment occurrences. */
  static final Duration DEPLOYMENT_TICK = Duration.ofSeconds(1);

  /**
   * How late an occurrence may still fire (after its jitter); older ones were missed while no node
   * ran, and are recorded as missed runs instead.
   */
  static final Duration DEPLOYMENT_MISSED_AFTER = Duration.ofSeconds(60);

  private final WebhookDispatcher webhooks;

  private AgentryServer(
      WebServer webServer,
      Store store,
      BlobStore blobs,
      StreamHub streams,
      Api.Hands hands,
      Harness harness,
      Optional<String> key,
      Telemetry telemetry,
      RouteTable routes,
      AutoCloseable logRedaction,
      FileService files,
      FileSweep fileSweep,
      CheckpointSweep checkpointSweep,
      ExecutorService indexing,
      AutoCloseable nodeLock,
      SchedulerLoop scheduler,
      WebhookDispatcher webhooks) {
    this.scheduler = scheduler;
    this.webhooks = webhooks;
    this.indexing = indexing;
    this.nodeLock = nodeLock;
    this.telemetry = telemetry;
    this.files = files;
    this.fileSweep = fileSweep;
    this.checkpointSweep = checkpointSweep;
    this.routes = routes;
    this.logRedaction = logRedaction;
    this.webServer = webServer;
    this.store = store;
    this.blobs = blobs;
    this.streams = streams;
    this.hands = hands;
    this.harness = harness;
    this.generatedKey = key;
  }

  /**
   * The sandbox provider chosen by {@code AGENTRY_SANDBOX} and the manager of session sandboxes.
   * Nothing is probed or started here: a missing bubblewrap surfaces at the first tool call.
   */
  private static Api.Hands hands(
      ServerConfig config,
      Path dataDir,
      Clock clock,
      Store store,
      SecretBox box,
      Redactor redactor,
      ScheduledExecutorService sweeper,
      Workspaces workspaces,
      ResourceMounts mounts,
      SkillMounts skills,
      RepositoryTokens repositoryTokens) {
    // Bubblewrap sandboxes get the session's environment_variable credentials as placeholders;
    // the egress proxy substitutes them, intercepting TLS with the installation's egress CA, and
    // adds repository tokens to the requests to their repositories.
    SandboxProvider provider =
        config.sandbox().equals("unsafe-local")
            ? Sandboxes.unsafeLocal()
            : Sandboxes.bubblewrap(
                config.sandboxUid(),
                dataDir.resolve("egress-ca"),
                repositoryTokens,
                config.tokenUsernames());
    List<String> operatorGitHosts = config.gitAllowedHostList();
    // Environments' packages: a layer per package list, built once on this node (ADR 0040).
    SessionPackages packages =
        new SessionPackages(
            store,
            PackageLayers.create(
                provider,
                dataDir.resolve("package-layers"),
                config.sandboxLimits(),
                clock,
                config.pipIndex()));
    SandboxManager manager =
        SandboxManager.create(
            provider,
            workspaces,
            config.sandboxLimits(),
            clock,
            sweeper,
            id ->
                EgressCredentials.attach(
                    SandboxNetworking.policy(store, id, operatorGitHosts),
                    store,
                    box,
                    redactor,
                    id),
            id -> {
              List<SandboxMount> all = new java.util.ArrayList<>(mounts.forSandbox(id));
              all.addAll(packages.forSandbox(id));
              all.addAll(skills.forSandbox(id));
              return all;
            });
    return new Api.Hands(manager, provider, config.sandboxLimits());
  }

  /** The built-in tools of this server's sandboxes (what the harness routes tool calls to). */
  public ToolExecutor tools() {
    return BuiltInTools.create(hands.sandboxes(), hands.limits());
  }

  /** Starts a server; {@code console} receives the one-time admin key notice, if one is made. */
  public static AgentryServer start(
      ServerConfig config, Clock clock, PrintStream console, ModelClient model) {
    return start(config, clock, console, model, Telemetry.fromEnv(System.getenv()));
  }

  /** Starts a server that traces with {@code telemetry} (which it closes when it stops). */
  static AgentryServer start(
      ServerConfig config,
      Clock clock,
      PrintStream console,
      ModelClient model,
      Telemetry telemetry) {
    return start(config, clock, console, model, telemetry, null);
  }

  /**
   * As above, cloning repository resources with {@code cloner} (null: JGit, as configured); tests
   * give a double for the wiring, the git module's own tests run the real one.
   */
  static AgentryServer start(
      ServerConfig config,
      Clock clock,
      PrintStream console,
      ModelClient model,
      Telemetry telemetry,
      RepositoryCloner cloner) {
    bridgeJulLogging();
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    try {
      Files.createDirectories(dataDir);
    } catch (java.io.IOException e) {
      telemetry.close();
      throw new IllegalArgumentException(
          "AGENTRY_DATA_DIR " + dataDir + " cannot be created: " + e.getMessage());
    }
    // Secrets never leave through events, model requests, logs or errors: see Redactor. This
    // server's one redactor goes to everything that writes text out; every event written passes
    // the EventGuard (redaction, then metering once committed) inside the store.
    Redactor redactor = new Redactor();
    redactor.addFromEnv(System.getenv());
    Metrics metrics = new Metrics();
    EventGuard guard = new EventGuard(redactor, metrics);
    String nodeId;
    try {
      nodeId = NodeIdentity.resolve(config.nodeId(), dataDir);
    } catch (RuntimeException e) {
      telemetry.close();
      throw e;
    }
    StoreConfig storeConfig =
        config
            .database()
            .map(StoreConfig::postgres)
            .orElseGet(() -> StoreConfig.sqlite(dataDir))
            .withClock(clock)
            .withAppendHook(guard);
    AutoCloseable nodeLock;
    try {
      // Before the store opens: a second process of this node must not even migrate or write.
      nodeLock = Stores.lockNode(storeConfig, nodeId);
    } catch (RuntimeException e) {
      telemetry.close();
      throw e;
    }
    Store store;
    try {
      store = Stores.open(storeConfig);
    } catch (RuntimeException e) {
      closeQuietly(nodeLock);
      telemetry.close();
      throw e;
    }
    AutoCloseable logRedaction = LogRedaction.attach(redactor);
    BlobStore blobs = null;
    ExecutorService indexing = null;
    SchedulerLoop scheduler = null;
    try {
      // S3 credentials and region come from the process's AWS_* variables (or the SDK's chain)
      blobs = BlobStores.open(config.blobs(), dataDir, System.getenv());
      byte[] masterKey = Keys.masterKey(config.masterKey(), dataDir);
      SecretBox box = new SecretBox(masterKey, redactor);
      redactor.add(java.util.Base64.getEncoder().encodeToString(masterKey));
      Credentials.registerSecrets(store, box);
      // Metrics and spans (ADR 0014) wrap the redacting model client; they record no content.
      ModelClient guardedModel =
          new ObservedModelClient(
              new RedactingModelClient(model, redactor),
              metrics,
              telemetry.tracer(),
              config.harness().spend().prices());
      Optional<String> key = Keys.bootstrap(store, config.apiKey(), clock.instant());
      key.ifPresent(
          secret -> {
            Path file = dataDir.resolve("admin.key");
            Keys.writePrivate(file, secret + "\n");
            console.println("Created an admin API key (shown once; also saved to " + file + "):");
            console.println("  " + secret);
          });
      StreamHub streams = new StreamHub(store.events());
      // One thread runs the periodic sweeps: idle sandboxes and expired files.
      ScheduledExecutorService sweeper =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("agentry-sweeper").daemon().factory());
      FileService files = new FileService(store.files(), blobs, clock);
      Workspaces workspaces = Workspaces.of(dataDir);
      SkillService skills = new SkillService(store.skills(), blobs, clock);
      SessionSkills sessionSkills = new SessionSkills(store);
      SkillMounts skillMounts =
          new SkillMounts(store, skills, sessionSkills, dataDir.resolve("session-mounts"), clock);
      ResourceMounts mounts =
          new ResourceMounts(
              store,
              files,
              box,
              config
                  .repositoryUrls()
                  .guarding(
                      cloner != null
                          ? cloner
                          : GitRepositories.cloner(config.tokenUsernames(), clock)),
              workspaces,
              dataDir.resolve("session-mounts"),
              clock);
      Api.Hands hands =
          hands(
              config,
              dataDir,
              clock,
              store,
              box,
              redactor,
              sweeper,
              workspaces,
              mounts,
              skillMounts,
              new SessionRepositoryTokens(store, box));
      // What the agent leaves in /mnt/session/outputs is indexed as the session's files when a
      // turn goes idle, on this node (where the sandbox and its outputs folder are).
      indexing = Executors.newVirtualThreadPerTaskExecutor();
      OutputsIndexer outputs = new OutputsIndexer(store, files, mounts::outputs, indexing);
      ExecutorService turnEnds = indexing;
      SessionResources resources =
          new SessionResources(
              store, files, box, config.repositoryUrls(), mounts, hands.sandboxes(), outputs);
      guard.onIdle(
          id -> {
            outputs.turnEnded(id);
            turnEnds.execute(() -> mounts.memory().turnEnded(id));
          });
      // Workspaces move between nodes through checkpoints in the blob store (DESIGN.md, Scale-out)
      CheckpointMetrics checkpointMetrics = metrics.checkpoints(nodeId);
      WorkspaceCheckpoints checkpoints =
          WorkspaceCheckpoints.create(
              blobs,
              store.checkpoints(),
              workspaces,
              dataDir.resolve("checkpoints"),
              clock,
              hands.sandboxes()::release,
              checkpointMetrics);
      ToolExecutor tools =
          RestoringTools.over(
              BuiltInTools.create(
                  hands.sandboxes(),
                  config.sandboxLimits(),
                  id -> SandboxNetworking.wanted(store, id)),
              checkpoints);
      Harness harness =
          Harness.create(
              store,
              guardedModel,
              tools,
              config.harness(),
              clock,
              new Harness.Extras(
                  streams,
                  box,
                  telemetry,
                  new MemoryToolObserver(
                      new ObservedTools(metrics, telemetry, redactor), mounts.memory()),
                  checkpoints::save,
                  new SkillPrompt(new MemoryPrompt(), sessionSkills),
                  new FileRubrics(store.sessions(), files)),
              nodeId);
      metrics.gauges(
          () -> store.sessions().countByStatus(),
          hands.sandboxes()::alive,
          streams::subscribers,
          harness::queueDepth);
      metrics.node(nodeId, harness::running, harness::claims, harness::takeovers);
      metrics.clusterFeed(nodeId, store.clusterFeed());
      Api api =
          new Api(
              store,
              clock,
              config.maxBodyBytes(),
              streams,
              hands,
              harness,
              config.harness().spend(),
              blobs,
              files);
      EventStream eventStream = new EventStream(store.events(), streams, config.heartbeat(), clock);
      SessionRoutes sessionRoutes = new SessionRoutes(api, resources, model);
      // Scheduled deployments (ADR 0044): every node ticks; the database claim fires each
      // occurrence once. A run makes its session through the sessions' own create path.
      DeploymentRuns deploymentRuns =
          new DeploymentRuns(
              store.deployments(), new DeploymentSessions(sessionRoutes), clock, store.webhooks());
      scheduler =
          SchedulerLoop.start(
              new DeploymentScheduler(
                  store.deployments(), deploymentRuns, clock, DEPLOYMENT_MISSED_AFTER),
              DEPLOYMENT_TICK);
      // Webhooks (ADR 0045): every node polls the outbox on the sweeper's thread (a poll is one
      // quick read when there is nothing to do, and an idle one waits longer) and sends on
      // virtual threads; the database hands each delivery to one node.
      WebhookDispatcher webhooks =
          WebhookDispatcher.create(
              store.webhooks(), box, config.webhooks(), clock, sweeper, indexing);
      List<Api.Routes> groups =
          List.of(
              new HealthRoutes(api, metrics),
              new AgentRoutes(api, model),
              new EnvironmentRoutes(api),
              sessionRoutes,
              new DeploymentRoutes(api, sessionRoutes, deploymentRuns),
              new DeploymentRunRoutes(api),
              new SessionResourceRoutes(api, resources),
              new ForkRoutes(api, checkpoints),
              new EventRoutes(api, eventStream),
              new ThreadRoutes(api, eventStream),
              new VaultRoutes(api, box),
              new MemoryStoreRoutes(api),
              new MemoryRoutes(api),
              new FileRoutes(api, config.files()),
              new SkillRoutes(api, skills),
              new UsageRoutes(api),
              new KeyRoutes(),
              new WorkRoutes(api),
              new EnvironmentKeyRoutes(api),
              new WebhookRoutes(api, webhooks, box));
      Errors errors = new Errors(redactor);
      HttpRouting.Builder routing = HttpRouting.builder();
      routing.addFilter(new RequestIds());
      routing.addFilter(new Auth(store, errors));
      RouteTable routes = new RouteTable(routing);
      groups.forEach(g -> g.register(routes));
      new ConsoleRoutes().register(routing);
      routing.any(routes::unrouted);
      errors.register(routing);
      // Raw brackets in query names (?types[]=…) are what the SDKs and the README send; the query
      // is parsed by Query, so Helidon's stricter check of the query's characters is off.
      Http1Config http1 = Http1Config.builder().validatePrologue(false).build();
      WebServer web =
          WebServer.builder()
              .host(config.host())
              .port(config.port())
              .addProtocol(http1)
              .addConnectionSelector(new Http10Selector(http1))
              .directHandlers(HttpLayerErrors.all(errors))
              .errorHandling(ErrorHandling.builder().includeEntity(true).build())
              // Helidon leaves Nagle on: a small write (an SSE frame, the tail of a response) then
              // waits for the ACK of the one before it, which the client may delay by ~40 ms.
              .connectionOptions(o -> o.tcpNoDelay(true))
              .routing(routing)
              .build()
              .start();
      LOG.info(
          "Agentry listening on http://{}:{} (node {}, store {}, blobs {}, data {})",
          config.host(),
          web.port(),
          nodeId,
          store.describe(),
          blobs.describe(),
          dataDir);
      harness.recover();
      webhooks.start();
      FileSweep fileSweep = new FileSweep(files, sweeper, config.files().sweepEvery());
      CheckpointSweep checkpointSweep =
          new CheckpointSweep(
              new CheckpointCollector(
                  blobs, store.checkpoints(), clock, config.checkpointGc().grace()),
              checkpointMetrics::collected,
              sweeper,
              config.checkpointGc().every());
      return new AgentryServer(
          web,
          store,
          blobs,
          streams,
          hands,
          harness,
          key,
          telemetry,
          routes,
          logRedaction,
          files,
          fileSweep,
          checkpointSweep,
          indexing,
          nodeLock,
          scheduler,
          webhooks);
    } catch (RuntimeException e) {
      if (scheduler != null) {
        scheduler.close();
      }
      if (indexing != null) {
        indexing.shutdownNow();
      }
      if (blobs != null) {
        blobs.close();
      }
      store.close();
      closeQuietly(nodeLock);
      telemetry.close();
      closeQuietly(logRedaction);
      throw e;
    }
  }

  /** Starts a server whose model clients are configured from the process environment. */
  public static AgentryServer start(ServerConfig config) {
    return start(config, Clock.systemUTC(), System.out, ModelClients.fromEnv(System.getenv()));
  }

  public int port() {
    return webServer.port();
  }

  /** The store this server uses (for operator tasks in tests). */
  Store store() {
    return store;
  }

  /** The API's routes (for tests that visit every one). */
  RouteTable routes() {
    return routes;
  }

  /** The blob store this server uses (for tests of what routes store). */
  BlobStore blobs() {
    return blobs;
  }

  /**
   * The Files API's service: what other parts of a server (session outputs) store files through.
   */
  public FileService files() {
    return files;
  }

  /** Runs the expired-files sweep now (for tests); returns how many files it deleted. */
  int sweepExpiredFiles() {
    return fileSweep.sweep();
  }

  /** Runs one checkpoint blob collection now (tests); returns the blobs it deleted. */
  int collectCheckpointBlobs() {
    return checkpointSweep.sweep();
  }

  /** The session sandboxes (for tests that start them afresh, as another node would). */
  SandboxManager sandboxes() {
    return hands.sandboxes();
  }

  /** The admin key this start created, if it created one. */
  public Optional<String> generatedKey() {
    return generatedKey;
  }

  @Override
  public void close() {
    scheduler.close();
    webhooks.close();
    fileSweep.close();
    checkpointSweep.close();
    streams.shutdown();
    webServer.stop();
    harness.close();
    indexing.shutdownNow();
    hands.sandboxes().close();
    blobs.close();
    store.close();
    closeQuietly(nodeLock);
    telemetry.close();
    closeQuietly(logRedaction);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("could not close {}: {}", c, e.getMessage());
    }
  }

  private static void bridgeJulLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
