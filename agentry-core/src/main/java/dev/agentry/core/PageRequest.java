package dev.agentry.core;

/**
 * One page of a keyset listing. Items come in {@code order}; with {@code after} set they start just
 * past that key. With {@code backward} the page is the {@code limit} items just <em>before</em>
 * {@code after} (still returned in {@code order}): what a {@code prev_page} cursor asks for.
 */
public record PageRequest(int limit, SortOrder order, PageKey after, boolean backward) {
  public PageRequest {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    if (backward && after == null) {
      throw new IllegalArgumentException("a backward page needs a key");
    }
  }

  public static PageRequest first(int limit, SortOrder order) {
    return new PageRequest(limit, order, null, false);
  }
}
