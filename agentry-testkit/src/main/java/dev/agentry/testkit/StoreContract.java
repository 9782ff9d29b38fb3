package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.ApiKey;
import dev.agentry.core.Credential;
import dev.agentry.core.Environment;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Vault;
import dev.agentry.core.Workspace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The repositories other than sessions and events: agents, environments, vaults, API keys. */
public abstract class StoreContract extends StoreTestBase {

  private static AgentSpec renamed(AgentSpec s, String name) {
    return new AgentSpec(
        name,
        s.description(),
        s.system(),
        s.model(),
        s.tools(),
        s.mcpServers(),
        s.skills(),
        s.metadata(),
        s.multiagent(),
        s.executionIdentity());
  }

  private static ResourceFilter window(Instant base, boolean archived) {
    return new ResourceFilter(archived, new TimeRange(null, base, base.plusSeconds(3600), null));
  }

  @Test
  void ping_answers_andDescribeNamesTheDatabase() {
    store.ping();
    assertThat(store.describe()).matches("(sqlite|postgresql):.+").doesNotContain("password");
  }

  @Test
  void agentCreate_roundTrips() {
    Agent made = StoreFixtures.agent(Instant.parse("2026-01-02T03:04:05.678901234Z"));
    Agent stored = store.agents().create(made);
    assertThat(stored.createdAt()).isEqualTo(Instant.parse("2026-01-02T03:04:05.678901Z"));
    assertThat(stored.spec()).isEqualTo(made.spec());
    assertThat(store.agents().find(made.id())).contains(stored);
    assertThat(store.agents().findVersion(made.id(), 1)).contains(stored);
    assertThat(store.agents().findVersion(made.id(), 2)).isEmpty();
    assertThat(store.agents().find("agent_missing")).isEmpty();
    assertThatThrownBy(() -> store.agents().create(made))
        .isInstanceOf(StoreException.Conflict.class);
  }

  @Test
  void agentUpdate_storesTheNextVersion_keepingCreatedAt() {
    Agent v1 = store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    Agent v2 = store.agents().update(v1.id(), 1, s -> renamed(s, "two"), now);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.spec().name()).isEqualTo("two");
    assertThat(v2.createdAt()).isEqualTo(v1.createdAt());
    assertThat(v2.updatedAt()).isEqualTo(now);
    assertThat(store.agents().find(v1.id())).contains(v2);
    assertThat(store.agents().findVersion(v1.id(), 1)).contains(v1);
  }

  @Test
  void agentUpdate_withStaleVersion_conflicts() {
    Agent v1 = store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    store.agents().update(v1.id(), 1, s -> renamed(s, "two"), Instant.now());
    assertThatThrownBy(
            () -> store.agents().update(v1.id(), 1, s -> renamed(s, "three"), Instant.now()))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(store.agents().find(v1.id()).orElseThrow().version()).isEqualTo(2);
    assertThatThrownBy(() -> store.agents().update("agent_missing", null, s -> s, Instant.now()))
        .isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void agentUpdate_withUnchangedSpec_storesNothing() {
    Agent v1 = store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    assertThat(store.agents().update(v1.id(), null, s -> renamed(s, s.name()), Instant.now()))
        .isEqualTo(v1);
    assertThat(store.agents().findVersion(v1.id(), 2)).isEmpty();
  }

  @Test
  void agentUpdate_concurrentLastWriteWins_numbersEveryVersion() throws Exception {
    Agent v1 = store.agents().create(StoreFixtures.agent(StoreFixtures.uniqueEpoch()));
    runConcurrently(
        8, t -> store.agents().update(v1.id(), null, s -> renamed(s, "t" + t), Instant.now()));
    assertThat(store.agents().find(v1.id()).orElseThrow().version()).isEqualTo(9);
    List<Agent> versions =
        walkForward(
            4,
            SortOrder.ASC,
            r -> store.agents().versions(v1.id(), r),
            a -> new PageKey(a.version(), ""));
    assertThat(versions).extracting(Agent::version).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(
            store
                .agents()
                .versions(v1.id(), new PageRequest(2, SortOrder.DESC, new PageKey(3, ""), true))
                .items())
        .extracting(Agent::version)
        .containsExactly(5, 4);
    assertThatThrownBy(
            () -> store.agents().versions("agent_missing", PageRequest.first(5, SortOrder.ASC)))
        .isInstanceOf(StoreException.NotFound.class);
  }

  @Test
  void agentArchive_isIdempotent_andHidesFromListings() {
    Instant base = StoreFixtures.uniqueEpoch();
    List<Agent> made = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      made.add(store.agents().create(StoreFixtures.agent(base.plusSeconds(i / 2))));
    }
    Instant at = Instant.parse("2030-05-05T00:00:00Z");
    Agent archived = store.agents().archive(made.get(3).id(), at);
    assertThat(archived.archivedAt()).isEqualTo(at);
    assertThat(store.agents().archive(made.get(3).id(), at.plusSeconds(5)).archivedAt())
        .isEqualTo(at);
    assertThat(store.agents().findVersion(made.get(3).id(), 1).orElseThrow().archivedAt())
        .isEqualTo(at);
    List<Agent> active =
        walkForward(
            2, SortOrder.ASC, r -> store.agents().list(window(base, false), r), StoreContract::key);
    assertThat(active).extracting(Agent::id).hasSize(6).doesNotContain(made.get(3).id());
    List<Agent> all =
        walkForward(
            3, SortOrder.DESC, r -> store.agents().list(window(base, true), r), StoreContract::key);
    assertThat(all).hasSize(7);
    assertThat(
            walkBackward(
                2,
                SortOrder.DESC,
                key(all.get(6)),
                r -> store.agents().list(window(base, true), r),
                StoreContract::key))
        .isEqualTo(all.subList(0, 6));
    assertThatThrownBy(() -> store.agents().archive("agent_missing", at))
        .isInstanceOf(StoreException.NotFound.class);
  }

  private static PageKey key(Agent a) {
    return new PageKey(Timestamps.toMicros(a.createdAt()), a.id());
  }

  @Test
  void environment_crudWithUniqueNames() {
    Instant base = StoreFixtures.uniqueEpoch();
    String name = "env-" + base.getEpochSecond();
    Environment e = store.environments().create(StoreFixtures.environment(name, base));
    assertThat(store.environments().find(e.id())).contains(e);
    assertThatThrownBy(() -> store.environments().create(StoreFixtures.environment(name, base)))
        .isInstanceOf(StoreException.Conflict.class);
    Environment other =
        store.environments().create(StoreFixtures.environment(name + "-b", base.plusSeconds(1)));
    assertThatThrownBy(() -> store.environments().update(other.id(), x -> renamed(x, name)))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(store.environments().update(other.id(), x -> renamed(x, name + "-c")).name())
        .isEqualTo(name + "-c");
    assertThatThrownBy(() -> store.environments().update("env_missing", x -> x))
        .isInstanceOf(StoreException.NotFound.class);
    Instant at = Instant.parse("2030-01-01T00:00:00Z");
    assertThat(store.environments().archive(e.id(), at).archivedAt()).isEqualTo(at);
    assertThat(store.environments().archive(e.id(), at.plusSeconds(1)).archivedAt()).isEqualTo(at);
    assertThat(
            store
                .environments()
                .list(window(base, false), PageRequest.first(10, SortOrder.ASC))
                .items())
        .containsExactly(store.environments().find(other.id()).orElseThrow());
    assertThat(
            store
                .environments()
                .list(window(base, true), PageRequest.first(10, SortOrder.ASC))
                .items())
        .hasSize(2);
    assertThat(store.environments().delete(e.id())).isTrue();
    assertThat(store.environments().delete(e.id())).isFalse();
    assertThat(store.environments().create(StoreFixtures.environment(name, base)).name())
        .isEqualTo(name);
  }

  private static Environment renamed(Environment e, String name) {
    return new Environment(
        e.id(),
        name,
        e.description(),
        e.config(),
        e.metadata(),
        e.scope(),
        e.createdAt(),
        e.updatedAt(),
        e.archivedAt());
  }

  @Test
  void vault_crud_andDeleteRemovesItsCredentials() {
    Instant base = StoreFixtures.uniqueEpoch();
    Vault v = store.vaults().create(StoreFixtures.vault(base));
    assertThat(store.vaults().find(v.id())).contains(v);
    Vault renamed =
        store
            .vaults()
            .update(
                v.id(),
                x -> new Vault(x.id(), "renamed", Map.of(), x.createdAt(), x.updatedAt(), null));
    assertThat(renamed.displayName()).isEqualTo("renamed");
    assertThatThrownBy(() -> store.vaults().update("vlt_missing", x -> x))
        .isInstanceOf(StoreException.NotFound.class);
    Credential c = store.vaults().createCredential(StoreFixtures.credential(v.id(), base));
    assertThat(store.vaults().delete(v.id())).isTrue();
    assertThat(store.vaults().find(v.id())).isEmpty();
    assertThat(store.vaults().findCredential(v.id(), c.id())).isEmpty();
    assertThat(store.vaults().delete(v.id())).isFalse();
    Vault kept = store.vaults().create(StoreFixtures.vault(base.plusSeconds(1)));
    Instant at = Instant.parse("2030-01-01T00:00:00Z");
    assertThat(store.vaults().archive(kept.id(), at).archivedAt()).isEqualTo(at);
    assertThat(
            store.vaults().list(window(base, false), PageRequest.first(5, SortOrder.ASC)).items())
        .isEmpty();
    assertThat(store.vaults().list(window(base, true), PageRequest.first(5, SortOrder.ASC)).items())
        .hasSize(1);
  }

  @Test
  void credential_isKeyedWithinItsVault_andKeepsSealedSecrets() {
    Instant base = StoreFixtures.uniqueEpoch();
    Vault v = store.vaults().create(StoreFixtures.vault(base));
    Vault other = store.vaults().create(StoreFixtures.vault(base));
    Credential c = store.vaults().createCredential(StoreFixtures.credential(v.id(), base));
    assertThat(c.sealedSecrets()).isEqualTo(StoreFixtures.credential(v.id(), base).sealedSecrets());
    assertThat(c.authType()).isEqualTo("static_bearer");
    Credential found = store.vaults().findCredential(v.id(), c.id()).orElseThrow();
    assertThat(found.sealedSecrets()).isEqualTo(c.sealedSecrets());
    assertThat(found.publicAuth()).isEqualTo(c.publicAuth());
    assertThat(store.vaults().findCredential(other.id(), c.id())).isEmpty();
    assertThatThrownBy(() -> store.vaults().updateCredential(other.id(), c.id(), x -> x))
        .isInstanceOf(StoreException.NotFound.class);
    assertThat(store.vaults().deleteCredential(other.id(), c.id())).isFalse();
    Credential updated =
        store
            .vaults()
            .updateCredential(
                v.id(),
                c.id(),
                x ->
                    new Credential(
                        x.id(),
                        x.vaultId(),
                        "new name",
                        x.publicAuth(),
                        new byte[] {1, 2, 3},
                        x.metadata(),
                        x.createdAt(),
                        x.updatedAt(),
                        null));
    assertThat(updated.displayName()).isEqualTo("new name");
    assertThat(updated.sealedSecrets()).containsExactly(1, 2, 3);
    Instant at = Instant.parse("2030-01-01T00:00:00Z");
    assertThat(store.vaults().archiveCredential(v.id(), c.id(), at).archivedAt()).isEqualTo(at);
    Credential second =
        store.vaults().createCredential(StoreFixtures.credential(v.id(), base.plusSeconds(1)));
    assertThat(
            store
                .vaults()
                .listCredentials(v.id(), window(base, false), PageRequest.first(5, SortOrder.ASC))
                .items())
        .extracting(Credential::id)
        .containsExactly(second.id());
    assertThat(
            store
                .vaults()
                .listCredentials(v.id(), window(base, true), PageRequest.first(5, SortOrder.DESC))
                .items())
        .extracting(Credential::id)
        .containsExactly(second.id(), c.id());
    assertThatThrownBy(
            () -> store.vaults().createCredential(StoreFixtures.credential("vlt_missing", base)))
        .isInstanceOf(StoreException.NotFound.class);
    assertThat(store.vaults().deleteCredential(v.id(), c.id())).isTrue();
  }

  @Test
  void apiKeys_areFoundByHash_evenWhenRevoked() {
    ApiKey k = store.apiKeys().create(StoreFixtures.apiKey(StoreFixtures.uniqueEpoch()));
    assertThat(store.apiKeys().findByHash(k.secretHash())).contains(k);
    assertThat(store.apiKeys().list()).contains(k);
    Instant at = Instant.parse("2030-01-01T00:00:00Z");
    assertThat(store.apiKeys().revoke(k.id(), at)).isTrue();
    assertThat(store.apiKeys().revoke(k.id(), at)).isFalse();
    assertThat(store.apiKeys().findByHash(k.secretHash()).orElseThrow().revokedAt()).isEqualTo(at);
    assertThat(store.apiKeys().findByHash("no-such-hash")).isEmpty();
    ApiKey sameHash =
        new ApiKey("apikey_other" + System.nanoTime(), "x", k.secretHash(), "admin", at, null);
    assertThatThrownBy(() -> store.apiKeys().create(sameHash))
        .isInstanceOf(StoreException.Conflict.class);
  }

  private static String freshWorkspace(dev.agentry.core.Store store) {
    String id = Ids.next(IdKind.WORKSPACE);
    store.workspaces().create(new Workspace(id, "ws " + id, Instant.now()));
    return id;
  }

  @Test
  void workspaces_theDefaultExists_andCreatedOnesAreFoundAndListed() {
    assertThat(store.workspaces().find(Workspace.DEFAULT_ID)).isPresent();
    Instant at = Instant.parse("2026-03-04T05:06:07.123456Z");
    Workspace w = new Workspace(Ids.next(IdKind.WORKSPACE), "team a", at);
    assertThat(store.workspaces().create(w)).isEqualTo(w);
    assertThat(store.workspaces().find(w.id())).contains(w);
    assertThat(store.workspaces().list()).contains(w);
    assertThat(store.workspaces().list().stream().map(Workspace::id))
        .contains(Workspace.DEFAULT_ID);
    assertThatThrownBy(() -> store.workspaces().create(w))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(store.workspaces().find("wrkspc_missing")).isEmpty();
  }

  @Test
  void agents_scopedMethodsSeeOnlyTheirWorkspace_unscopedOnesSeeAll() {
    String a = freshWorkspace(store);
    String b = freshWorkspace(store);
    Instant base = StoreFixtures.uniqueEpoch();
    Agent inA = store.agents().create(a, StoreFixtures.agent(base));
    Agent inB = store.agents().create(b, StoreFixtures.agent(base.plusSeconds(1)));
    Agent inDefault = store.agents().create(StoreFixtures.agent(base.plusSeconds(2)));
    assertThat(store.agents().find(a, inA.id())).contains(inA);
    assertThat(store.agents().find(b, inA.id())).isEmpty();
    assertThat(store.agents().find(inA.id())).contains(inA);
    assertThat(store.agents().find(Workspace.DEFAULT_ID, inDefault.id())).contains(inDefault);
    assertThat(store.agents().find(a, inDefault.id())).isEmpty();
    assertThat(store.agents().findVersion(a, inA.id(), 1)).contains(inA);
    assertThat(store.agents().findVersion(b, inA.id(), 1)).isEmpty();
    Agent v2 = store.agents().update(inA.id(), null, sp -> renamed(sp, "v2"), base.plusSeconds(5));
    assertThat(store.agents().find(a, inA.id())).contains(v2);
    PageRequest first = PageRequest.first(20, SortOrder.ASC);
    assertThat(store.agents().list(a, window(base, false), first).items()).containsExactly(v2);
    assertThat(store.agents().list(b, window(base, false), first).items()).containsExactly(inB);
    assertThat(store.agents().list(window(base, false), first).items())
        .extracting(Agent::id)
        .containsExactly(inA.id(), inB.id(), inDefault.id());
  }

  @Test
  void environments_namesAreUniquePerWorkspace_andScopedMethodsSeeOnlyTheirWorkspace() {
    String a = freshWorkspace(store);
    String b = freshWorkspace(store);
    Instant base = StoreFixtures.uniqueEpoch();
    String name = "env-ws-" + base.getEpochSecond();
    Environment inA = store.environments().create(a, StoreFixtures.environment(name, base));
    Environment inB =
        store.environments().create(b, StoreFixtures.environment(name, base.plusSeconds(1)));
    assertThatThrownBy(() -> store.environments().create(a, StoreFixtures.environment(name, base)))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(store.environments().find(a, inA.id())).contains(inA);
    assertThat(store.environments().find(a, inB.id())).isEmpty();
    assertThat(store.environments().find(inB.id())).contains(inB);
    Environment renamed =
        store
            .environments()
            .update(
                inA.id(),
                e ->
                    new Environment(
                        e.id(),
                        name + "-x",
                        e.description(),
                        e.config(),
                        e.metadata(),
                        e.scope(),
                        e.createdAt(),
                        e.updatedAt(),
                        e.archivedAt()));
    assertThat(store.environments().find(a, inA.id())).contains(renamed);
    PageRequest first = PageRequest.first(20, SortOrder.ASC);
    assertThat(store.environments().list(a, window(base, false), first).items())
        .containsExactly(renamed);
    assertThat(store.environments().list(b, window(base, false), first).items())
        .containsExactly(inB);
  }

  @Test
  void vaults_scopedMethodsSeeOnlyTheirWorkspace() {
    String a = freshWorkspace(store);
    String b = freshWorkspace(store);
    Instant base = StoreFixtures.uniqueEpoch();
    Vault inA = store.vaults().create(a, StoreFixtures.vault(base));
    Vault inB = store.vaults().create(b, StoreFixtures.vault(base.plusSeconds(1)));
    assertThat(store.vaults().find(a, inA.id())).contains(inA);
    assertThat(store.vaults().find(b, inA.id())).isEmpty();
    assertThat(store.vaults().find(inA.id())).contains(inA);
    Vault archived = store.vaults().archive(inA.id(), base.plusSeconds(9));
    assertThat(store.vaults().find(a, inA.id())).contains(archived);
    PageRequest first = PageRequest.first(20, SortOrder.ASC);
    assertThat(store.vaults().list(a, window(base, true), first).items()).containsExactly(archived);
    assertThat(store.vaults().list(a, window(base, false), first).items()).isEmpty();
    assertThat(store.vaults().list(b, window(base, false), first).items()).containsExactly(inB);
  }

  @Test
  void apiKeys_keepTheirWorkspace_andDefaultToTheDefaultOne() {
    String w = freshWorkspace(store);
    Instant at = StoreFixtures.uniqueEpoch();
    ApiKey k =
        store
            .apiKeys()
            .create(
                new ApiKey(
                    Ids.next(IdKind.API_KEY),
                    "k",
                    Ids.secret("hash_", 40),
                    "read_only",
                    w,
                    at,
                    null));
    assertThat(store.apiKeys().findByHash(k.secretHash()).orElseThrow().workspaceId()).isEqualTo(w);
    ApiKey d = store.apiKeys().create(StoreFixtures.apiKey(at));
    assertThat(store.apiKeys().findByHash(d.secretHash()).orElseThrow().workspaceId())
        .isEqualTo(Workspace.DEFAULT_ID);
  }

  @Test
  void resources_surviveCloseAndReopen() {
    Instant base = StoreFixtures.uniqueEpoch();
    Agent a = store.agents().create(StoreFixtures.agent(base));
    Environment e =
        store
            .environments()
            .create(StoreFixtures.environment("env-durable-" + base.getEpochSecond(), base));
    Vault v = store.vaults().create(StoreFixtures.vault(base));
    Credential c = store.vaults().createCredential(StoreFixtures.credential(v.id(), base));
    ApiKey k = store.apiKeys().create(StoreFixtures.apiKey(base));
    reopen();
    assertThat(store.agents().find(a.id())).contains(a);
    assertThat(store.environments().find(e.id())).contains(e);
    assertThat(store.vaults().find(v.id())).contains(v);
    assertThat(store.vaults().findCredential(v.id(), c.id()).orElseThrow().sealedSecrets())
        .isEqualTo(c.sealedSecrets());
    assertThat(store.apiKeys().findByHash(k.secretHash())).contains(k);
  }
}
