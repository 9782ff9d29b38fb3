package dev.agentry.server;

import dev.agentry.core.BlobException;
import dev.agentry.core.BlobRef;
import dev.agentry.core.FileRecord;
import dev.agentry.core.FileService;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One {@code POST /v1/files}: reads the form, streams the {@code file} part into the blob store and
 * records it. A refused upload (too large, a bad field, a broken body) leaves no record, and its
 * bytes are given up unless another file shares them.
 */
final class FileUpload {
  static final long MIN_EXPIRES_IN = 3600;
  static final long MAX_EXPIRES_IN = 7_776_000;

  /** Room for the form's boundaries, part headers and small fields around the file itself. */
  private static final long FORM_OVERHEAD = 1024 * 1024;

  private static final Pattern MEDIA_TYPE =
      Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

  /** Extensions for a nameless upload of a well-known type, as the hosted API names them. */
  private static final Map<String, String> EXTENSIONS =
      Map.ofEntries(
          Map.entry("application/pdf", ".pdf"),
          Map.entry("text/plain", ".txt"),
          Map.entry("text/markdown", ".md"),
          Map.entry("text/csv", ".csv"),
          Map.entry("text/html", ".html"),
          Map.entry("application/json", ".json"),
          Map.entry("application/zip", ".zip"),
          Map.entry("image/png", ".png"),
          Map.entry("image/jpeg", ".jpg"),
          Map.entry("image/gif", ".gif"),
          Map.entry("image/webp", ".webp"));

  private final FileService files;
  private final FileSettings settings;
  private BlobRef stored;
  private String filename;
  private String mediaType;
  private Long expiresIn;

  private FileUpload(FileService files, FileSettings settings) {
    this.files = files;
    this.settings = settings;
  }

  /** Reads {@code req}'s form and returns the file recorded in {@code workspaceId}. */
  static FileRecord accept(
      ServerRequest req, FileService files, FileSettings settings, String workspaceId) {
    return new FileUpload(files, settings).run(req, workspaceId);
  }

  private FileRecord run(ServerRequest req, String workspaceId) {
    String contentType = req.headers().value(HeaderNames.CONTENT_TYPE).orElse(null);
    if (!MultipartForm.isFormData(contentType)) {
      throw ApiError.invalid(
          "body: must be multipart/form-data with the file in a part named file");
    }
    long declared = req.headers().contentLength().orElse(-1);
    if (declared > settings.maxUploadBytes() + FORM_OVERHEAD) {
      throw tooLarge();
    }
    boolean recorded = false;
    try (InputStream body = req.content().inputStream()) {
      MultipartForm.read(body, contentType, this::part);
      if (stored == null) {
        throw ApiError.invalid("file: required (the file goes in a multipart part named file)");
      }
      FileRecord file =
          files.record(
              workspaceId,
              stored,
              cleanName(filename, mediaType),
              mediaType,
              null,
              settings.uploadsDownloadable(),
              expiresIn == null ? null : Duration.ofSeconds(expiresIn));
      recorded = true;
      return file;
    } catch (MultipartForm.Malformed e) {
      throw ApiError.unreadableBody("body: not well-formed multipart/form-data: " + e.getMessage());
    } catch (IOException e) {
      throw ApiError.unreadableBody(
          "body: could not be read (the connection closed early, or broken framing)");
    } finally {
      if (stored != null && !recorded) {
        files.discard(stored);
      }
    }
  }

  private void part(MultipartForm.Part part) throws IOException {
    switch (part.name()) {
      case "file" -> file(part);
      case "expires_in_seconds" -> expiresIn(part);
      default ->
          throw ApiError.invalid(
              part.name() + ": is not a field of a file upload (file, expires_in_seconds)",
              "unsupported_feature");
    }
  }

  private void file(MultipartForm.Part part) throws IOException {
    if (stored != null) {
      throw ApiError.invalid("file: must be sent once");
    }
    String type = part.mediaType() == null ? "application/octet-stream" : part.mediaType();
    if (!MEDIA_TYPE.matcher(type).matches()) {
      throw ApiError.invalid("file: the part's Content-Type is not a media type");
    }
    ClientInput in = new ClientInput(part.content(), settings.maxUploadBytes());
    try {
      stored = files.putContent(in);
    } catch (BlobException e) {
      if (in.tooLarge) {
        throw tooLarge();
      }
      if (in.failure != null) {
        throw in.failure;
      }
      throw e;
    }
    filename = part.filename();
    mediaType = type;
  }

  private void expiresIn(MultipartForm.Part part) throws IOException {
    if (expiresIn != null) {
      throw ApiError.invalid("expires_in_seconds: must be sent once");
    }
    byte[] raw = part.content().readNBytes(33);
    String text = new String(raw, StandardCharsets.UTF_8).trim();
    long n;
    try {
      n = raw.length > 32 ? -1 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < MIN_EXPIRES_IN || n > MAX_EXPIRES_IN) {
      throw ApiError.invalid(
          "expires_in_seconds: must be an integer between "
              + MIN_EXPIRES_IN
              + " and "
              + MAX_EXPIRES_IN);
    }
    expiresIn = n;
  }

  private ApiError tooLarge() {
    return ApiError.tooLarge(
        "file: must be at most " + settings.maxUploadBytes() + " bytes (AGENTRY_MAX_UPLOAD_BYTES)");
  }

  /**
   * The name kept for an upload: the last component of the part's filename, without control
   * characters; a missing or empty one becomes {@code unnamed} plus the type's usual extension.
   */
  static String cleanName(String given, String mediaType) {
    String name = given == null ? "" : given;
    name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    name =
        name.codePoints()
            .filter(c -> c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0))
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString()
            .strip();
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      return "unnamed" + EXTENSIONS.getOrDefault(mediaType.toLowerCase(Locale.ROOT), "");
    }
    if (name.length() > 255) {
      throw ApiError.invalid("file: the filename must be at most 255 characters");
    }
    return name;
  }

  /**
   * The file part as the blob store reads it: counts bytes against the limit, and remembers a
   * failure of the client's body (the store wraps it, and would otherwise look at fault).
   */
  private static final class ClientInput extends FilterInputStream {
    private final long max;
    private long count;
    boolean tooLarge;
    IOException failure;

    ClientInput(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = super.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      } catch (RuntimeException e) {
        // Helidon reports broken framing unchecked
        failure = new IOException(e.getMessage(), e);
        throw failure;
      }
      if (n > 0) {
        count += n;
        if (count > max) {
          tooLarge = true;
          throw new IOException("the file is larger than the upload limit");
        }
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      throw new IOException("an upload is read, not skipped");
    }
  }
}
