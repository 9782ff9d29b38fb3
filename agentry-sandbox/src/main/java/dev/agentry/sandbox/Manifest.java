package dev.agentry.sandbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A workspace checkpoint's table of contents, stored as a blob itself: every entry under the
 * workspace by relative path (sorted, so the same tree always gives the same bytes and the same
 * address), with its kind, permission bits, and for a file its size, modification time and the
 * content address of its bytes; for a symbolic link its target. Directories are listed too, so
 * empty ones come back.
 */
record Manifest(int version, List<Entry> entries) {
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  enum Kind {
    FILE,
    DIR,
    LINK
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Entry(
      String path, Kind kind, int mode, Long size, Long mtimeNanos, String blob, String target) {
    static Entry file(String path, int mode, long size, long mtimeNanos, String blob) {
      return new Entry(path, Kind.FILE, mode, size, mtimeNanos, blob, null);
    }

    static Entry dir(String path, int mode) {
      return new Entry(path, Kind.DIR, mode, null, null, null, null);
    }

    static Entry link(String path, String target) {
      return new Entry(path, Kind.LINK, 0777, null, null, null, target);
    }
  }

  static final Manifest EMPTY = new Manifest(VERSION, List.of());

  Manifest {
    entries = List.copyOf(entries);
  }

  /** The files by path, to find the unchanged ones of a new walk. */
  Map<String, Entry> files() {
    Map<String, Entry> byPath = new TreeMap<>();
    for (Entry e : entries) {
      if (e.kind() == Kind.FILE) {
        byPath.put(e.path(), e);
      }
    }
    return byPath;
  }

  byte[] toBytes() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Manifest parse(byte[] bytes) {
    try {
      Manifest m = JSON.readValue(bytes, Manifest.class);
      if (m.version() != VERSION) {
        throw new IllegalArgumentException("unknown checkpoint manifest version " + m.version());
      }
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable checkpoint manifest", e);
    }
  }
}
