package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The rule every string from a request obeys, checked once where it enters (the body reader, path
 * parameters, query parameters): no NUL character and nothing that is not Unicode text (invalid
 * UTF-8, an unpaired surrogate). PostgreSQL stores neither; without this check such a string
 * reached the database and came back as a 503, and SQLite stored what PostgreSQL would refuse.
 */
final class RequestText {
  private RequestText() {}

  /** {@code value}, or a 400 naming {@code field} when it breaks the rule. */
  static String check(String value, String field) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        throw ApiError.invalid(field + ": must not contain NUL characters (U+0000)");
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw ApiError.invalid(field + ": must be valid UTF-8 (found an unpaired surrogate)");
      }
    }
    return value;
  }

  /**
   * A path parameter as Helidon decoded it. Ids are ASCII; Helidon turns bytes that are not UTF-8
   * into U+FFFD, so that character here means the client sent invalid UTF-8.
   */
  static String pathParameter(String value, String name) {
    String field = name + " (path)";
    if (value.indexOf('\uFFFD') >= 0) {
      throw ApiError.invalid(field + ": must be valid percent-encoded UTF-8");
    }
    return check(value, field);
  }

  /** Every field name and string in a request body, named by its path ({@code tools[2].name}). */
  static void checkTree(JsonNode node, String path) {
    if (node.isTextual()) {
      check(node.textValue(), path.isEmpty() ? "body" : path);
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkTree(node.get(i), path + "[" + i + "]");
      }
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        String child = Fields.path(path, e.getKey());
        check(e.getKey(), (path.isEmpty() ? "body" : path) + " (a key)");
        checkTree(e.getValue(), child);
      }
    }
  }

  /**
   * One percent-encoded component of a query string ({@code +} is a space), decoded strictly: a
   * malformed escape or bytes that are not UTF-8 are a 400 naming {@code field}.
   */
  static String decodeQueryComponent(String raw, String field) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()
            || Character.digit(raw.charAt(i + 1), 16) < 0
            || Character.digit(raw.charAt(i + 2), 16) < 0) {
          throw ApiError.invalid(field + ": malformed percent-encoding in '" + raw + "'");
        }
        bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c > 0x7f) {
        // Helidon reads the request line as ASCII: a raw byte above 0x7f arrives as U+FFFD.
        throw ApiError.invalid(field + ": must be ASCII, with UTF-8 percent-encoded");
      } else {
        bytes.write(c == '+' ? ' ' : c);
      }
    }
    try {
      String decoded =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString();
      return check(decoded, field);
    } catch (CharacterCodingException e) {
      throw ApiError.invalid(field + ": must be valid percent-encoded UTF-8");
    }
  }
}
