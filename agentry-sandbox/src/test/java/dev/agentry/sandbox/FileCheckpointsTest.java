package dev.agentry.sandbox;

import dev.agentry.blob.BlobStores;
import dev.agentry.core.BlobStore;
import java.nio.file.Path;

/** Checkpoints in a blob directory (one machine, or a directory the nodes share). */
class FileCheckpointsTest extends CheckpointsContract {
  @Override
  protected BlobStore newStore(Path dir) {
    return BlobStores.filesystem(dir);
  }
}
