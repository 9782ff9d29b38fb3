package dev.agentry.core;

import java.util.List;

/**
 * A page of items in listing order. {@code moreAfter} says whether items follow the last one;
 * {@code moreBefore} whether items precede the first one (known only for pages that started from a
 * key; a first page has none before it).
 */
public record Page<T>(List<T> items, boolean moreAfter, boolean moreBefore) {
  public Page {
    items = List.copyOf(items);
  }
}
