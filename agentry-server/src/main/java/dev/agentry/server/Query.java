package dev.agentry.server;

import dev.agentry.core.SortOrder;
import dev.agentry.core.TimeRange;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request's query string, parsed from its raw form so that bracketed names ({@code types[]},
 * {@code created_at[gte]}) arrive literally, whichever way the client encoded the brackets.
 */
final class Query {
  private final Map<String, List<String>> params = new LinkedHashMap<>();

  Query(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name =
          RequestText.decodeQueryComponent(eq < 0 ? pair : pair.substring(0, eq), "query");
      String value = eq < 0 ? "" : RequestText.decodeQueryComponent(pair.substring(eq + 1), name);
      params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
  }

  /** The single value of {@code name}, or null. */
  String first(String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** All values of an array parameter, accepting both {@code name[]} and plain {@code name}. */
  List<String> all(String name) {
    List<String> out = new ArrayList<>(params.getOrDefault(name + "[]", List.of()));
    out.addAll(params.getOrDefault(name, List.of()));
    return out;
  }

  int limit(int fallback, int max) {
    String v = first("limit");
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw ApiError.invalid("limit: must be an integer between 1 and " + max);
  }

  /** The {@code order} parameter, or null when the client gave none. */
  SortOrder order() {
    String v = first("order");
    if (v == null || v.isEmpty()) {
      return null;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "asc" -> SortOrder.ASC;
      case "desc" -> SortOrder.DESC;
      default -> throw ApiError.invalid("order: must be asc or desc");
    };
  }

  boolean flag(String name) {
    String v = first(name);
    if (v == null || v.isEmpty()) {
      return false;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw ApiError.invalid(name + ": must be true or false");
    };
  }

  Integer integer(String name, int min) {
    String v = first(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw ApiError.invalid(name + ": must be an integer of at least " + min);
  }

  /** The {@code field[gt|gte|lt|lte]} bounds. */
  TimeRange timeRange(String field) {
    return new TimeRange(
        instant(field + "[gt]"),
        instant(field + "[gte]"),
        instant(field + "[lt]"),
        instant(field + "[lte]"));
  }

  private Instant instant(String name) {
    String v = first(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        throw ApiError.invalid(name + ": must be an RFC 3339 timestamp");
      }
    }
  }
}
