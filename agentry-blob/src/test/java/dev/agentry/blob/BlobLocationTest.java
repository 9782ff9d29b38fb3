package dev.agentry.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BlobLocationTest {
  private static final Path DATA = Path.of("/var/lib/agentry");

  @Test
  void unset_meansTheDataDirectorysBlobsFolder() {
    assertThat(BlobLocation.parse(null, null, DATA))
        .isEqualTo(new BlobLocation.Local(DATA.resolve("blobs")));
    assertThat(BlobLocation.parse(" ", "", DATA))
        .isEqualTo(new BlobLocation.Local(DATA.resolve("blobs")));
  }

  @Test
  void fileUrl_namesAnotherDirectory() {
    assertThat(BlobLocation.parse("file:///mnt/shared/blobs", null, DATA))
        .isEqualTo(new BlobLocation.Local(Path.of("/mnt/shared/blobs")));
  }

  @Test
  void s3Url_givesBucketPrefixAndEndpoint() {
    assertThat(BlobLocation.parse("s3://my-bucket", null, DATA))
        .isEqualTo(new BlobLocation.S3("my-bucket", "", Optional.empty()));
    assertThat(BlobLocation.parse("s3://my-bucket/a/b/", "https://minio.internal:9000", DATA))
        .isEqualTo(
            new BlobLocation.S3(
                "my-bucket", "a/b", Optional.of(URI.create("https://minio.internal:9000"))));
  }

  @Test
  void badValues_areRefusedNamingTheKey_withoutEchoingThem() {
    Map<String, String> badUrls =
        Map.of(
            "gs://bucket", "must be s3://",
            "s3://AKIA:secret@bucket/p", "must not carry credentials",
            "s3://b/p", "must name a bucket",
            "s3://bucket:9000/p", "must not have a port",
            "s3://bucket/a//b", "empty or '..' segments",
            "s3://bucket/a/../b", "empty or '..' segments",
            "file:relative/path", "file:///absolute/path",
            "s3://bucket/p?x=1", "a query");
    badUrls.forEach(
        (url, rule) ->
            assertThatThrownBy(() -> BlobLocation.parse(url, null, DATA))
                .as(url)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AGENTRY_BLOB_URL ")
                .hasMessageContaining(rule)
                .hasMessageNotContaining("secret"));
    assertThatThrownBy(() -> BlobLocation.parse(null, "http://minio:9000", DATA))
        .hasMessageStartingWith("AGENTRY_BLOB_ENDPOINT ");
    assertThatThrownBy(() -> BlobLocation.parse("s3://bucket", "minio:9000", DATA))
        .hasMessageStartingWith("AGENTRY_BLOB_ENDPOINT ");
    assertThatThrownBy(() -> BlobLocation.parse("s3://bucket", "http://u:pw@minio:9000", DATA))
        .hasMessageStartingWith("AGENTRY_BLOB_ENDPOINT ")
        .hasMessageNotContaining("pw");
  }

  @Test
  void halfGivenAwsKeys_areRefusedNamingTheMissingOne() {
    assertThatThrownBy(
            () ->
                BlobStores.fromEnv(
                    Map.of(
                        "AGENTRY_BLOB_URL", "s3://bucket",
                        "AGENTRY_BLOB_ENDPOINT", "http://127.0.0.1:9",
                        "AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
                    DATA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AWS_SECRET_ACCESS_KEY");
  }
}
