package dev.agentry.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MemoryFolder} against an in-memory store: the folder is the sandbox's to write, so a link
 * it makes must never lead a pull outside the folder; and the three-way rules send a local change,
 * receive a store change and let the store win a change on both sides.
 */
class MemoryFolderTest {
  @TempDir Path dir;
  final FakeStore store = new FakeStore();
  final List<String> conflicts = new ArrayList<>();

  final MemoryFolder.Outcome outcome =
      new MemoryFolder.Outcome() {
        @Override
        public void conflict(String path) {
          conflicts.add(path);
        }

        @Override
        public void refused(String path, String reason, boolean removed) {
          conflicts.add("refused " + path);
        }
      };

  MemoryFolder folder() {
    return new MemoryFolder(
        dir.resolve("folder"), dir.resolve(".base.json"), false, MemoryFolder.Deletes.AT_ONCE);
  }

  @Test
  void aPullNeverWritesThroughALinkTheSandboxMade() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createDirectories(dir.resolve("folder"));
    Files.createSymbolicLink(dir.resolve("folder/notes"), outside);
    store.put("/notes/evil.md", "written through the link");

    folder().sync(store, outcome);

    assertThat(outside.resolve("evil.md")).doesNotExist();
  }

  @Test
  void aLocalChangeIsSent_aStoreChangeIsReceived_andBothChangedKeepsTheStores() throws Exception {
    store.put("/a.md", "a1");
    store.put("/b.md", "b1");
    MemoryFolder folder = folder();
    folder.sync(store, outcome);
    Path a = dir.resolve("folder/a.md");
    Path b = dir.resolve("folder/b.md");
    assertThat(a).hasContent("a1");

    Files.writeString(a, "a2 (local)");
    store.put("/b.md", "b2 (store)");
    folder.sync(store, outcome);
    assertThat(store.content("/a.md")).isEqualTo("a2 (local)");
    assertThat(b).hasContent("b2 (store)");

    Files.writeString(a, "a3 (local)");
    store.put("/a.md", "a3 (store)");
    folder.sync(store, outcome);
    assertThat(a).hasContent("a3 (store)");
    assertThat(store.content("/a.md")).isEqualTo("a3 (store)");
    assertThat(conflicts).containsExactly("/a.md");
  }

  /** A store in memory; writes check their precondition as the real ones do. */
  static final class FakeStore implements MemoryFolder.Remote {
    private final Map<String, String> byPath = new TreeMap<>();

    void put(String path, String content) {
      byPath.put(path, content);
    }

    String content(String path) {
      return byPath.get(path);
    }

    private static Memory memory(String path, String content) {
      return new Memory(
          path,
          "store",
          path,
          content,
          MemoryContent.sha256(content),
          MemoryContent.size(content),
          "v",
          null,
          null);
    }

    @Override
    public List<Memory> list() {
      return byPath.entrySet().stream().map(e -> memory(e.getKey(), e.getValue())).toList();
    }

    @Override
    public Optional<String> content(Memory m) {
      return Optional.ofNullable(byPath.get(m.path()));
    }

    @Override
    public Optional<Memory> findByPath(String path) {
      return Optional.ofNullable(byPath.get(path)).map(c -> memory(path, c));
    }

    @Override
    public Memory create(String path, String content) {
      byPath.put(path, content);
      return memory(path, content);
    }

    @Override
    public Memory update(Memory m, String content, String expectedSha256) {
      check(m.path(), expectedSha256);
      byPath.put(m.path(), content);
      return memory(m.path(), content);
    }

    @Override
    public void delete(Memory m, String expectedSha256) {
      check(m.path(), expectedSha256);
      byPath.remove(m.path());
    }

    private void check(String path, String expected) {
      String now = byPath.get(path);
      if (now == null || !MemoryContent.sha256(now).equals(expected)) {
        throw new MemoryRepository.PreconditionFailed(path + " changed");
      }
    }
  }
}
