package dev.agentry.blob;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Content copied to a temporary file while its SHA-256 is computed: the address is known only once
 * the last byte is read, so a content-addressed store writes somewhere else first. The file is
 * synced to disk before this returns, and removed if the copy fails. The MD5 rides along for object
 * stores, which all check a {@code Content-MD5} header (few check a SHA-256 one).
 */
record Spooled(Path file, BlobRef ref, String md5Base64) {
  /** Temporary files start with this, so a sweep can tell them from blobs. */
  static final String TEMP_PREFIX = ".upload-";

  static final String TEMP_SUFFIX = ".tmp";

  static Spooled copy(InputStream content, Path dir) {
    Path temp;
    try {
      Files.createDirectories(dir);
      temp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
    } catch (IOException e) {
      throw new BlobException("cannot create a temporary file in " + dir + ": " + e, e);
    }
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      MessageDigest sha256 = digest("SHA-256");
      MessageDigest md5 = digest("MD5");
      OutputStream out = Channels.newOutputStream(channel);
      long size =
          new DigestInputStream(new DigestInputStream(content, sha256), md5).transferTo(out);
      channel.force(true);
      return new Spooled(
          temp,
          new BlobRef(HexFormat.of().formatHex(sha256.digest()), size),
          Base64.getEncoder().encodeToString(md5.digest()));
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      throw e instanceof BlobException b
          ? b
          : new BlobException("the upload failed before it was stored: " + e, e);
    }
  }

  void discard() {
    deleteQuietly(file);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a leftover temporary file is swept at the next start; the failure that got us here matters
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has " + algorithm, e);
    }
  }
}
