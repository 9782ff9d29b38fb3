package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.BlobException;
import dev.agentry.core.FileFilter;
import dev.agentry.core.FileRecord;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * {@code /v1/files} ({@code files-api-2025-04-14}): upload, list, metadata, content, delete, all
 * within the caller's workspace. Listing pages both ways the SDKs do: the {@code page} cursor of
 * today's SDKs and the {@code after_id}/{@code before_id} of the older ones, answering with {@code
 * next_page} and with {@code has_more}, {@code first_id} and {@code last_id}.
 */
final class FileRoutes implements Api.Routes {
  private static final int MAX_IDS = 100;

  private final Api api;
  private final FileSettings settings;

  FileRoutes(Api api, FileSettings settings) {
    this.api = api;
    this.settings = settings;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/files", this::upload)
        .get("/v1/files", this::list)
        .get("/v1/files/{id}", this::retrieve)
        .get("/v1/files/{id}/content", this::download)
        .delete("/v1/files/{id}", this::delete);
  }

  private void upload(ServerRequest req, ServerResponse res) {
    FileRecord file = FileUpload.accept(req, api.files(), settings, Caller.workspace(req));
    Http.ok(res, view(file));
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    String workspace = Caller.workspace(req);
    String scope = q.first("scope_id");
    if (scope != null && scope.isEmpty()) {
      scope = null;
    }
    List<String> ids = List.copyOf(new LinkedHashSet<>(q.all("ids")));
    FileFilter filter = new FileFilter(scope, ids);
    if (!ids.isEmpty()) {
      Http.ok(res, byIds(q, workspace, filter));
      return;
    }
    String afterId = q.first("after_id");
    String beforeId = q.first("before_id");
    if (afterId != null && beforeId != null) {
      throw ApiError.invalid("after_id: cannot be combined with before_id");
    }
    Listing listing =
        Listing.of(q, "files:" + (scope == null ? "" : scope), SortOrder.DESC, 20, 1000, false);
    PageRequest request = listing.request();
    if (afterId != null || beforeId != null) {
      if (q.first("page") != null) {
        throw ApiError.invalid("page: cannot be combined with after_id or before_id");
      }
      String anchor = afterId != null ? afterId : beforeId;
      String field = afterId != null ? "after_id" : "before_id";
      FileRecord at =
          api.store()
              .files()
              .find(workspace, anchor)
              .orElseThrow(() -> ApiError.invalid(field + ": no file " + anchor));
      request = new PageRequest(request.limit(), listing.order(), key(at), beforeId != null);
    }
    Page<FileRecord> page = api.files().list(workspace, filter, request);
    ObjectNode out = listing.render(page, FileRoutes::view, FileRoutes::key);
    boolean more = request.backward() ? page.moreBefore() : page.moreAfter();
    Http.ok(res, ends(out, page.items(), more));
  }

  /** {@code ids[]}: one page of the named files that exist, never more (as the hosted API). */
  private ObjectNode byIds(Query q, String workspace, FileFilter filter) {
    if (q.first("page") != null || q.first("limit") != null) {
      throw ApiError.invalid("ids: cannot be combined with page or limit");
    }
    if (q.first("after_id") != null || q.first("before_id") != null) {
      throw ApiError.invalid("ids: cannot be combined with after_id or before_id");
    }
    if (filter.ids().size() > MAX_IDS) {
      throw ApiError.invalid("ids: at most " + MAX_IDS + " ids");
    }
    Page<FileRecord> page =
        api.files().list(workspace, filter, PageRequest.first(MAX_IDS, SortOrder.DESC));
    ObjectNode out = Json.mapper().createObjectNode();
    var data = out.putArray("data");
    page.items().forEach(f -> data.add(view(f)));
    out.putNull("next_page");
    return ends(out, page.items(), false);
  }

  private static ObjectNode ends(ObjectNode out, List<FileRecord> items, boolean more) {
    out.put("has_more", more);
    out.put("first_id", items.isEmpty() ? null : items.getFirst().id());
    out.put("last_id", items.isEmpty() ? null : items.getLast().id());
    return out;
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, view(find(req)));
  }

  private void download(ServerRequest req, ServerResponse res) {
    FileRecord file = find(req);
    if (!file.downloadable()) {
      throw ApiError.invalid(
          "file "
              + file.id()
              + " is not downloadable (uploads are not, unless the operator"
              + " allows it with AGENTRY_UPLOADS_DOWNLOADABLE; session outputs are)",
          "file_not_downloadable");
    }
    InputStream content;
    try {
      content = api.files().open(file);
    } catch (BlobException.NotFound e) {
      throw ApiError.notFound("the content of file " + file.id() + " is gone");
    }
    res.header(HeaderNames.CONTENT_TYPE, file.mimeType());
    res.header(HeaderNames.CONTENT_LENGTH, Long.toString(file.sizeBytes()));
    res.header(HeaderNames.CONTENT_DISPOSITION, disposition(file.filename()));
    try (InputStream in = content;
        OutputStream out = res.outputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // the client went away, or the store failed mid-stream: the status is already sent
      throw new UncheckedIOException(e);
    }
  }

  private void delete(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    api.files()
        .delete(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("file " + id + " not found"));
    Http.ok(res, Views.deleted(id, "file_deleted"));
  }

  private FileRecord find(ServerRequest req) {
    String id = Api.param(req, "id");
    String workspace = Caller.workspace(req);
    return api.files()
        .find(workspace, id)
        .orElseThrow(
            () ->
                api.files().isExpired(workspace, id)
                    ? ApiError.notFound("file " + id + " has expired", "file_expired")
                    : ApiError.notFound("file " + id + " not found"));
  }

  static ObjectNode view(FileRecord f) {
    ObjectNode n = Json.mapper().createObjectNode().put("id", f.id()).put("type", "file");
    n.put("filename", f.filename()).put("mime_type", f.mimeType());
    n.put("size_bytes", f.sizeBytes()).put("created_at", Timestamps.format(f.createdAt()));
    n.put("downloadable", f.downloadable());
    if (f.expiresAt() != null) {
      n.put("expires_at", Timestamps.format(f.expiresAt()));
    }
    if (f.scopeSessionId() != null) {
      n.putObject("scope").put("type", "session").put("id", f.scopeSessionId());
    }
    return n;
  }

  private static PageKey key(FileRecord f) {
    return new PageKey(Timestamps.toMicros(f.createdAt()), f.id());
  }

  /**
   * {@code attachment} with an ASCII fallback name and the exact name in RFC 5987 form, so that no
   * filename can break out of the header.
   */
  static String disposition(String filename) {
    StringBuilder ascii = new StringBuilder();
    filename
        .codePoints()
        .forEach(
            c ->
                ascii.append(
                    c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? (char) c : '_'));
    String exact = URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + exact;
  }
}
