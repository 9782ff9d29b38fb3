package dev.agentry.core;

/**
 * A keyset position in a listing: the sort key of the last item seen. Listings of resources sort by
 * ({@code createdAtMicros}, {@code id}); event listings sort by {@code seq} alone and leave {@code
 * id} empty.
 */
public record PageKey(long primary, String id) {}
