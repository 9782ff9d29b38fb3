package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packing a skill's files and extracting a version's archive, paths checked both ways. */
class SkillArchiveTest {
  @TempDir Path dir;

  static Map<String, byte[]> files(String... pathsAndContents) {
    var out = new java.util.LinkedHashMap<String, byte[]>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      out.put(pathsAndContents[i], pathsAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void pack_readsQuotedFrontMatter_stripsTheTopFolder_andIsDeterministic() {
    String md = "---\nname: \"csv-kit\"\ndescription: 'Reads: CSV files.'\nlicense: MIT\n---\nbody";
    var first = SkillArchive.pack(files("kit/SKILL.md", md, "kit/lib/a.py", "print(1)"));
    var again = SkillArchive.pack(files("SKILL.md", md, "lib/a.py", "print(1)"));
    assertThat(first.name()).isEqualTo("csv-kit");
    assertThat(first.description()).isEqualTo("Reads: CSV files.");
    assertThat(again.zip()).as("same files, same archive (one shared blob)").isEqualTo(first.zip());
  }

  @Test
  void pack_refusesASkillMdBelowTheRoot_whenFilesHaveNoCommonFolder() {
    assertThatThrownBy(
            () ->
                SkillArchive.pack(
                    files("a/SKILL.md", "---\nname: a\ndescription: d\n---\n", "b/x", "x")))
        .isInstanceOf(ApiError.class)
        .hasMessageContaining("SKILL.md is required at the skill's root");
  }

  @Test
  void extract_putsFilesUnderDest_executable() throws IOException {
    var packed =
        SkillArchive.pack(
            files("SKILL.md", "---\nname: runner\ndescription: d\n---\n", "bin/go.sh", "echo"));
    Path dest = dir.resolve("runner");
    dev.agentry.sandbox.SkillFolder.extract(new ByteArrayInputStream(packed.zip()), dest);
    assertThat(dest.resolve("SKILL.md")).exists();
    assertThat(Files.getPosixFilePermissions(dest.resolve("bin/go.sh")))
        .contains(PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OWNER_EXECUTE);
  }

  @Test
  void extract_refusesAnEntryThatClimbsOutOfItsFolder_andWritesNothingThere() {
    byte[] evil = SkillsApiTest.zip(Map.of("s/SKILL.md", "x", "s/../../escaped.txt", "x"));
    Path dest = dir.resolve("deep/s");
    assertThatThrownBy(
            () -> dev.agentry.sandbox.SkillFolder.extract(new ByteArrayInputStream(evil), dest))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("outside the skill's folder");
    assertThat(dir.resolve("escaped.txt")).doesNotExist();
    assertThat(dir.resolve("deep/escaped.txt")).doesNotExist();
  }
}
