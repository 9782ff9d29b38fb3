package dev.agentry.blob;

import dev.agentry.core.BlobStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/** Opens the {@link BlobStore} a configuration names. */
public final class BlobStores {
  private BlobStores() {}

  /**
   * The store {@code AGENTRY_BLOB_URL} and {@code AGENTRY_BLOB_ENDPOINT} in {@code env} name (the
   * data directory's {@code blobs} folder when unset); S3 credentials and region come from the
   * standard {@code AWS_*} variables in {@code env}, else from the AWS SDK's default chain.
   *
   * @throws IllegalArgumentException naming the variable when one is invalid
   */
  public static BlobStore fromEnv(Map<String, String> env, Path dataDir) {
    return open(
        BlobLocation.parse(
            env.get(BlobLocation.URL_KEY), env.get(BlobLocation.ENDPOINT_KEY), dataDir),
        dataDir,
        env);
  }

  /**
   * Opens {@code location}; an S3 store spools uploads in flight under {@code dataDir}.
   *
   * @throws IllegalArgumentException when S3 needs a region that nothing configures
   */
  public static BlobStore open(BlobLocation location, Path dataDir, Map<String, String> env) {
    return switch (location) {
      case BlobLocation.Local local -> filesystem(local.directory());
      case BlobLocation.S3 s3 ->
          new S3BlobStore(
              s3Client(s3, env), s3.bucket(), s3.prefix(), dataDir.resolve("blob-uploads"));
    };
  }

  /** Blobs as files under {@code directory}, which is created if missing. */
  public static BlobStore filesystem(Path directory) {
    return new FileBlobStore(directory, Clock.systemUTC());
  }

  private static S3Client s3Client(BlobLocation.S3 s3, Map<String, String> env) {
    S3ClientBuilder b =
        S3Client.builder()
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofMinutes(2)))
            .region(region(s3, env))
            .credentialsProvider(credentials(env))
            // Since SDK 2.30 every PUT carries a CRC trailer in aws-chunked encoding, which many
            // S3-compatible stores refuse; we send Content-MD5 instead (ADR 0027).
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            // Plain PUTs with a Content-Length, not aws-chunked signing: the body is a file the
            // signer can hash up front, and not every S3-compatible store speaks aws-chunked.
            .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build());
    // Stores other than AWS rarely have a DNS name per bucket: address buckets by path.
    s3.endpoint().ifPresent(uri -> b.endpointOverride(uri).forcePathStyle(true));
    return b.build();
  }

  private static Region region(BlobLocation.S3 s3, Map<String, String> env) {
    for (String key : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
      String v = env.get(key);
      if (v != null && !v.isBlank()) {
        return Region.of(v.trim());
      }
    }
    if (s3.endpoint().isPresent()) {
      // MinIO, Ceph and S3Proxy accept any region in the signature; AWS's default is as good
      return Region.US_EAST_1;
    }
    try {
      return DefaultAwsRegionProviderChain.builder().build().getRegion();
    } catch (SdkClientException e) {
      throw new IllegalArgumentException(
          "AWS_REGION must be set for " + BlobLocation.URL_KEY + "=s3://" + s3.bucket(), e);
    }
  }

  private static AwsCredentialsProvider credentials(Map<String, String> env) {
    String id = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    String token = env.get("AWS_SESSION_TOKEN");
    boolean hasId = id != null && !id.isBlank();
    boolean hasSecret = secret != null && !secret.isBlank();
    if (hasId != hasSecret) {
      throw new IllegalArgumentException(
          (hasId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")
              + " must be set too when "
              + (hasId ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")
              + " is set");
    }
    if (hasId) {
      return StaticCredentialsProvider.create(
          token == null || token.isBlank()
              ? AwsBasicCredentials.create(id, secret)
              : AwsSessionCredentials.create(id, secret, token));
    }
    // profiles, web identity, container and instance roles: resolved at the first request
    return DefaultCredentialsProvider.builder().build();
  }
}
