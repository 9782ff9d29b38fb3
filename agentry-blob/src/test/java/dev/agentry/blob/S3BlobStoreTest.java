package dev.agentry.blob;

import static org.awaitility.Awaitility.await;

import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import dev.agentry.testkit.BlobStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The contract against a real S3 server: S3Proxy over jclouds' in-memory backend, on a loopback
 * port, started once for the class. Each test gets its own key prefix in one bucket.
 */
class S3BlobStoreTest extends BlobStoreContract {
  private static final String BUCKET = "agentry-blobs";
  private static final String ACCESS_KEY = "test-access-key";
  private static final String SECRET_KEY = "test-secret-key";
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private static BlobStoreContext backend;
  private static S3Proxy proxy;
  private static S3Client admin;

  @TempDir Path dataDir;
  private String prefix;

  @BeforeAll
  static void startS3() throws Exception {
    backend =
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class);
    proxy =
        S3Proxy.builder()
            .blobStore(backend.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    proxy.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
    admin =
        S3Client.builder()
            .endpointOverride(endpoint())
            .forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .httpClientBuilder(software.amazon.awssdk.http.apache5.Apache5HttpClient.builder())
            .build();
    admin.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (proxy != null) {
      proxy.stop();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private static URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  @Override
  protected BlobStore newStore() {
    prefix = "tenant/test-" + PREFIXES.incrementAndGet();
    return BlobStores.fromEnv(
        Map.of(
            "AGENTRY_BLOB_URL",
            "s3://" + BUCKET + "/" + prefix + "/",
            "AGENTRY_BLOB_ENDPOINT",
            endpoint().toString(),
            "AWS_ACCESS_KEY_ID",
            ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY",
            SECRET_KEY),
        dataDir);
  }

  @Override
  protected List<String> leftovers() {
    List<String> found = new ArrayList<>();
    for (S3Object o :
        admin.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix + "/")).contents()) {
      if (!BlobRef.isAddress(o.key().substring(prefix.length() + 1))) {
        found.add("s3://" + BUCKET + "/" + o.key());
      }
    }
    Path spool = dataDir.resolve("blob-uploads");
    if (Files.isDirectory(spool)) {
      try (Stream<Path> files = Files.list(spool)) {
        files.map(Path::toString).forEach(found::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return found;
  }
}
