package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Function;

/**
 * One keyset listing: turns {@code limit}, {@code order} and the opaque {@code page} cursor into a
 * {@link PageRequest}, and a {@link Page} into the {@code {data, next_page[, prev_page]}} envelope.
 * A cursor names the listing it came from and its order, so one from another listing, or reused
 * with another order, is a 400 rather than a silently wrong page.
 */
final class Listing {
  private final String name;
  private final SortOrder order;
  private final PageRequest request;
  private final boolean bidirectional;

  private Listing(String name, SortOrder order, PageRequest request, boolean bidirectional) {
    this.name = name;
    this.order = order;
    this.request = request;
    this.bidirectional = bidirectional;
  }

  /**
   * @param name identifies the listing, including its scope (e.g. {@code events:sesn_…})
   */
  static Listing of(
      Query query,
      String name,
      SortOrder defaultOrder,
      int defaultLimit,
      int maxLimit,
      boolean bidirectional) {
    int limit = query.limit(defaultLimit, maxLimit);
    SortOrder asked = query.order();
    String token = query.first("page");
    if (token == null || token.isEmpty()) {
      SortOrder order = asked == null ? defaultOrder : asked;
      return new Listing(name, order, PageRequest.first(limit, order), bidirectional);
    }
    JsonNode cursor = decode(token);
    if (!name.equals(cursor.path("l").asText())) {
      throw ApiError.invalid("page: this cursor belongs to another listing");
    }
    SortOrder order = "asc".equals(cursor.path("o").asText()) ? SortOrder.ASC : SortOrder.DESC;
    if (asked != null && asked != order) {
      throw ApiError.invalid("page: this cursor was made for order=" + wire(order));
    }
    PageKey key = new PageKey(cursor.path("k").asLong(), cursor.path("i").asText(""));
    boolean backward = cursor.path("b").asBoolean(false);
    return new Listing(name, order, new PageRequest(limit, order, key, backward), bidirectional);
  }

  PageRequest request() {
    return request;
  }

  SortOrder order() {
    return order;
  }

  <T> ObjectNode render(Page<T> page, Function<T, JsonNode> view, Function<T, PageKey> key) {
    ObjectNode out = Json.mapper().createObjectNode();
    ArrayNode data = out.putArray("data");
    page.items().forEach(item -> data.add(view.apply(item)));
    boolean hasItems = !page.items().isEmpty();
    out.put(
        "next_page",
        hasItems && page.moreAfter() ? encode(key.apply(page.items().getLast()), false) : null);
    if (bidirectional) {
      String prev = null;
      if (hasItems && page.moreBefore()) {
        prev = encode(key.apply(page.items().getFirst()), true);
      } else if (!hasItems && request.after() != null && !request.backward()) {
        // An empty page past the end still lets the client step back.
        prev = encode(request.after(), true);
      }
      out.put("prev_page", prev);
    }
    return out;
  }

  private String encode(PageKey key, boolean backward) {
    ObjectNode c = Json.mapper().createObjectNode();
    c.put("l", name).put("o", wire(order)).put("k", key.primary()).put("i", key.id());
    if (backward) {
      c.put("b", true);
    }
    return "page_"
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(c.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode decode(String token) {
    try {
      if (!token.startsWith("page_")) {
        throw new IllegalArgumentException("prefix");
      }
      byte[] raw = Base64.getUrlDecoder().decode(token.substring(5));
      JsonNode node = Json.mapper().readTree(raw);
      if (node == null || !node.isObject() || !node.path("l").isTextual()) {
        throw new IllegalArgumentException("shape");
      }
      RequestText.checkTree(node, "page");
      return node;
    } catch (Exception e) {
      throw ApiError.invalid("page: not a cursor this server issued");
    }
  }

  private static String wire(SortOrder order) {
    return order == SortOrder.ASC ? "asc" : "desc";
  }
}
