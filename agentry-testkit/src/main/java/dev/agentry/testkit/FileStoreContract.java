package dev.agentry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.FileFilter;
import dev.agentry.core.FileRecord;
import dev.agentry.core.FileRepository;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Workspace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Files API's records: per-workspace tenancy, newest-first keyset paging, filters, reference
 * counts by blob and the expiry scan. Each test works in fresh workspaces, so a database shared by
 * tests does not disturb its listings.
 */
public abstract class FileStoreContract extends StoreTestBase {

  private FileRepository files() {
    return store.files();
  }

  private String freshWorkspace() {
    String id = Ids.next(IdKind.WORKSPACE);
    store.workspaces().create(new Workspace(id, "ws " + id, Instant.now()));
    return id;
  }

  private static PageKey key(FileRecord f) {
    return new PageKey(Timestamps.toMicros(f.createdAt()), f.id());
  }

  @Test
  void create_roundTripsAtMicrosecondPrecision_andDuplicateIdsConflict() {
    String ws = freshWorkspace();
    FileRecord made =
        new FileRecord(
            Ids.next(IdKind.FILE),
            "report final.pdf",
            "application/pdf",
            1234,
            StoreFixtures.blobAddress(),
            false,
            Instant.parse("2026-01-02T03:04:05.678901234Z"),
            Instant.parse("2026-01-03T03:04:05.678901999Z"),
            "sesn_x");
    FileRecord stored = files().create(ws, made);
    assertThat(stored.createdAt()).isEqualTo(Instant.parse("2026-01-02T03:04:05.678901Z"));
    assertThat(stored.expiresAt()).isEqualTo(Instant.parse("2026-01-03T03:04:05.678901Z"));
    assertThat(stored)
        .usingRecursiveComparison()
        .ignoringFields("createdAt", "expiresAt")
        .isEqualTo(made);
    assertThat(files().find(ws, made.id())).contains(stored);
    FileRecord plain = files().create(ws, StoreFixtures.file(StoreFixtures.uniqueEpoch(), null));
    assertThat(plain.downloadable()).isTrue();
    assertThat(plain.expiresAt()).isNull();
    assertThat(plain.scopeSessionId()).isNull();
    assertThatThrownBy(() -> files().create(ws, made)).isInstanceOf(StoreException.Conflict.class);
  }

  @Test
  void anotherWorkspacesFile_isAbsent_fromFindListAndDelete() {
    String a = freshWorkspace();
    String b = freshWorkspace();
    Instant base = StoreFixtures.uniqueEpoch();
    FileRecord inA = files().create(a, StoreFixtures.file(base, "sesn_shared"));
    FileRecord inB = files().create(b, StoreFixtures.file(base.plusSeconds(1), "sesn_shared"));
    assertThat(files().find(b, inA.id())).isEmpty();
    assertThat(files().find(a, inB.id())).isEmpty();
    PageRequest first = PageRequest.first(20, SortOrder.DESC);
    assertThat(files().list(a, FileFilter.ALL, first).items()).containsExactly(inA);
    assertThat(files().list(b, new FileFilter("sesn_shared", List.of()), first).items())
        .containsExactly(inB);
    assertThat(files().list(b, new FileFilter(null, List.of(inA.id())), first).items()).isEmpty();
    assertThat(files().delete(b, inA.id())).isEmpty();
    assertThat(files().find(a, inA.id())).contains(inA);
    assertThat(files().list(Workspace.DEFAULT_ID, new FileFilter(null, List.of(inA.id())), first))
        .satisfies(p -> assertThat(p.items()).isEmpty());
  }

  @Test
  void list_isNewestFirst_andPagesBothWays() {
    String ws = freshWorkspace();
    Instant base = StoreFixtures.uniqueEpoch();
    List<FileRecord> made = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      made.add(files().create(ws, StoreFixtures.file(base.plusMillis(i), null)));
    }
    // Two files in the same microsecond are ordered by id.
    made.add(files().create(ws, StoreFixtures.file(base.plusMillis(6), null)));
    List<FileRecord> newestFirst =
        made.stream()
            .sorted(
                java.util.Comparator.comparing(FileRecord::createdAt)
                    .thenComparing(FileRecord::id)
                    .reversed())
            .toList();
    List<FileRecord> forward =
        walkForward(3, SortOrder.DESC, r -> files().list(ws, FileFilter.ALL, r), f -> key(f));
    assertThat(forward).containsExactlyElementsOf(newestFirst);
    List<FileRecord> backward =
        walkBackward(
            3,
            SortOrder.DESC,
            key(newestFirst.get(newestFirst.size() - 1)),
            r -> files().list(ws, FileFilter.ALL, r),
            f -> key(f));
    assertThat(backward).containsExactlyElementsOf(newestFirst.subList(0, newestFirst.size() - 1));
  }

  @Test
  void list_filtersByScopeAndIds() {
    String ws = freshWorkspace();
    Instant base = StoreFixtures.uniqueEpoch();
    FileRecord upload = files().create(ws, StoreFixtures.file(base, null));
    FileRecord out1 = files().create(ws, StoreFixtures.file(base.plusSeconds(1), "sesn_one"));
    FileRecord out2 = files().create(ws, StoreFixtures.file(base.plusSeconds(2), "sesn_one"));
    FileRecord other = files().create(ws, StoreFixtures.file(base.plusSeconds(3), "sesn_two"));
    PageRequest first = PageRequest.first(20, SortOrder.DESC);
    assertThat(files().list(ws, new FileFilter("sesn_one", List.of()), first).items())
        .containsExactly(out2, out1);
    assertThat(
            files()
                .list(
                    ws, new FileFilter(null, List.of(upload.id(), other.id(), "file_nope")), first)
                .items())
        .containsExactly(other, upload);
    assertThat(
            files()
                .list(ws, new FileFilter("sesn_one", List.of(upload.id(), out1.id())), first)
                .items())
        .containsExactly(out1);
    assertThat(files().list(ws, FileFilter.ALL, first).items()).hasSize(4);
  }

  @Test
  void delete_returnsTheRemovedRecordOnce_andCountByBlobCountsEveryWorkspace() {
    String a = freshWorkspace();
    String b = freshWorkspace();
    Instant base = StoreFixtures.uniqueEpoch();
    String blob = StoreFixtures.blobAddress();
    FileRecord one = files().create(a, StoreFixtures.file(base, null, blob));
    FileRecord two = files().create(b, StoreFixtures.file(base, null, blob));
    assertThat(files().countByBlob(blob)).isEqualTo(2);
    assertThat(files().countByBlob(StoreFixtures.blobAddress())).isZero();
    assertThat(files().delete(a, one.id())).contains(one);
    assertThat(files().delete(a, one.id())).isEmpty();
    assertThat(files().find(a, one.id())).isEmpty();
    assertThat(files().countByBlob(blob)).isEqualTo(1);
    assertThat(files().delete(b, two.id())).contains(two);
    assertThat(files().countByBlob(blob)).isZero();
  }

  @Test
  void expired_findsFilesAtOrPastTheirExpiry_inEveryWorkspace() {
    String a = freshWorkspace();
    String b = freshWorkspace();
    Instant now = StoreFixtures.uniqueEpoch();
    FileRecord past = files().create(a, StoreFixtures.expiring(now.minusSeconds(1)));
    FileRecord exact = files().create(b, StoreFixtures.expiring(now));
    FileRecord future = files().create(a, StoreFixtures.expiring(now.plusMillis(1)));
    FileRecord never = files().create(a, StoreFixtures.file(now.minusSeconds(99), null));
    List<FileRepository.ExpiredFile> found = files().expired(now, 10_000);
    assertThat(found)
        .contains(
            new FileRepository.ExpiredFile(a, past), new FileRepository.ExpiredFile(b, exact));
    assertThat(found).extracting(e -> e.file().id()).doesNotContain(future.id(), never.id());
    assertThat(files().expired(now, 1)).hasSize(1);
  }

  @Test
  void files_surviveCloseAndReopen() {
    String ws = freshWorkspace();
    FileRecord f = files().create(ws, StoreFixtures.file(StoreFixtures.uniqueEpoch(), "sesn_d"));
    reopen();
    assertThat(files().find(ws, f.id())).contains(f);
  }
}
