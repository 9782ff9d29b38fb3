package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Files API through the official TypeScript SDK ({@code src/test/node/files}, pinned by its
 * package-lock.json), run by {@code node} against a real server. {@code node} and {@code npm} are
 * required (./test installs them); the SDK's packages are installed with {@code npm ci} into {@code
 * target/} on first use.
 */
class FilesTypeScriptSdkTest {
  private static final Path SOURCE = Path.of("src/test/node/files");
  private static final Path WORK = Path.of("target/node-files");

  @TempDir Path dataDir;

  @Test
  void uploadListDownloadDelete_throughTheTypeScriptSdk() throws Exception {
    prepare();
    try (TestServer server = new TestServer(dataDir, null)) {
      Result run =
          run(
              List.of("node", "files.mjs"),
              Map.of("AGENTRY_BASE_URL", server.baseUrl(), "AGENTRY_API_KEY", TestServer.KEY));
      assertThat(run.exit()).as(run.output()).isZero();
      String last = run.output().strip().lines().reduce((a, b) -> b).orElseThrow();
      JsonNode seen = Json.read(last, JsonNode.class);

      JsonNode up = seen.path("uploaded");
      assertThat(up.path("id").asText()).startsWith("file_");
      assertThat(up.path("type").asText()).isEqualTo("file");
      assertThat(up.path("filename").asText()).isEqualTo("report.bin");
      assertThat(up.path("mime_type").asText()).isEqualTo("application/x-test");
      assertThat(up.path("size_bytes").asLong()).isEqualTo(70_000);
      assertThat(up.path("expires_at").asText()).isNotEmpty();
      assertThat(seen.path("retrieved")).isEqualTo(up);
      // newest first, one per page, followed through next_page by the SDK's iterator
      assertThat(seen.path("pagedIds").toString())
          .isEqualTo(
              "[\"" + seen.path("secondId").asText() + "\",\"" + up.path("id").asText() + "\"]");
      assertThat(seen.path("byIds").toString()).isEqualTo("[\"" + up.path("id").asText() + "\"]");
      assertThat(seen.path("contentType").asText()).isEqualTo("application/x-test");
      assertThat(seen.path("downloadedBytes").asInt()).isEqualTo(70_000);
      assertThat(seen.path("same").asBoolean()).isTrue();
      assertThat(seen.path("deleted").path("type").asText()).isEqualTo("file_deleted");
      assertThat(seen.path("afterDelete").asText()).isEqualTo("not_found");
      assertThat(
              server
                  .server
                  .store()
                  .files()
                  .list(
                      dev.agentry.core.Workspace.DEFAULT_ID,
                      dev.agentry.core.FileFilter.ALL,
                      dev.agentry.core.PageRequest.first(10, dev.agentry.core.SortOrder.DESC))
                  .items())
          .isEmpty();
    }
  }

  /** Copies the script and its package files into target/ and installs the pinned packages. */
  private static void prepare() throws Exception {
    Files.createDirectories(WORK);
    for (String f : List.of("package.json", "package-lock.json", "files.mjs")) {
      Files.copy(SOURCE.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(WORK.resolve("node_modules/@anthropic-ai/sdk"))) {
      Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of());
      assertThat(install.exit()).as("npm ci: " + install.output()).isZero();
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(command + " did not finish in 5 minutes");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
