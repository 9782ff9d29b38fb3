package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import dev.agentry.core.FileRecord;
import dev.agentry.core.Workspace;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers (two nodes) sharing one PostgreSQL database and one S3 bucket (S3Proxy), each with
 * its own data directory: a file uploaded through one is listed, downloaded and deleted through the
 * other, and a session's outputs stored on one are listed on the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilesTwoNodeTest {
  @TempDir static Path dirA;
  @TempDir static Path dirB;
  PostgresTestDatabase database;
  S3ProxyServer s3;
  TestServer nodeA;
  TestServer nodeB;

  @BeforeAll
  void start() {
    database = new PostgresTestDatabase();
    String url = database.create();
    s3 = S3ProxyServer.start("agentry-files");
    s3.useAsDefaultCredentials();
    Map<String, String> env = new HashMap<>();
    env.put("AGENTRY_MODEL_CHECK", "form");
    env.put("AGENTRY_BLOB_URL", s3.blobUrl("cluster"));
    env.put("AGENTRY_BLOB_ENDPOINT", s3.endpoint().toString());
    nodeA = new TestServer(dirA, url, env);
    nodeB = new TestServer(dirB, url, env);
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB, s3, database}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static List<String> blobs(TestServer node) {
    List<String> out = new ArrayList<>();
    node.server.blobs().list("", ref -> out.add(ref.address()));
    return out;
  }

  @Test
  void aFileUploadedThroughA_isListedDownloadedAndDeletedThroughB() throws Exception {
    AnthropicClient a = nodeA.sdk();
    AnthropicClient b = nodeB.sdk();
    byte[] bytes = FilesApiTest.random(3_000_000, 42);
    BetaFileMetadata up =
        a.beta()
            .files()
            .upload(
                FileUploadParams.builder()
                    .file(new ByteArrayInputStream(bytes))
                    .expiresInSeconds(86_400)
                    .build());
    assertThat(nodeA.server.blobs().describe()).startsWith("s3://agentry-files/cluster");

    assertThat(b.beta().files().retrieveMetadata(up.id())).isEqualTo(up);
    assertThat(b.beta().files().list().data()).extracting(BetaFileMetadata::id).contains(up.id());
    assertThat(FilesApiTest.download(b, up.id())).isEqualTo(bytes);
    // one bucket: both nodes see the one blob
    assertThat(blobs(nodeB)).hasSize(1).isEqualTo(blobs(nodeA));

    b.beta().files().delete(up.id());
    assertThatThrownBy(() -> a.beta().files().retrieveMetadata(up.id()))
        .isInstanceOf(NotFoundException.class);
    assertThat(blobs(nodeA)).isEmpty();
  }

  @Test
  void outputsStoredOnA_areListedAndDownloadableOnB() {
    FileRecord out =
        nodeA
            .server
            .files()
            .storeOutput(
                Workspace.DEFAULT_ID,
                "sesn_twonode",
                "summary.md",
                "text/markdown",
                new ByteArrayInputStream("# done".getBytes(StandardCharsets.UTF_8)));
    AnthropicClient b = nodeB.sdk();
    List<BetaFileMetadata> listed =
        b.beta().files().list(FileListParams.builder().scopeId("sesn_twonode").build()).data();
    assertThat(listed).extracting(BetaFileMetadata::id).containsExactly(out.id());
    assertThat(FilesApiTest.download(b, out.id()))
        .isEqualTo("# done".getBytes(StandardCharsets.UTF_8));
    nodeB.sdk().beta().files().delete(out.id());
  }
}
