package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.BadRequestException;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileUploadParams;
import dev.agentry.core.Workspace;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Files API's operator settings: the periodic sweep, and uploads the hosted way. */
class FilesSettingsTest {
  @TempDir Path dataDir;

  @Test
  void thePeriodicSweep_deletesExpiredFilesAndTheirBlobs_onItsOwn() {
    SettableClock clock = new SettableClock();
    try (TestServer server =
        new TestServer(
            dataDir,
            null,
            Map.of("AGENTRY_MODEL_CHECK", "form", "AGENTRY_FILES_SWEEP_MS", "100"),
            clock)) {
      AnthropicClient sdk = server.sdk();
      BetaFileMetadata f =
          sdk.beta()
              .files()
              .upload(
                  FileUploadParams.builder()
                      .file("expiring".getBytes(StandardCharsets.UTF_8))
                      .expiresInSeconds(3600)
                      .build());
      List<String> blobs = new ArrayList<>();
      server.server.blobs().list("", ref -> blobs.add(ref.address()));
      assertThat(blobs).hasSize(1);

      clock.advance(Duration.ofHours(2));

      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> server.server.store().files().find(Workspace.DEFAULT_ID, f.id()).isEmpty());
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> !server.server.blobs().exists(blobs.get(0)));
    }
  }

  @Test
  void uploadsNotDownloadable_asTheHostedApi_whenTheOperatorSaysSo_outputsStillAre() {
    try (TestServer server =
        new TestServer(
            dataDir,
            null,
            Map.of("AGENTRY_MODEL_CHECK", "form", "AGENTRY_UPLOADS_DOWNLOADABLE", "false"))) {
      AnthropicClient sdk = server.sdk();
      BetaFileMetadata up =
          sdk.beta()
              .files()
              .upload(
                  FileUploadParams.builder()
                      .file("input".getBytes(StandardCharsets.UTF_8))
                      .build());
      assertThat(up.downloadable()).contains(false);
      assertThatThrownBy(() -> FilesApiTest.download(sdk, up.id()))
          .isInstanceOfSatisfying(
              BadRequestException.class,
              e -> assertThat(e.errorCode()).contains("file_not_downloadable"));

      var out =
          server
              .server
              .files()
              .storeOutput(
                  Workspace.DEFAULT_ID,
                  "sesn_settings",
                  "result.txt",
                  "text/plain",
                  new ByteArrayInputStream("output".getBytes(StandardCharsets.UTF_8)));
      assertThat(FilesApiTest.download(sdk, out.id()))
          .isEqualTo("output".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void badSettings_stopStartUp_namingTheVariable() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("AGENTRY_MAX_UPLOAD_BYTES", "0")))
        .hasMessageStartingWith("AGENTRY_MAX_UPLOAD_BYTES ");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("AGENTRY_UPLOADS_DOWNLOADABLE", "yes")))
        .hasMessageStartingWith("AGENTRY_UPLOADS_DOWNLOADABLE ");
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("AGENTRY_FILES_SWEEP_MS", "5")))
        .hasMessageStartingWith("AGENTRY_FILES_SWEEP_MS ");
    assertThat(ServerConfig.fromEnv(Map.of()).files()).isEqualTo(FileSettings.DEFAULTS);
  }
}
