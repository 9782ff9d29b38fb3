package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.blob.BlobLocation;
import dev.agentry.core.BlobRef;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob store is configured at start-up and reachable by the routes through {@link Api}. */
class BlobWiringTest {
  @TempDir Path dataDir;

  @Test
  void byDefault_blobsLiveInTheDataDirectory() {
    try (TestServer server = new TestServer(dataDir, null)) {
      BlobRef ref =
          server
              .server
              .blobs()
              .put(new ByteArrayInputStream("stored".getBytes(StandardCharsets.UTF_8)));

      String a = ref.address();
      assertThat(dataDir.resolve("blobs").resolve(a.substring(0, 2)).resolve(a.substring(2, 4)))
          .isDirectoryContaining(p -> p.getFileName().toString().equals(a));
    }
  }

  @Test
  void anS3Url_isParsedWithItsEndpoint() {
    ServerConfig config =
        ServerConfig.fromEnv(
            Map.of(
                "AGENTRY_BLOB_URL", "s3://team-blobs/agentry/prod",
                "AGENTRY_BLOB_ENDPOINT", "http://127.0.0.1:9000"));

    assertThat(config.blobs())
        .isEqualTo(
            new BlobLocation.S3(
                "team-blobs",
                "agentry/prod",
                Optional.of(java.net.URI.create("http://127.0.0.1:9000"))));
  }

  @Test
  void badBlobSettings_stopStartUp_namingTheKey() {
    assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("AGENTRY_BLOB_URL", "gs://bucket")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("AGENTRY_BLOB_URL ");
    assertThatThrownBy(
            () -> ServerConfig.fromEnv(Map.of("AGENTRY_BLOB_ENDPOINT", "http://127.0.0.1:9000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("AGENTRY_BLOB_ENDPOINT ");
    assertThatThrownBy(
            () ->
                ServerConfig.builder(Map.of())
                    .blobUrl("s3://bucket")
                    .blobEndpoint("ftp://minio")
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("AGENTRY_BLOB_ENDPOINT ");
  }
}
