package dev.agentry.blob;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobRef;
import dev.agentry.core.BlobStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs as objects {@code <prefix>/<address>} in one bucket of an S3-compatible store. The key is
 * the content's hash, known only at the end of the stream, so a put spools to a local temporary
 * file first; a PUT of a whole object is atomic in S3 (readers see the old state or all of the new
 * object), and the MD5 sent with it lets the store refuse bytes damaged on the way.
 */
final class S3BlobStore implements BlobStore {
  private final S3Client client;
  private final String bucket;
  private final String keyPrefix;
  private final Path spool;

  /**
   * @param prefix the key prefix without leading or trailing slash, or {@code ""}
   * @param spool the local directory for uploads in flight
   */
  S3BlobStore(S3Client client, String bucket, String prefix, Path spool) {
    this.client = client;
    this.bucket = bucket;
    this.keyPrefix = prefix.isEmpty() ? "" : prefix + "/";
    this.spool = spool;
  }

  @Override
  public BlobRef put(InputStream content) {
    Spooled spooled = Spooled.copy(content, spool);
    BlobRef ref = spooled.ref();
    try {
      if (!exists(ref.address())) {
        client.putObject(
            b ->
                b.bucket(bucket)
                    .key(key(ref.address()))
                    .contentLength(ref.size())
                    .contentMD5(spooled.md5Base64()),
            RequestBody.fromFile(spooled.file()));
      }
      return ref;
    } catch (SdkException e) {
      throw failure("cannot store blob " + ref.address(), e);
    } finally {
      spooled.discard();
    }
  }

  @Override
  public InputStream open(String address) {
    String key = key(address);
    try {
      return client.getObject(b -> b.bucket(bucket).key(key));
    } catch (NoSuchKeyException e) {
      throw new BlobException.NotFound(address);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new BlobException.NotFound(address);
      }
      throw failure("cannot read blob " + address, e);
    } catch (SdkException e) {
      throw failure("cannot read blob " + address, e);
    }
  }

  @Override
  public Optional<BlobRef> stat(String address) {
    String key = key(address);
    try {
      long size = client.headObject(b -> b.bucket(bucket).key(key)).contentLength();
      return Optional.of(new BlobRef(address, size));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("cannot read blob " + address, e);
    } catch (SdkException e) {
      throw failure("cannot read blob " + address, e);
    }
  }

  @Override
  public void delete(String address) {
    String key = key(address);
    try {
      // S3 answers 204 for a missing key too, so a retried delete succeeds
      client.deleteObject(b -> b.bucket(bucket).key(key));
    } catch (SdkException e) {
      throw failure("cannot delete blob " + address, e);
    }
  }

  @Override
  public void list(String addressPrefix, Consumer<BlobRef> each) {
    String prefix = keyPrefix + FileBlobStore.requirePrefix(addressPrefix);
    try {
      for (S3Object o :
          client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
        String address = o.key().substring(keyPrefix.length());
        // other keys may share the prefix (another application's, or a nested prefix): skip them
        if (BlobRef.isAddress(address)) {
          each.accept(new BlobRef(address, o.size()));
        }
      }
    } catch (SdkException e) {
      throw failure("cannot list blobs", e);
    }
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + keyPrefix;
  }

  @Override
  public void close() {
    client.close();
  }

  private String key(String address) {
    return keyPrefix + BlobRef.requireAddress(address);
  }

  private BlobException failure(String what, SdkException e) {
    return new BlobException(what + " in " + describe() + ": " + e.getMessage(), e);
  }
}
