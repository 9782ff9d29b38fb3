package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryContent;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.MemoryRepository.VersionFilter;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.MemoryVersion;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Workspace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Memory stores ({@link MemoryRepository}): paths, preconditions, the cap and the versions. */
public abstract class MemoryContract extends StoreTestBase {
  private static final MemoryActor API = MemoryActor.api("apikey_1");
  private static final MemoryActor SESSION = MemoryActor.session("sesn_1");

  private MemoryRepository repo() {
    return store.memories();
  }

  private String newStore() {
    Instant at = StoreFixtures.uniqueEpoch();
    return repo()
        .createStore(
            Workspace.DEFAULT_ID,
            new MemoryStore(Ids.next(IdKind.MEMORY_STORE), "Notes", "", Map.of(), at, at, null))
        .id();
  }

  @Test
  void create_recordsTheContentItsHashAndACreatedVersionByTheActor() {
    String s = newStore();
    Instant now = Instant.parse("2026-05-06T07:08:09Z");
    Memory m = repo().create(s, "/a/notes.md", "héllo", SESSION, now);
    assertThat(m.contentSha256()).isEqualTo(MemoryContent.sha256("héllo"));
    assertThat(m.contentSizeBytes()).isEqualTo(6);
    assertThat(repo().findMemory(s, m.id())).contains(m);
    MemoryVersion v = repo().findVersion(s, m.versionId()).orElseThrow();
    assertThat(v.operation()).isEqualTo(MemoryVersion.CREATED);
    assertThat(v.createdBy()).isEqualTo(SESSION);
    assertThat(v.content()).isEqualTo("héllo");
    assertThat(v.path()).isEqualTo("/a/notes.md");
    assertThat(v.createdAt()).isEqualTo(now);
  }

  @Test
  void aPathThatIsAMemory_anAncestorOfOne_orBelowOne_conflicts() {
    String s = newStore();
    Memory m = repo().create(s, "/a/b", "x", API, Instant.now());
    for (String clash : List.of("/a/b", "/a", "/a/b/c")) {
      assertThatThrownBy(() -> repo().create(s, clash, "y", API, Instant.now()))
          .as(clash)
          .isInstanceOfSatisfying(
              MemoryRepository.PathConflict.class,
              e -> {
                assertThat(e.conflictingMemoryId()).isEqualTo(m.id());
                assertThat(e.conflictingPath()).isEqualTo("/a/b");
              });
    }
    assertThat(repo().create(s, "/a/bc", "ok", API, Instant.now()).path()).isEqualTo("/a/bc");
    assertThat(repo().create(newStore(), "/a/b/c", "other store", API, Instant.now())).isNotNull();
  }

  @Test
  void update_withAStaleHash_isRefused_andLeavesTheMemory() {
    String s = newStore();
    Memory m = repo().create(s, "/n.md", "one", API, Instant.now());
    Memory two = repo().update(s, m.id(), null, "two", m.contentSha256(), SESSION, Instant.now());
    assertThat(two.content()).isEqualTo("two");
    assertThat(two.versionId()).isNotEqualTo(m.versionId());
    assertThatThrownBy(
            () -> repo().update(s, m.id(), null, "three", m.contentSha256(), API, Instant.now()))
        .isInstanceOf(MemoryRepository.PreconditionFailed.class);
    assertThatThrownBy(() -> repo().delete(s, m.id(), m.contentSha256(), API, Instant.now()))
        .isInstanceOf(MemoryRepository.PreconditionFailed.class);
    assertThat(repo().findMemory(s, m.id())).contains(two);
  }

  @Test
  void update_thatChangesNothing_makesNoVersion_andAMoveChecksTheNewPath() {
    String s = newStore();
    Memory m = repo().create(s, "/x.md", "same", API, Instant.now());
    repo().create(s, "/dir/y.md", "other", API, Instant.now());
    assertThat(repo().update(s, m.id(), "/x.md", "same", null, API, Instant.now())).isEqualTo(m);
    assertThatThrownBy(() -> repo().update(s, m.id(), "/dir", null, null, API, Instant.now()))
        .isInstanceOf(MemoryRepository.PathConflict.class);
    Memory moved = repo().update(s, m.id(), "/moved/x.md", null, null, API, Instant.now());
    assertThat(moved.path()).isEqualTo("/moved/x.md");
    assertThat(repo().findByPath(s, "/x.md")).isEmpty();
    assertThat(repo().findByPath(s, "/moved/x.md")).contains(moved);
    assertThat(
            repo()
                .listVersions(
                    s,
                    new VersionFilter(m.id(), null, null, null, null, TimeRange.ALL),
                    PageRequest.first(10, SortOrder.ASC))
                .items())
        .extracting(MemoryVersion::operation)
        .containsExactly(MemoryVersion.CREATED, MemoryVersion.MODIFIED);
  }

  @Test
  void delete_leavesADeletedVersion_andTheVersionsFilterByActorAndOperation() {
    String s = newStore();
    Memory m = repo().create(s, "/d.md", "bye", API, Instant.now());
    MemoryVersion deleted = repo().delete(s, m.id(), m.contentSha256(), SESSION, Instant.now());
    assertThat(deleted.operation()).isEqualTo(MemoryVersion.DELETED);
    assertThat(deleted.path()).isEqualTo("/d.md");
    assertThat(repo().findMemory(s, m.id())).isEmpty();
    assertThatThrownBy(() -> repo().delete(s, m.id(), null, API, Instant.now()))
        .isInstanceOf(StoreException.NotFound.class);
    PageRequest page = PageRequest.first(10, SortOrder.ASC);
    assertThat(
            repo()
                .listVersions(
                    s, new VersionFilter(null, null, "sesn_1", null, null, TimeRange.ALL), page)
                .items())
        .containsExactly(deleted);
    assertThat(
            repo()
                .listVersions(
                    s,
                    new VersionFilter(null, MemoryVersion.CREATED, null, "apikey_1", null, null),
                    page)
                .items())
        .extracting(MemoryVersion::memoryId)
        .containsExactly(m.id());
  }

  @Test
  void redact_blanksAnOldVersion_butNotTheCurrentOne() {
    String s = newStore();
    Memory m = repo().create(s, "/r.md", "secret", API, Instant.now());
    assertThatThrownBy(() -> repo().redact(s, m.versionId(), API, Instant.now()))
        .isInstanceOf(StoreException.Conflict.class);
    repo().update(s, m.id(), null, "clean", null, API, Instant.now());
    Instant now = Instant.parse("2026-07-01T00:00:00Z");
    MemoryVersion r = repo().redact(s, m.versionId(), SESSION, now);
    assertThat(r.content()).isNull();
    assertThat(r.path()).isNull();
    assertThat(r.contentSha256()).isNull();
    assertThat(r.contentSizeBytes()).isNull();
    assertThat(r.redactedAt()).isEqualTo(now);
    assertThat(r.redactedBy()).isEqualTo(SESSION);
    assertThat(r.createdBy()).isEqualTo(API);
  }

  @Test
  void list_returnsThePrefixsMemoriesWithoutContent_sortedByPath() {
    String s = newStore();
    repo().create(s, "/p/b.md", "b", API, Instant.now());
    repo().create(s, "/p/a.md", "a", API, Instant.now());
    repo().create(s, "/q.md", "q", API, Instant.now());
    List<Memory> under = repo().list(s, "/p/");
    assertThat(under).extracting(Memory::path).containsExactly("/p/a.md", "/p/b.md");
    assertThat(under).allSatisfy(m -> assertThat(m.content()).isNull());
    assertThat(repo().findAll(s, under.stream().map(Memory::id).toList()))
        .extracting(Memory::content)
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void aStoreHoldsAtMostTheCap_evenWithWritersRacing() throws Exception {
    String s = newStore();
    for (int i = 0; i < MemoryRepository.MAX_MEMORIES - 4; i++) {
      repo().create(s, "/m" + i, "", API, Instant.now());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> tries = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String path = "/race" + i;
        Callable<Boolean> attempt =
            () -> {
              try {
                repo().create(s, path, "", API, Instant.now());
                return true;
              } catch (MemoryRepository.StoreFull e) {
                return false;
              }
            };
        tries.add(pool.submit(attempt));
      }
      int made = 0;
      for (Future<Boolean> f : tries) {
        made += f.get() ? 1 : 0;
      }
      assertThat(made).isEqualTo(4);
    } finally {
      pool.shutdownNow();
    }
    assertThat(repo().list(s, "/")).hasSize(MemoryRepository.MAX_MEMORIES);
  }

  @Test
  void deleteStore_takesItsMemoriesAndVersions_andArchivedStoresListOnlyWhenAsked() {
    String s = newStore();
    Memory m = repo().create(s, "/k.md", "k", API, Instant.now());
    String kept = newStore();
    Instant now = Instant.now();
    repo()
        .updateStore(
            kept,
            st ->
                new MemoryStore(
                    st.id(), st.name(), st.description(), st.metadata(), st.createdAt(), now, now));
    assertThat(repo().deleteStore(s)).isTrue();
    assertThat(repo().findStore(Workspace.DEFAULT_ID, s)).isEmpty();
    assertThat(repo().findMemory(s, m.id())).isEmpty();
    assertThat(repo().findVersion(s, m.versionId())).isEmpty();
    assertThatThrownBy(() -> repo().create(s, "/k.md", "k", API, Instant.now()))
        .isInstanceOf(StoreException.NotFound.class);
    PageRequest page = PageRequest.first(1000, SortOrder.DESC);
    assertThat(repo().listStores(Workspace.DEFAULT_ID, ResourceFilter.ACTIVE, page).items())
        .extracting(MemoryStore::id)
        .doesNotContain(kept, s);
    assertThat(
            repo()
                .listStores(Workspace.DEFAULT_ID, new ResourceFilter(true, TimeRange.ALL), page)
                .items())
        .extracting(MemoryStore::id)
        .contains(kept);
    assertThat(repo().findStore("wrkspc_other", kept)).isEmpty();
  }
}
