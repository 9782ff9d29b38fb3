package dev.agentry.server;

import dev.agentry.core.ApiKey;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * API keys and the master key. API keys are 256-bit random strings, so a plain SHA-256 is a safe
 * way to store them (no dictionary to attack; see docs/decisions/0003).
 */
final class Keys {
  static final String KEY_PREFIX = "sk-agentry-";

  private Keys() {}

  static String hash(String secret) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /**
   * Makes sure an admin key (of the default workspace) exists. A pinned key ({@code
   * AGENTRY_API_KEY}) is registered if new. Otherwise, when no usable key exists, one is created
   * and returned so that it can be shown once and written to {@code <data-dir>/admin.key}.
   */
  static Optional<String> bootstrap(Store store, String pinned, Instant now) {
    if (pinned != null) {
      String hash = hash(pinned);
      if (store.apiKeys().findByHash(hash).isEmpty()) {
        store
            .apiKeys()
            .create(new ApiKey(Ids.next(IdKind.API_KEY), "pinned", hash, "admin", now, null));
      }
      return Optional.empty();
    }
    boolean usable = store.apiKeys().list().stream().anyMatch(k -> k.revokedAt() == null);
    if (usable) {
      return Optional.empty();
    }
    String secret = Ids.secret(KEY_PREFIX, 43);
    store
        .apiKeys()
        .create(new ApiKey(Ids.next(IdKind.API_KEY), "admin", hash(secret), "admin", now, null));
    return Optional.of(secret);
  }

  /** Writes {@code content} to {@code file} readable by the owner only. */
  static void writePrivate(Path file, String content) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, content, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * The 32-byte master key: from {@code AGENTRY_MASTER_KEY} (base64), else the key file, made once.
   */
  static byte[] masterKey(String configured, Path dataDir) {
    if (configured != null) {
      return decodeMasterKey(configured, "AGENTRY_MASTER_KEY");
    }
    Path file = dataDir.resolve("master.key");
    try {
      if (Files.exists(file)) {
        return decodeMasterKey(Files.readString(file).trim(), file.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    writePrivate(file, Base64.getEncoder().encodeToString(key) + "\n");
    return key;
  }

  static byte[] decodeMasterKey(String value, String source) {
    try {
      byte[] key = Base64.getDecoder().decode(value.trim());
      if (key.length == 32) {
        return key;
      }
    } catch (IllegalArgumentException e) {
      // reported below without echoing the value
    }
    throw new IllegalArgumentException(
        source + " must be 32 bytes in base64 (openssl rand -base64 32)");
  }
}
