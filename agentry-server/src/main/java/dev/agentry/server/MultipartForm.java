package dev.agentry.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * Reads a {@code multipart/form-data} body part by part, as a stream: each part's content is handed
 * over unread, so a large file goes straight to where it is stored. Parsing is mime4j's (ADR 0028),
 * strict, so a body cut off before its closing boundary fails instead of ending the last part
 * early.
 */
final class MultipartForm {
  private MultipartForm() {}

  /**
   * One part: its form field {@code name}, the {@code filename} it carries (null if none), its
   * media type {@code type/subtype} (null if it sent no Content-Type) and its content, readable
   * until the handler returns.
   */
  record Part(String name, String filename, String mediaType, InputStream content) {}

  /** What to do with each part, in the order they come. */
  @FunctionalInterface
  interface PartHandler {
    void accept(Part part) throws IOException;
  }

  /** The form's parts could not be read: the body is not well-formed multipart. */
  static final class Malformed extends IOException {
    Malformed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Whether {@code contentType} is {@code multipart/form-data} with a boundary. */
  static boolean isFormData(String contentType) {
    if (contentType == null) {
      return false;
    }
    String lower = contentType.toLowerCase(Locale.ROOT);
    return lower.startsWith("multipart/form-data") && lower.contains("boundary=");
  }

  /**
   * Calls {@code each} with every part of {@code body}, a form sent with {@code contentType}.
   *
   * @throws Malformed if the body is not a well-formed form
   * @throws IOException what the handler or the body threw
   */
  static void read(InputStream body, String contentType, PartHandler each) throws IOException {
    MimeConfig config =
        new MimeConfig.Builder()
            .setStrictParsing(true)
            .setMaxContentLen(-1)
            .setMaxLineLen(-1)
            .setMaxHeaderCount(32)
            .setMaxHeaderLen(16 * 1024)
            .setMaxPartCount(64)
            .setMaxNestingDepth(2)
            .build();
    MimeTokenStream stream = new MimeTokenStream(config);
    // A part that is itself multipart is content to store, not structure to descend into.
    stream.setRecursionMode(RecursionMode.M_NO_RECURSE);
    try {
      stream.parseHeadless(body, contentType);
      RawField disposition = null;
      boolean typed = false;
      for (EntityState state = stream.getState();
          state != EntityState.T_END_OF_STREAM;
          state = stream.next()) {
        switch (state) {
          case T_START_BODYPART -> {
            disposition = null;
            typed = false;
          }
          case T_FIELD -> {
            Field field = stream.getField();
            if (field.getName().equalsIgnoreCase("Content-Disposition")) {
              disposition = RawFieldParser.DEFAULT.parseField(field.getRaw());
            } else if (field.getName().equalsIgnoreCase("Content-Type")) {
              typed = true;
            }
          }
          case T_BODY -> {
            // mime4j reports text/plain for a part without a Content-Type; the caller picks its
            // own default then
            String type = typed ? stream.getBodyDescriptor().getMimeType() : null;
            Part part = part(disposition, type, stream.getDecodedInputStream());
            each.accept(part);
          }
          default -> {
            // the other states carry nothing a form needs
          }
        }
      }
    } catch (MimeException e) {
      throw new Malformed(e.getMessage(), e);
    } catch (IOException e) {
      if (e.getCause() instanceof MimeException m) {
        throw new Malformed(m.getMessage(), e);
      }
      throw e;
    }
  }

  /** The part {@code disposition} describes; mime4j decodes its bytes as UTF-8 (RFC 7578). */
  private static Part part(RawField disposition, String mediaType, InputStream content)
      throws Malformed {
    if (disposition == null) {
      throw new Malformed("a part has no Content-Disposition header", null);
    }
    var parsed = RawFieldParser.DEFAULT.parseRawBody(disposition);
    if (!"form-data".equalsIgnoreCase(parsed.getValue())) {
      throw new Malformed("a part's Content-Disposition is not form-data", null);
    }
    String name = null;
    String filename = null;
    String extended = null;
    for (NameValuePair p : parsed.getParams()) {
      switch (p.getName().toLowerCase(Locale.ROOT)) {
        case "name" -> name = p.getValue();
        case "filename" -> filename = p.getValue();
        case "filename*" -> extended = decodeExtended(p.getValue());
        default -> {
          // other parameters describe nothing we keep
        }
      }
    }
    if (name == null) {
      throw new Malformed("a part's Content-Disposition has no name", null);
    }
    return new Part(name, extended != null ? extended : filename, mediaType, content);
  }

  /** An RFC 5987 {@code charset'lang'pct-encoded} value, or null if it is not one we can read. */
  private static String decodeExtended(String value) {
    int first = value.indexOf('\'');
    int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
    if (second < 0 || !value.substring(0, first).equalsIgnoreCase("utf-8")) {
      return null;
    }
    try {
      return java.net.URLDecoder.decode(
          value.substring(second + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
