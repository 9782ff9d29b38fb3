package dev.agentry.store;

import dev.agentry.core.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proof that this process is the only live one with its node id. It must die with the process, so
 * that a restart after a crash is never refused: on PostgreSQL a session-level advisory lock held
 * on a connection of its own (the server drops it when the connection goes), on SQLite an OS lock
 * on a file in the data directory (the kernel drops it when the process goes).
 */
final class NodeLock implements AutoCloseable {
  /**
   * Every lock held, until closed. A file channel or a JDBC connection that becomes unreachable is
   * closed by its cleaner at the next GC, which would drop the lock while the process lives (a
   * server started and never referenced again, as a {@code main} may do).
   */
  private static final Set<NodeLock> LIVE = ConcurrentHashMap.newKeySet();

  private final AutoCloseable held;

  private NodeLock(AutoCloseable held) {
    this.held = held;
  }

  static NodeLock acquire(StoreConfig config, String nodeId) {
    NodeLock lock =
        new NodeLock(
            config.isPostgres() ? advisory(config, nodeId) : file(config.dataDir(), nodeId));
    LIVE.add(lock);
    return lock;
  }

  private static AutoCloseable advisory(StoreConfig config, String nodeId) {
    Connection c;
    try {
      c = DriverManager.getConnection(config.jdbcUrl());
    } catch (SQLException e) {
      throw Dialect.wrap("connecting to hold the node lock", e);
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, key(nodeId));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          throw taken(nodeId, "it holds the node's lock in PostgreSQL");
        }
      }
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw Dialect.wrap("taking the node lock", e);
    } catch (RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static AutoCloseable file(Path dataDir, String nodeId) {
    FileChannel channel = null;
    try {
      Files.createDirectories(dataDir);
      channel =
          FileChannel.open(
              dataDir.resolve("node.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw taken(nodeId, "it holds " + dataDir.resolve("node.lock"));
      }
      return channel; // closing the channel releases the lock
    } catch (OverlappingFileLockException e) {
      close(channel);
      throw taken(nodeId, "this process holds " + dataDir.resolve("node.lock") + " already");
    } catch (IOException e) {
      close(channel);
      throw new StoreException("cannot lock " + dataDir.resolve("node.lock"), e);
    } catch (RuntimeException e) {
      close(channel);
      throw e;
    }
  }

  private static StoreException taken(String nodeId, String how) {
    return new StoreException(
        "node id "
            + nodeId
            + " is in use by another running Agentry process ("
            + how
            + "); stop that process first, or give this one another AGENTRY_NODE_ID");
  }

  /** The advisory lock's 64-bit key: the first 8 bytes of SHA-256 of the namespaced node id. */
  static long key(String nodeId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(("agentry.node/" + nodeId).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest, 0, 8).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // the connection is useless either way
    }
  }

  private static void close(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing held
      }
    }
  }

  @Override
  public void close() {
    LIVE.remove(this);
    try {
      held.close();
    } catch (Exception e) {
      // the lock dies with its connection or file anyway
    }
  }
}
