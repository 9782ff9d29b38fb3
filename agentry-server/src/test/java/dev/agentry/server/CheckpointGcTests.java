package dev.agentry.server;

import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import dev.agentry.core.Store;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.PostgresTestDatabase;
import dev.agentry.testkit.S3ProxyServer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** {@link CheckpointGcContract} on SQLite and PostgreSQL, each with the filesystem and S3. */
class CheckpointGcTests {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static S3ProxyServer s3;

  @BeforeAll
  static void startS3() {
    s3 = S3ProxyServer.start("agentry-checkpoint-gc");
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }

  static BlobStore s3Store(Path dir) {
    return BlobStores.fromEnv(s3.env("gc-" + PREFIXES.incrementAndGet() + "/"), dir);
  }

  /** PostgreSQL: a database per test. */
  abstract static class OnPostgres extends CheckpointGcContract {
    private final PostgresTestDatabase db = new PostgresTestDatabase();

    @Override
    protected Store newStore(Path dir) {
      return Stores.open(StoreConfig.postgres(db.create()));
    }

    @Override
    protected void closed() {
      db.close();
    }
  }

  @Nested
  class SqliteFilesystem extends CheckpointGcContract {
    @Override
    protected Store newStore(Path dir) {
      return Stores.open(StoreConfig.sqlite(dir));
    }

    @Override
    protected BlobStore newBlobStore(Path dir) {
      return BlobStores.filesystem(dir);
    }
  }

  @Nested
  class SqliteS3 extends CheckpointGcContract {
    @Override
    protected Store newStore(Path dir) {
      return Stores.open(StoreConfig.sqlite(dir));
    }

    @Override
    protected BlobStore newBlobStore(Path dir) {
      return s3Store(dir);
    }
  }

  @Nested
  class PostgresFilesystem extends OnPostgres {
    @Override
    protected BlobStore newBlobStore(Path dir) {
      return BlobStores.filesystem(dir);
    }
  }

  @Nested
  class PostgresS3 extends OnPostgres {
    @Override
    protected BlobStore newBlobStore(Path dir) {
      return s3Store(dir);
    }
  }
}
