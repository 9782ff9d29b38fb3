package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.FileRecord;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Skill;
import dev.agentry.core.SkillRepository;
import dev.agentry.core.SkillRepository.VersionDraft;
import dev.agentry.core.SkillVersion;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.Workspace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The Skills API's records: per-workspace tenancy, version numbering (never reused, latest = the
 * highest left), the rule that a skill with versions cannot be deleted, paging, and blob reference
 * counts shared with the Files API.
 */
public abstract class SkillStoreContract extends StoreTestBase {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");

  private SkillRepository skills() {
    return store.skills();
  }

  private String freshWorkspace() {
    String id = Ids.next(IdKind.WORKSPACE);
    store.workspaces().create(new Workspace(id, "ws " + id, Instant.now()));
    return id;
  }

  private Skill newSkill(String ws, String name, String blob) {
    return skills()
        .create(
            ws,
            new Skill(Ids.next(IdKind.SKILL), "Display " + name, "custom", 1, T0, T0),
            new VersionDraft(name, "does " + name, blob, 42));
  }

  @Test
  void create_storesVersionOne_andRoundTrips() {
    String ws = freshWorkspace();
    String blob = StoreFixtures.blobAddress();
    Skill made = newSkill(ws, "pdf-tools", blob);
    assertThat(made.latestVersion()).isEqualTo(1);
    assertThat(made.displayName()).isEqualTo("Display pdf-tools");
    assertThat(made.source()).isEqualTo("custom");
    assertThat(made.createdAt()).isEqualTo(T0);
    assertThat(skills().find(ws, made.id())).contains(made);
    SkillVersion v1 = skills().findVersion(ws, made.id(), 1).orElseThrow();
    assertThat(v1)
        .isEqualTo(new SkillVersion(made.id(), 1, "pdf-tools", "does pdf-tools", blob, 42, T0));
  }

  @Test
  void versions_areNumberedPastTheHighestEverMade_andLatestFollowsDeletes() {
    String ws = freshWorkspace();
    Skill s = newSkill(ws, "a", StoreFixtures.blobAddress());
    Instant later = T0.plusSeconds(5);
    SkillVersion v2 =
        skills()
            .addVersion(
                ws, s.id(), new VersionDraft("a", "v2", StoreFixtures.blobAddress(), 1), later);
    SkillVersion v3 =
        skills()
            .addVersion(
                ws, s.id(), new VersionDraft("b", "v3", StoreFixtures.blobAddress(), 1), later);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v3.version()).isEqualTo(3);
    assertThat(v3.name()).isEqualTo("b");
    Skill now = skills().find(ws, s.id()).orElseThrow();
    assertThat(now.latestVersion()).isEqualTo(3);
    assertThat(now.updatedAt()).isEqualTo(later);

    assertThat(skills().deleteVersion(ws, s.id(), 3, later)).contains(v3);
    assertThat(skills().deleteVersion(ws, s.id(), 3, later)).isEmpty();
    assertThat(skills().find(ws, s.id()).orElseThrow().latestVersion()).isEqualTo(2);
    // number 3 is never handed out again
    SkillVersion v4 =
        skills()
            .addVersion(
                ws, s.id(), new VersionDraft("a", "v4", StoreFixtures.blobAddress(), 1), later);
    assertThat(v4.version()).isEqualTo(4);
    assertThat(skills().find(ws, s.id()).orElseThrow().latestVersion()).isEqualTo(4);
  }

  @Test
  void aSkillWithVersions_cannotBeDeleted_butOnceEmptyItGoes() {
    String ws = freshWorkspace();
    Skill s = newSkill(ws, "x", StoreFixtures.blobAddress());
    assertThatThrownBy(() -> skills().delete(ws, s.id()))
        .isInstanceOf(StoreException.Conflict.class);
    assertThat(skills().find(ws, s.id())).isPresent();
    skills().deleteVersion(ws, s.id(), 1, T0);
    assertThat(skills().find(ws, s.id()).orElseThrow().latestVersion()).isZero();
    assertThat(skills().delete(ws, s.id())).isPresent();
    assertThat(skills().delete(ws, s.id())).isEmpty();
    assertThat(skills().find(ws, s.id())).isEmpty();
  }

  @Test
  void anotherWorkspacesSkill_isAbsentEverywhere() {
    String a = freshWorkspace();
    String b = freshWorkspace();
    Skill s = newSkill(a, "mine", StoreFixtures.blobAddress());
    assertThat(skills().find(b, s.id())).isEmpty();
    assertThat(skills().findVersion(b, s.id(), 1)).isEmpty();
    assertThat(skills().versions(b, s.id(), PageRequest.first(10, SortOrder.DESC)).items())
        .isEmpty();
    assertThat(skills().list(b, PageRequest.first(10, SortOrder.DESC)).items()).isEmpty();
    assertThat(skills().deleteVersion(b, s.id(), 1, T0)).isEmpty();
    assertThat(skills().delete(b, s.id())).isEmpty();
    assertThatThrownBy(
            () ->
                skills()
                    .addVersion(
                        b, s.id(), new VersionDraft("z", "z", StoreFixtures.blobAddress(), 1), T0))
        .isInstanceOf(StoreException.NotFound.class);
    assertThat(skills().findVersion(a, s.id(), 1)).isPresent();
    assertThat(skills().find(a, s.id()).orElseThrow().latestVersion()).isEqualTo(1);
  }

  @Test
  void listAndVersions_pageByKey() {
    String ws = freshWorkspace();
    List<Skill> made = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      made.add(
          skills()
              .create(
                  ws,
                  new Skill(Ids.next(IdKind.SKILL), "s" + i, "custom", 1, T0.plusSeconds(i), T0),
                  new VersionDraft("s" + i, "d", StoreFixtures.blobAddress(), 1)));
    }
    Page<Skill> first = skills().list(ws, PageRequest.first(2, SortOrder.DESC));
    assertThat(first.items())
        .extracting(Skill::id)
        .containsExactly(made.get(2).id(), made.get(1).id());
    assertThat(first.moreAfter()).isTrue();
    Skill last = first.items().getLast();
    Page<Skill> second =
        skills()
            .list(
                ws,
                new PageRequest(
                    2,
                    SortOrder.DESC,
                    new PageKey(dev.agentry.core.Timestamps.toMicros(last.createdAt()), last.id()),
                    false));
    assertThat(second.items()).extracting(Skill::id).containsExactly(made.get(0).id());
    assertThat(second.moreAfter()).isFalse();

    String id = made.get(0).id();
    for (int i = 0; i < 2; i++) {
      skills().addVersion(ws, id, new VersionDraft("s", "d", StoreFixtures.blobAddress(), 1), T0);
    }
    Page<SkillVersion> versions = skills().versions(ws, id, PageRequest.first(2, SortOrder.DESC));
    assertThat(versions.items()).extracting(SkillVersion::version).containsExactly(3, 2);
    assertThat(versions.moreAfter()).isTrue();
    Page<SkillVersion> rest =
        skills().versions(ws, id, new PageRequest(2, SortOrder.DESC, new PageKey(2, ""), false));
    assertThat(rest.items()).extracting(SkillVersion::version).containsExactly(1);
  }

  @Test
  void blobReferences_countSkillVersionsAndFilesOfEveryWorkspace() {
    String a = freshWorkspace();
    String b = freshWorkspace();
    String blob = StoreFixtures.blobAddress();
    assertThat(skills().countBlobReferences(blob)).isZero();
    Skill s = newSkill(a, "one", blob);
    skills()
        .addVersion(
            b,
            newSkill(b, "two", StoreFixtures.blobAddress()).id(),
            new VersionDraft("two", "d", blob, 42),
            T0);
    assertThat(skills().countBlobReferences(blob)).isEqualTo(2);
    store
        .files()
        .create(
            a,
            new FileRecord(
                Ids.next(IdKind.FILE),
                "skill.zip",
                "application/zip",
                42,
                blob,
                true,
                T0,
                null,
                null));
    assertThat(skills().countBlobReferences(blob)).isEqualTo(3);
    // the Files API counts the skill versions too, so deleting the file keeps the archive
    assertThat(store.files().countByBlob(blob)).isEqualTo(3);
    skills().deleteVersion(a, s.id(), 1, T0);
    assertThat(store.files().countByBlob(blob)).isEqualTo(2);
  }

  @Test
  void concurrentVersions_getDistinctNumbers() throws Exception {
    String ws = freshWorkspace();
    Skill s = newSkill(ws, "busy", StoreFixtures.blobAddress());
    ConcurrentLinkedQueue<Integer> numbers = new ConcurrentLinkedQueue<>();
    try (var pool = Executors.newFixedThreadPool(4)) {
      for (int i = 0; i < 12; i++) {
        pool.submit(
            () ->
                numbers.add(
                    skills()
                        .addVersion(
                            ws,
                            s.id(),
                            new VersionDraft("busy", "d", StoreFixtures.blobAddress(), 1),
                            T0)
                        .version()));
      }
    }
    assertThat(numbers).hasSize(12).doesNotHaveDuplicates();
    assertThat(skills().find(ws, s.id()).orElseThrow().latestVersion()).isEqualTo(13);
  }
}
