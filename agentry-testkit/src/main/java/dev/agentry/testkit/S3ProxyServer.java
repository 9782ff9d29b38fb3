package dev.agentry.testkit;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3-compatible server for tests and benchmarks: S3Proxy over jclouds' in-memory backend on
 * a free loopback port, with one bucket. A module that uses it declares {@code org.gaul:s3proxy}
 * itself (this module's dependency on it is optional).
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "test-access-key";
  public static final String SECRET_KEY = "test-secret-key";

  private final BlobStoreContext backend;
  private final S3Proxy proxy;
  private final String bucket;

  private S3ProxyServer(BlobStoreContext backend, S3Proxy proxy, String bucket) {
    this.backend = backend;
    this.proxy = proxy;
    this.bucket = bucket;
  }

  /** Starts a server holding an empty {@code bucket}. */
  public static S3ProxyServer start(String bucket) {
    BlobStoreContext backend =
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class);
    try {
      backend.getBlobStore().createContainerInLocation(null, bucket);
      S3Proxy proxy =
          S3Proxy.builder()
              .blobStore(backend.getBlobStore())
              .endpoint(URI.create("http://127.0.0.1:0"))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
              .build();
      proxy.start();
      Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
      while (!"STARTED".equals(proxy.getState())) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("S3Proxy did not start within 30 s");
        }
        Thread.sleep(20);
      }
      return new S3ProxyServer(backend, proxy, bucket);
    } catch (Exception e) {
      backend.close();
      throw new IllegalStateException("S3Proxy could not start: " + e.getMessage(), e);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** The {@code AGENTRY_BLOB_URL} of {@code prefix} in the bucket. */
  public String blobUrl(String prefix) {
    return "s3://" + bucket + "/" + prefix;
  }

  /**
   * The variables that point a blob store at {@code prefix} in the bucket, credentials included.
   */
  public Map<String, String> env(String prefix) {
    return Map.of(
        "AGENTRY_BLOB_URL",
        blobUrl(prefix),
        "AGENTRY_BLOB_ENDPOINT",
        endpoint().toString(),
        "AWS_ACCESS_KEY_ID",
        ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY",
        SECRET_KEY);
  }

  /**
   * Makes this server's credentials the AWS SDK's default ones in this JVM (its default chain reads
   * the {@code aws.accessKeyId} and {@code aws.secretAccessKey} system properties first), for a
   * server started in-process, which takes its {@code AWS_*} variables from the real environment.
   */
  public void useAsDefaultCredentials() {
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop: " + e.getMessage(), e);
    } finally {
      backend.close();
    }
  }
}
