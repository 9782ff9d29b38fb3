package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.ToolOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file tool refuses paths that leave the workspace, by {@code ..}, by absolute path, or
 * through a symlink (to a file, dangling, as a parent folder, to another session's workspace), and
 * leaves the host file unread and untouched.
 */
class FileToolEscapeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SID = "sesn_victim";
  static final String SECRET = "TOP-SECRET-HOST-CONTENT";

  @TempDir static Path dataDir;
  static ScheduledExecutorService scheduler;
  static SandboxManager manager;
  static BuiltInTools tools;
  static Path ws;
  static Path hostSecret;
  static Path otherSecret;

  @BeforeAll
  static void start() throws Exception {
    SandboxManagerTest.traversable(dataDir);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Workspaces workspaces = Workspaces.of(dataDir);
    manager =
        SandboxManager.create(
            Sandboxes.bubblewrap(),
            workspaces,
            SandboxManagerTest.LIMITS,
            Clock.systemUTC(),
            scheduler);
    tools = BuiltInTools.create(manager, SandboxManagerTest.LIMITS);
    ws = workspaces.create(SID);
    hostSecret = Files.writeString(dataDir.resolve("secret.txt"), SECRET + "\n");
    Path other = workspaces.create("sesn_other");
    otherSecret = Files.writeString(other.resolve("notes.txt"), SECRET + "\n");
    SandboxManagerTest.put(ws, "inside.txt", "fine\n");
    Files.createSymbolicLink(ws.resolve("shadowlink"), Path.of("/etc/shadow"));
    Files.createSymbolicLink(ws.resolve("hostlink"), hostSecret);
    Files.createSymbolicLink(ws.resolve("dangling"), Path.of("/tmp/agentry-escape-created"));
    Files.createSymbolicLink(ws.resolve("etcdir"), Path.of("/etc"));
    Files.createSymbolicLink(ws.resolve("datadir"), dataDir);
    Files.createSymbolicLink(ws.resolve("otherws"), other);
    Files.createSymbolicLink(ws.resolve("relup"), Path.of("../../../../../../etc"));
  }

  @AfterAll
  static void stop() {
    manager.close();
    scheduler.shutdownNow();
  }

  /** Paths that must be refused by every tool, for reading and for writing. */
  static List<String> escapingPaths() {
    return List.of(
        "../x",
        "../../../etc/passwd",
        "/workspace/../etc/passwd",
        "/etc/passwd",
        "/etc/shadow",
        "/tmp/x",
        "/proc/1/environ",
        dataDir.resolve("secret.txt").toString(),
        "shadowlink",
        "hostlink",
        "dangling",
        "etcdir/passwd",
        "etcdir/x",
        "relup/passwd",
        "datadir/secret.txt",
        "otherws/notes.txt",
        "otherws/new.txt");
  }

  static Stream<Arguments> everyToolAndPath() {
    List<Arguments> all = new ArrayList<>();
    for (String path : escapingPaths()) {
      all.add(Arguments.of("read", input("file_path", path)));
      all.add(Arguments.of("write", input("file_path", path).put("content", "pwned")));
      all.add(
          Arguments.of(
              "edit",
              input("file_path", path).put("old_string", "root").put("new_string", "pwned")));
      all.add(Arguments.of("glob", input("path", path).put("pattern", "*")));
      all.add(Arguments.of("grep", input("path", path).put("pattern", ".")));
    }
    return all.stream();
  }

  static ObjectNode input(String field, String value) {
    return JSON.createObjectNode().put(field, value);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyToolAndPath")
  void fileTool_pathOutsideTheWorkspace_isRefused_andTheHostIsUntouched(
      String tool, ObjectNode input) throws Exception {
    ToolOutcome out = tools.execute(SID, tool, input);

    assertThat(out.isError()).as(out.text()).isTrue();
    assertThat(out.text()).contains("outside the workspace").doesNotContain(SECRET);
    assertThat(out.text()).doesNotContain("root:");
    assertThat(hostSecret).hasContent(SECRET);
    assertThat(otherSecret).hasContent(SECRET);
    assertThat(Path.of("/tmp/agentry-escape-created")).doesNotExist();
    assertThat(Path.of("/etc/x")).doesNotExist();
    assertThat(otherSecret.resolveSibling("new.txt")).doesNotExist();
  }

  @Test
  void glob_patternWithDotDotOrAnOutsideAbsolutePattern_isRefused() {
    for (String pattern : List.of("../*", "../**/*", "/etc/*", "sub/../../*")) {
      ToolOutcome out = tools.execute(SID, "glob", input("pattern", pattern));
      assertThat(out.isError()).as(pattern + " → " + out.text()).isTrue();
    }
  }

  @Test
  void globAndGrep_overTheWholeWorkspace_doNotFollowSymlinksOut() {
    // Positive control: a file inside the workspace that the same grep and glob do find.
    SandboxManagerTest.put(ws, "controls/match.txt", "INSIDE-HOST-CONTENT\n");
    ToolOutcome grep = tools.execute(SID, "grep", input("pattern", "HOST-CONTENT|^root"));
    assertThat(grep.text()).doesNotContain(SECRET).doesNotContain("root:x");
    assertThat(grep.text()).as("grep searched the workspace").contains("controls/match.txt");

    ToolOutcome glob = tools.execute(SID, "glob", input("pattern", "**/*"));
    assertThat(glob.text()).doesNotContain("passwd").doesNotContain("notes.txt");
    assertThat(glob.text())
        .as("glob listed the workspace")
        .contains("inside.txt", "controls/match.txt");
  }

  @Test
  void symlinkThatStaysInsideTheWorkspace_isFollowed() throws Exception {
    Files.createSymbolicLink(ws.resolve("innerlink"), Path.of("/workspace/inside.txt"));
    Files.createSymbolicLink(ws.resolve("innernew"), Path.of("sub/created.txt"));

    assertThat(tools.execute(SID, "read", input("file_path", "innerlink")).text())
        .isEqualTo("     1\tfine\n");
    ToolOutcome write =
        tools.execute(SID, "write", input("file_path", "innernew").put("content", "via link"));
    assertThat(write.isError()).as(write.text()).isFalse();
    assertThat(ws.resolve("sub/created.txt")).hasContent("via link");
  }
}
