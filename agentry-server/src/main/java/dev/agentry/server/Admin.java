package dev.agentry.server;

import dev.agentry.core.ApiKey;
import dev.agentry.core.Credential;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Redactor;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.Workspace;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Operator tasks run against the store directly, with the same configuration as {@code serve}: API
 * keys ({@code agentry keys …}) and master-key rotation ({@code agentry vault rotate-master-key}).
 */
public final class Admin {
  public static final Set<String> ROLES = Set.of("admin", "member", "read_only");

  private Admin() {}

  /** The store {@code serve} would open with {@code config}. */
  public static Store openStore(ServerConfig config) {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    if (config.database().isEmpty()) {
      try {
        Files.createDirectories(dataDir);
      } catch (IOException e) {
        throw new IllegalArgumentException(dataDir + " cannot be created: " + e.getMessage());
      }
    }
    return Stores.open(
        config.database().map(StoreConfig::postgres).orElseGet(() -> StoreConfig.sqlite(dataDir)));
  }

  /** A new key and its secret, which exists only here: the store keeps its hash. */
  public record CreatedKey(ApiKey key, String secret) {}

  /** A key of the default workspace. */
  public static CreatedKey createKey(Store store, String name, String role, Instant now) {
    return createKey(store, name, role, Workspace.DEFAULT_ID, now);
  }

  /** A key of {@code workspaceId}, which is created (named after its id) if new. */
  public static CreatedKey createKey(
      Store store, String name, String role, String workspaceId, Instant now) {
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("role must be one of admin, member, read_only");
    }
    ensureWorkspace(store, workspaceId, workspaceId, now);
    String secret = Ids.secret(Keys.KEY_PREFIX, 43);
    ApiKey key =
        store
            .apiKeys()
            .create(
                new ApiKey(
                    Ids.next(IdKind.API_KEY),
                    name,
                    Keys.hash(secret),
                    role,
                    workspaceId,
                    now,
                    null));
    return new CreatedKey(key, secret);
  }

  /** A new workspace with a fresh id. */
  public static Workspace createWorkspace(Store store, String name, Instant now) {
    if (name == null || name.isBlank() || name.length() > 256) {
      throw new IllegalArgumentException("a workspace name must be 1 to 256 characters");
    }
    return store.workspaces().create(new Workspace(Ids.next(IdKind.WORKSPACE), name, now));
  }

  public static List<Workspace> listWorkspaces(Store store) {
    return store.workspaces().list();
  }

  private static void ensureWorkspace(Store store, String id, String name, Instant now) {
    if (!IdKind.WORKSPACE.matches(id)) {
      throw new IllegalArgumentException(
          "a workspace id is wrkspc_ followed by letters and digits, e.g. " + Workspace.DEFAULT_ID);
    }
    if (store.workspaces().find(id).isEmpty()) {
      try {
        store.workspaces().create(new Workspace(id, name, now));
      } catch (StoreException.Conflict e) {
        // made concurrently: fine
      }
    }
  }

  public static List<ApiKey> listKeys(Store store) {
    return store.apiKeys().list();
  }

  /**
   * Whether a key was revoked now (false if unknown or already revoked). Servers in this process
   * refuse it from their next request; servers in other processes within {@link ApiKeyCache#TTL}.
   */
  public static boolean revokeKey(Store store, String id, Instant now) {
    boolean revoked = store.apiKeys().revoke(id, now);
    ApiKeyCache.revoked();
    return revoked;
  }

  /**
   * What a rotation did: {@code newKey} in base64, {@code keyFile} where it was written (empty when
   * the key comes from {@code AGENTRY_MASTER_KEY}, which the operator must update).
   */
  public record Rotation(int credentials, String newKey, Optional<Path> keyFile) {}

  /** A rotation refused before anything changed, or failed midway. */
  public static final class RotationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RotationException(String message) {
      super(message);
    }
  }

  /**
   * Re-seals every credential's secrets, and every webhook signing secret, with a new master key
   * ({@code newKeyBase64}, or a random one). Refuses, changing nothing, if any credential does not
   * open with the current key. With a key file, the new key goes to {@code master.key.next} first
   * (so that a failure midway leaves both keys on disk) and replaces {@code master.key} once every
   * credential is re-sealed.
   */
  public static Rotation rotateMasterKey(
      ServerConfig config, Store store, Optional<String> newKeyBase64) {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    Path keyFile = dataDir.resolve("master.key");
    boolean fromEnv = config.masterKey() != null;
    if (!fromEnv && !Files.exists(keyFile)) {
      throw new RotationException(
          "no master key: neither AGENTRY_MASTER_KEY nor " + keyFile + " exists");
    }
    Redactor scratch = new Redactor();
    SecretBox oldBox = new SecretBox(Keys.masterKey(config.masterKey(), dataDir), scratch);
    byte[] newKey =
        newKeyBase64
            .map(v -> Keys.decodeMasterKey(v, "--new-key"))
            .orElseGet(
                () -> {
                  byte[] k = new byte[32];
                  new SecureRandom().nextBytes(k);
                  return k;
                });
    SecretBox newBox = new SecretBox(newKey, scratch);
    String encoded = Base64.getEncoder().encodeToString(newKey);

    List<Credential> all = Credentials.all(store);
    Map<String, String> plain = new LinkedHashMap<>();
    List<String> broken = new ArrayList<>();
    for (Credential c : all) {
      try {
        plain.put(c.id(), oldBox.open(c.sealedSecrets(), c.id()));
      } catch (IllegalArgumentException e) {
        broken.add(c.id());
      }
    }
    if (!broken.isEmpty()) {
      throw new RotationException(
          "refusing to rotate: "
              + broken.size()
              + " credential(s) do not open with the current master key: "
              + String.join(", ", broken));
    }
    // Webhook signing secrets are sealed with the same key (ADR 0045).
    Map<String, String> webhookSecrets = new LinkedHashMap<>();
    store
        .webhooks()
        .sealedSecrets()
        .forEach(
            (id, ciphertext) -> {
              try {
                webhookSecrets.put(id, oldBox.open(ciphertext, id));
              } catch (IllegalArgumentException e) {
                broken.add(id);
              }
            });
    if (!broken.isEmpty()) {
      throw new RotationException(
          "refusing to rotate: "
              + broken.size()
              + " webhook secret(s) do not open with the current master key: "
              + String.join(", ", broken));
    }
    Path next = dataDir.resolve("master.key.next");
    if (!fromEnv) {
      Keys.writePrivate(next, encoded + "\n");
    }
    int done = 0;
    for (Credential c : all) {
      try {
        store
            .vaults()
            .updateCredential(
                c.vaultId(),
                c.id(),
                cur -> {
                  String secrets = oldBox.open(cur.sealedSecrets(), cur.id());
                  return new Credential(
                      cur.id(),
                      cur.vaultId(),
                      cur.displayName(),
                      cur.publicAuth(),
                      newBox.seal(secrets, cur.id()),
                      cur.metadata(),
                      cur.createdAt(),
                      cur.updatedAt(),
                      cur.archivedAt());
                });
        done++;
      } catch (RuntimeException e) {
        throw new RotationException(
            "rotation failed after "
                + done
                + " of "
                + all.size()
                + " credentials ("
                + e.getClass().getSimpleName()
                + "); the re-sealed ones need the new key, kept in "
                + (fromEnv ? "the message below" : next.toString())
                + (fromEnv ? ": " + encoded : "")
                + "; run the rotation again with --new-key and that key after fixing the cause");
      }
    }
    try {
      webhookSecrets.forEach((id, secret) -> store.webhooks().reseal(id, newBox.seal(secret, id)));
    } catch (RuntimeException e) {
      throw new RotationException(
          "rotation failed re-sealing webhook secrets ("
              + e.getClass().getSimpleName()
              + ") after every credential; the re-sealed ones need the new key, kept in "
              + (fromEnv ? "the message below" : next.toString())
              + (fromEnv ? ": " + encoded : "")
              + "; run the rotation again with --new-key and that key after fixing the cause");
    }
    if (fromEnv) {
      return new Rotation(done, encoded, Optional.empty());
    }
    try {
      Files.move(
          next, keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace " + keyFile + " with " + next, e);
    }
    return new Rotation(done, encoded, Optional.of(keyFile));
  }
}
