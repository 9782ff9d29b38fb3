package dev.agentry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentry.core.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reading JSON bodies within the size limit, and writing JSON responses. */
final class Http {
  private Http() {}

  /** YAML bodies read into the same tree as JSON; SnakeYAML builds no objects, only nodes. */
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * The request body as a JSON value. An empty body reads as an empty object, so that action
   * endpoints ({@code /archive}) work with or without one. A body sent as {@code application/yaml}
   * (or {@code text/yaml}) is read as YAML: agent and environment definitions are often kept so,
   * and the console and CLI post them as written.
   */
  static JsonNode body(ServerRequest req, long maxBytes) {
    long declared = req.headers().contentLength().orElse(-1);
    if (declared > maxBytes) {
      throw tooLarge(maxBytes);
    }
    byte[] bytes = readLimited(req, maxBytes);
    if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
      return Json.mapper().createObjectNode();
    }
    boolean yaml = isYaml(req);
    try {
      JsonNode node = (yaml ? YAML : Json.mapper()).readTree(bytes);
      if (node == null || node.isMissingNode()) {
        return Json.mapper().createObjectNode();
      }
      RequestText.checkTree(node, "");
      return node;
    } catch (JsonProcessingException e) {
      String location =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      String field = field(e);
      String reason = String.valueOf(e.getOriginalMessage());
      if (reason.contains("Invalid UTF-8")) {
        throw ApiError.invalid(field + ": must be valid UTF-8" + location + ": " + reason);
      }
      throw ApiError.invalid(
          field + ": malformed " + (yaml ? "YAML" : "JSON") + location + ": " + reason);
    } catch (IOException e) {
      throw ApiError.invalid("body: could not be read (" + e.getMessage() + ")");
    }
  }

  /** Where in the body the parser stopped ({@code metadata.key}), or {@code body}. */
  private static String field(JsonProcessingException e) {
    if (e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser parser) {
      String path = "";
      for (var ctx = parser.getParsingContext(); ctx != null; ctx = ctx.getParent()) {
        if (ctx.inArray()) {
          path = "[" + Math.max(ctx.getCurrentIndex(), 0) + "]" + path;
        } else if (ctx.inObject() && ctx.getCurrentName() != null) {
          path = "." + ctx.getCurrentName() + path;
        }
      }
      if (!path.isEmpty()) {
        return path.startsWith(".") ? path.substring(1) : "body" + path;
      }
    }
    return "body";
  }

  private static boolean isYaml(ServerRequest req) {
    return req.headers()
        .value(HeaderNames.CONTENT_TYPE)
        .map(v -> v.toLowerCase(java.util.Locale.ROOT).split(";")[0].trim())
        .filter(
            v ->
                v.equals("application/yaml")
                    || v.equals("application/x-yaml")
                    || v.equals("text/yaml"))
        .isPresent();
  }

  /** The body as a JSON object, or a 400 saying it must be one. */
  static JsonNode objectBody(ServerRequest req, long maxBytes) {
    JsonNode node = body(req, maxBytes);
    if (!node.isObject()) {
      throw ApiError.invalid("body: must be a JSON object");
    }
    return node;
  }

  private static byte[] readLimited(ServerRequest req, long maxBytes) {
    if (!req.content().hasEntity()) {
      return new byte[0];
    }
    try (InputStream in = req.content().inputStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[16384];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > maxBytes) {
          throw tooLarge(maxBytes);
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (ApiError e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Helidon reports broken chunked framing as an unchecked exception (even a
      // NumberFormatException for a bad chunk size): the client's error, not ours. What remains
      // of the stream cannot be trusted, so the connection closes after the answer.
      throw ApiError.unreadableBody(
          "body: could not be read (malformed chunked encoding, or the connection closed early)");
    }
  }

  private static ApiError tooLarge(long maxBytes) {
    return ApiError.tooLarge("body: must be at most " + maxBytes + " bytes");
  }

  static void json(ServerResponse res, int status, Object value) {
    String text = value instanceof String s ? s : Json.write(value);
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(text.getBytes(StandardCharsets.UTF_8));
  }

  static void ok(ServerResponse res, Object value) {
    json(res, 200, value);
  }
}
