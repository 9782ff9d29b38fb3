package dev.agentry.core;

import java.util.List;

/**
 * Which files a listing returns: {@code scopeSessionId} (null: any) and {@code ids} (empty: any).
 */
public record FileFilter(String scopeSessionId, List<String> ids) {
  public FileFilter {
    ids = List.copyOf(ids);
  }

  public static final FileFilter ALL = new FileFilter(null, List.of());
}
