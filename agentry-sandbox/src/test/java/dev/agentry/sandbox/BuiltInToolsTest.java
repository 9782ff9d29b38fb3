package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentry.core.SandboxLimits;
import dev.agentry.core.SandboxProvider;
import dev.agentry.core.ToolOutcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltInToolsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SID = "sesn_tools";
  static final SandboxLimits LIMITS = SandboxManagerTest.LIMITS;

  @TempDir static Path dataDir;
  static ScheduledExecutorService scheduler;
  static SandboxManager manager;
  static BuiltInTools tools;
  static Path ws;

  @BeforeAll
  static void start() {
    SandboxManagerTest.traversable(dataDir);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Workspaces workspaces = Workspaces.of(dataDir);
    manager =
        SandboxManager.create(
            Sandboxes.bubblewrap(), workspaces, LIMITS, Clock.systemUTC(), scheduler);
    tools = BuiltInTools.create(manager, LIMITS, id -> id.equals("sesn_net"));
    ws = workspaces.create(SID);
  }

  @AfterAll
  static void stop() {
    manager.close();
    scheduler.shutdownNow();
  }

  static ToolOutcome run(String tool, String json) {
    return run(SID, tool, json);
  }

  static ToolOutcome run(String session, String tool, String json) {
    try {
      JsonNode input = JSON.readTree(json.replace('\'', '"'));
      return tools.execute(session, tool, input);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  // bash

  @Test
  void bash_runsACommand_andReportsItsOutput() {
    ToolOutcome out = run("bash", "{'command': 'echo hello; id -u'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).isEqualTo("hello\n1000\n");
  }

  @Test
  void bash_nonZeroExit_isReportedAfterTheOutput() {
    ToolOutcome out = run("bash", "{'command': 'echo oops; (exit 2)'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).isEqualTo("oops\n[exit code: 2]");
  }

  @Test
  void bash_keepsWorkingDirectoryAndExportsBetweenCalls_untilRestart() {
    run("bash", "{'command': 'mkdir -p deep/er && cd deep/er && export GREETING=hi'}");
    assertThat(run("bash", "{'command': 'pwd; echo $GREETING'}").text())
        .isEqualTo("/workspace/deep/er\nhi\n");

    ToolOutcome restarted = run("bash", "{'restart': true}");
    assertThat(restarted.isError()).isFalse();
    assertThat(run("bash", "{'command': 'pwd; echo \\\"[$GREETING]\\\"'}").text())
        .isEqualTo("/workspace\n[]\n");
  }

  @Test
  void bash_restartWithCommand_runsItInAFreshShell() {
    run("bash", "{'command': 'export LEFT=over'}");
    assertThat(run("bash", "{'restart': true, 'command': 'echo \\\"[$LEFT]\\\"'}").text())
        .isEqualTo("[]\n");
  }

  @Test
  void bash_timeoutMs_killsTheCommand_andTheShellSurvives() {
    run("bash", "{'command': 'export SURVIVES=1'}");
    long start = System.nanoTime();
    ToolOutcome out = run("bash", "{'command': 'sleep 30', 'timeout_ms': 500}");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(out.isError()).isTrue();
    assertThat(out.text()).contains("timed out after 500 ms");
    assertThat(run("bash", "{'command': 'echo $SURVIVES'}").text()).isEqualTo("1\n");
  }

  @Test
  void bash_timeoutMsAboveTheMaximum_isRefused() {
    ToolOutcome out = run("bash", "{'command': 'true', 'timeout_ms': 30001}");
    assertThat(out.isError()).isTrue();
    assertThat(out.text()).contains("timeout_ms").contains("30000");
  }

  @Test
  void bash_hugeOutput_isCutWithANote() {
    ToolOutcome out = run("bash", "{'command': 'head -c 300000 /dev/zero | tr \\\"\\\\0\\\" a'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text().getBytes(StandardCharsets.UTF_8).length).isLessThan(110 * 1024);
    assertThat(out.text().split("\\[output truncated", -1)).hasSize(2);
  }

  @Test
  void bash_badInput_namesTheField() {
    assertThat(run("bash", "{}").text()).contains("'command'");
    assertThat(run("bash", "{'command': 42}").text()).contains("'command'").contains("string");
    assertThat(run("bash", "{'command': 'true', 'timeout_ms': 'soon'}").text())
        .contains("'timeout_ms'");
    assertThat(run("bash", "{'command': 'true', 'restart': 'yes'}").text()).contains("'restart'");
  }

  @Test
  void bash_behindTheEgressProxy_addsNoNetworkNote() {
    ToolOutcome out = run("sesn_net", "bash", "{'command': 'echo hi'}");
    assertThat(out.text()).isEqualTo("hi\n");
  }

  @Test
  void bash_withoutAnEgressProxy_whenTheEnvironmentAskedForNetwork_saysItIsNotAvailable()
      throws java.io.IOException {
    SandboxProvider real = Sandboxes.bubblewrap();
    SandboxProvider plain =
        new SandboxProvider() {
          @Override
          public dev.agentry.core.Sandbox provision(
              String sessionId, Path workspace, SandboxLimits limits) {
            return real.provision(sessionId, workspace, limits);
          }

          @Override
          public java.util.Map<String, String> enforcement() {
            return real.enforcement();
          }
        };
    try (SandboxManager m =
        SandboxManager.create(
            plain, Workspaces.of(dataDir), LIMITS, Clock.systemUTC(), scheduler)) {
      BuiltInTools t = BuiltInTools.create(m, LIMITS, id -> id.equals("sesn_net"));
      ToolOutcome out = t.execute("sesn_net", "bash", JSON.readTree("{\"command\": \"echo hi\"}"));
      assertThat(out.text()).startsWith("hi\n").endsWith(BuiltInTools.NO_NETWORK_NOTE);
      assertThat(t.execute(SID, "bash", JSON.readTree("{\"command\": \"echo hi\"}")).text())
          .doesNotContain("network");
    }
  }

  @Test
  void unknownTool_isAnErrorOutcome() {
    ToolOutcome out = run("web_fetch", "{'url': 'https://example.com'}");
    assertThat(out.isError()).isTrue();
    assertThat(out.text()).contains("unknown tool 'web_fetch'");
  }

  // read

  @Test
  void read_showsNumberedLines() throws Exception {
    put("r.txt", "alpha\nbeta\ngamma\n");
    ToolOutcome out = run("read", "{'file_path': 'r.txt'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).isEqualTo("     1\talpha\n     2\tbeta\n     3\tgamma\n");
  }

  @Test
  void read_viewRange_isOneBasedInclusive_andMinusOneMeansToTheEnd() throws Exception {
    put("range.txt", "1\n2\n3\n4\n5\n");
    assertThat(run("read", "{'file_path': '/workspace/range.txt', 'view_range': [2, 3]}").text())
        .isEqualTo("     2\t2\n     3\t3\n");
    assertThat(run("read", "{'file_path': 'range.txt', 'view_range': [4, -1]}").text())
        .isEqualTo("     4\t4\n     5\t5\n");
    assertThat(run("read", "{'file_path': 'range.txt', 'view_range': [9, -1]}").text())
        .contains("past the end");
    assertThat(run("read", "{'file_path': 'range.txt', 'view_range': [0, 2]}").text())
        .contains("'view_range'");
  }

  @Test
  void read_errors_forADirectoryAMissingFileABinaryFileAndBadInput() throws Exception {
    put("adir/keep", "");
    put("nul.bin", new byte[] {'a', 0, 'b'});
    put("latin1.txt", new byte[] {'c', 'a', 'f', (byte) 0xe9});

    assertThat(run("read", "{'file_path': 'adir'}")).satisfies(o -> errorWith(o, "directory"));
    assertThat(run("read", "{'file_path': 'missing.txt'}"))
        .satisfies(o -> errorWith(o, "does not exist"));
    assertThat(run("read", "{'file_path': 'nul.bin'}")).satisfies(o -> errorWith(o, "binary"));
    assertThat(run("read", "{'file_path': 'latin1.txt'}")).satisfies(o -> errorWith(o, "UTF-8"));
    assertThat(run("read", "{}")).satisfies(o -> errorWith(o, "'file_path'"));
    assertThat(run("read", "{'file_path': ['a']}")).satisfies(o -> errorWith(o, "'file_path'"));
  }

  @Test
  void read_fileOver256KiB_isRefusedWithoutViewRange_andReadableWithIt() throws Exception {
    put("big.txt", ("x".repeat(99) + "\n").repeat(3000));
    assertThat(run("read", "{'file_path': 'big.txt'}")).satisfies(o -> errorWith(o, "view_range"));
    assertThat(run("read", "{'file_path': 'big.txt', 'view_range': [2999, -1]}").text())
        .isEqualTo("  2999\t" + "x".repeat(99) + "\n  3000\t" + "x".repeat(99) + "\n");
  }

  // write and edit

  @Test
  void write_createsParentFolders_andReportsBytes() throws Exception {
    ToolOutcome out = run("write", "{'file_path': 'new/sub/w.txt', 'content': 'héllo'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).isEqualTo("Wrote 6 bytes to /workspace/new/sub/w.txt");
    assertThat(ws.resolve("new/sub/w.txt")).hasContent("héllo");
    assertThat(run("write", "{'file_path': 'x.txt'}")).satisfies(o -> errorWith(o, "'content'"));
  }

  @Test
  void edit_replacesAUniqueString_andRefusesAbsentOrAmbiguousOnes() throws Exception {
    put("e.txt", "one two two three\n");

    assertThat(run("edit", "{'file_path': 'e.txt', 'old_string': 'one', 'new_string': '1'}").text())
        .isEqualTo("Made 1 replacement in /workspace/e.txt");
    assertThat(run("edit", "{'file_path': 'e.txt', 'old_string': 'four', 'new_string': '4'}"))
        .satisfies(o -> errorWith(o, "not found"));
    assertThat(run("edit", "{'file_path': 'e.txt', 'old_string': 'two', 'new_string': '2'}"))
        .satisfies(o -> errorWith(o, "2 times"));
    assertThat(ws.resolve("e.txt")).hasContent("1 two two three\n");

    String all =
        "{'file_path': 'e.txt', 'old_string': 'two', 'new_string': '2', 'replace_all': true}";
    assertThat(run("edit", all).text()).isEqualTo("Made 2 replacements in /workspace/e.txt");
    assertThat(ws.resolve("e.txt")).hasContent("1 2 2 three\n");
    assertThat(run("edit", "{'file_path': 'e.txt', 'old_string': 'x'}"))
        .satisfies(o -> errorWith(o, "'new_string'"));
  }

  // glob and grep

  @Test
  void glob_matchesRecursively_newestFirst() throws Exception {
    Path older = put("g/src/deep/old.java", "");
    Path newer = put("g/src/new.java", "");
    put("g/readme.md", "");
    Files.setLastModifiedTime(older, FileTime.fromMillis(1_000_000_000_000L));
    Files.setLastModifiedTime(newer, FileTime.fromMillis(1_700_000_000_000L));

    ToolOutcome out = run("glob", "{'pattern': '**/*.java', 'path': 'g'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).isEqualTo("/workspace/g/src/new.java\n/workspace/g/src/deep/old.java");
    assertThat(run("glob", "{'pattern': 'g/*.md'}").text()).isEqualTo("/workspace/g/readme.md");
    assertThat(run("glob", "{'pattern': '*.nothing'}").text()).contains("No files matched");
  }

  @Test
  void glob_returnsAtMost200Files_withANote() throws Exception {
    for (int i = 0; i < 250; i++) {
      put("many/f" + i + ".txt", "");
    }
    ToolOutcome out = run("glob", "{'pattern': '*.txt', 'path': 'many'}");
    assertThat(out.text().lines().filter(l -> l.startsWith("/workspace/"))).hasSize(200);
    assertThat(out.text()).contains("250 files matched");
  }

  @Test
  void grep_findsMatchesRecursively_andHonoursGitignore() throws Exception {
    put("gr/.git/HEAD", "ref: refs/heads/main\n");
    put("gr/.gitignore", "ignored.txt\n");
    put("gr/ignored.txt", "needle\n");
    put("gr/a.txt", "hay\nneedle 1\n");
    put("gr/b.txt", "needles\n");

    ToolOutcome out = run("grep", "{'pattern': 'needle\\\\s?\\\\d?$', 'path': 'gr'}");
    assertThat(out.isError()).isFalse();
    assertThat(out.text().lines().sorted()).containsExactly("gr/a.txt:2:needle 1");
    assertThat(run("grep", "{'pattern': 'zzz_absent', 'path': 'gr'}").text())
        .contains("No matches");
    assertThat(run("grep", "{'pattern': '(', 'path': 'gr'}")).satisfies(o -> errorWith(o, "regex"));
  }

  @Test
  void grep_output_isCappedAt100KiB() throws Exception {
    put("hits.txt", ("match " + "y".repeat(60) + "\n").repeat(5000));
    ToolOutcome out = run("grep", "{'pattern': 'match', 'path': 'hits.txt'}");
    assertThat(out.text().getBytes(StandardCharsets.UTF_8).length).isLessThan(101 * 1024);
    assertThat(out.text()).contains("truncated");
  }

  static Path put(String rel, String text) {
    return SandboxManagerTest.put(ws, rel, text);
  }

  static Path put(String rel, byte[] bytes) {
    return SandboxManagerTest.put(ws, rel, bytes);
  }

  static void errorWith(ToolOutcome outcome, String text) {
    assertThat(outcome.isError()).as(outcome.text()).isTrue();
    assertThat(outcome.text()).contains(text);
  }
}
