package dev.agentry.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Which node this process is: {@code AGENTRY_NODE_ID}, else the id kept in {@code
 * <data-dir>/node.id}, made at the first start. Leases carry it, so a node that restarts knows its
 * own sessions and takes them back at once.
 */
final class NodeIdentity {
  static final String KEY = "AGENTRY_NODE_ID";
  static final String FILE = "node.id";
  private static final Pattern FORM = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private NodeIdentity() {}

  /**
   * @throws IllegalArgumentException naming {@value #KEY} and its rule
   */
  static String validate(String id) {
    if (!FORM.matcher(id).matches()) {
      throw new IllegalArgumentException(
          KEY
              + " must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit");
    }
    return id;
  }

  /** {@code configured} if set, else the data directory's id, made and kept there if new. */
  static String resolve(String configured, Path dataDir) {
    if (configured != null) {
      return validate(configured);
    }
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.exists(file)) {
        String kept = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!FORM.matcher(kept).matches()) {
          throw new IllegalArgumentException(
              file + " does not hold a node id; delete it to make a new one, or set " + KEY);
        }
        return kept;
      }
      byte[] random = new byte[6];
      new SecureRandom().nextBytes(random);
      String made = "node-" + HexFormat.of().formatHex(random);
      Path tmp = Files.createTempFile(dataDir, FILE, ".tmp");
      Files.writeString(tmp, made + "\n", StandardCharsets.UTF_8);
      // A hard link appears whole and never replaces an id another start has just kept.
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        // the other start's id wins
      } finally {
        Files.deleteIfExists(tmp);
      }
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "AGENTRY_DATA_DIR " + dataDir + ": cannot keep the node id in " + file + ": " + e);
    }
  }
}
