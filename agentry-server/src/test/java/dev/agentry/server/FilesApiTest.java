package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.MultipartField;
import com.anthropic.core.http.HttpResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.FileRecord;
import dev.agentry.core.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Files API through the official Java SDK, and what it refuses. */
class FilesApiTest {
  static final long MAX_UPLOAD = 200_000;

  @TempDir Path dataDir;
  final SettableClock clock = new SettableClock();
  TestServer server;
  AnthropicClient sdk;

  @BeforeEach
  void start() {
    server =
        new TestServer(
            dataDir,
            null,
            Map.of(
                "AGENTRY_MODEL_CHECK", "form",
                "AGENTRY_MAX_UPLOAD_BYTES", Long.toString(MAX_UPLOAD),
                // the periodic sweep stays out of the way; tests run it when they mean to
                "AGENTRY_FILES_SWEEP_MS", "86400000"),
            clock);
    sdk = server.sdk();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  BetaFileMetadata upload(AnthropicClient client, String filename, String type, byte[] bytes) {
    return client
        .beta()
        .files()
        .upload(
            FileUploadParams.builder()
                .file(
                    MultipartField.<InputStream>builder()
                        .value(new ByteArrayInputStream(bytes))
                        .filename(filename)
                        .contentType(type)
                        .build())
                .build());
  }

  static byte[] download(AnthropicClient client, String id) {
    try (HttpResponse r = client.beta().files().download(id);
        InputStream in = r.body()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  List<String> storedBlobs() {
    List<String> out = new ArrayList<>();
    server.server.blobs().list("", ref -> out.add(ref.address()));
    return out;
  }

  @Test
  void uploadListRetrieveDownloadDelete_throughTheSdk() throws Exception {
    byte[] bytes = random(150_000, 1);
    BetaFileMetadata up = upload(sdk, "dir/sub/report final.csv", "text/csv", bytes);

    assertThat(up.id()).startsWith("file_");
    assertThat(up.filename()).isEqualTo("report final.csv");
    assertThat(up.mimeType()).isEqualTo("text/csv");
    assertThat(up.sizeBytes()).isEqualTo(150_000);
    assertThat(up.downloadable()).contains(true);
    assertThat(up.expiresAt()).isEmpty();
    assertThat(up.scope()).isEmpty();
    assertThat(up.createdAt()).isAfter(OffsetDateTime.now().minusMinutes(1));
    assertThat(sdk.beta().files().retrieveMetadata(up.id())).isEqualTo(up);
    assertThat(sdk.beta().files().list().data()).containsExactly(up);

    try (HttpResponse r = sdk.beta().files().download(up.id());
        InputStream in = r.body()) {
      assertThat(r.headers().values("content-type")).containsExactly("text/csv");
      assertThat(r.headers().values("content-disposition"))
          .containsExactly(
              "attachment; filename=\"report final.csv\"; filename*=UTF-8''report%20final.csv");
      assertThat(in.readAllBytes()).isEqualTo(bytes);
    }
    assertThat(storedBlobs()).hasSize(1);

    var deleted = sdk.beta().files().delete(up.id());
    assertThat(deleted.id()).isEqualTo(up.id());
    assertThat(String.valueOf(deleted._type())).contains("file_deleted");
    assertThatThrownBy(() -> sdk.beta().files().retrieveMetadata(up.id()))
        .isInstanceOf(NotFoundException.class);
    assertThat(sdk.beta().files().list().data()).isEmpty();
    assertThat(storedBlobs()).isEmpty();
  }

  @Test
  void theSameBytesTwice_shareOneBlob_keptUntilTheLastFileGoes() {
    byte[] bytes = random(10_000, 2);
    BetaFileMetadata one = upload(sdk, "a.bin", "application/octet-stream", bytes);
    BetaFileMetadata two = upload(sdk, "b.bin", "application/octet-stream", bytes);
    assertThat(storedBlobs()).hasSize(1);

    sdk.beta().files().delete(one.id());
    assertThat(storedBlobs()).hasSize(1);
    assertThat(download(sdk, two.id())).isEqualTo(bytes);

    sdk.beta().files().delete(two.id());
    assertThat(storedBlobs()).isEmpty();
  }

  @Test
  void anUploadOverTheLimit_is413_andLeavesNothing() {
    // its Content-Length exceeds the limit and the form's allowance: refused before it is read
    assertThatThrownBy(
            () -> upload(sdk, "big.bin", "application/octet-stream", random(1_500_000, 3)))
        .isInstanceOfSatisfying(
            ContentTooLargeException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(413);
              assertThat(e.type().map(Object::toString)).contains("request_too_large");
              assertThat(e.apiMessage().orElseThrow())
                  .contains("file: must be at most " + MAX_UPLOAD + " bytes");
            });
    assertThat(sdk.beta().files().list().data()).isEmpty();
    assertThat(storedBlobs()).isEmpty();
  }

  @Test
  void anUploadOverTheLimitWithoutALength_isCutOffWhileStreaming() {
    // chunked: the server learns the size only by reading, so the limit is enforced mid-stream
    byte[] body = form("file", "big.bin", "application/octet-stream", random(300_000, 4));
    var r = RawUploads.chunked(server, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    assertThat(error(r.body()).path("type").asText()).isEqualTo("request_too_large");
    assertThat(sdk.beta().files().list().data()).isEmpty();
    assertThat(storedBlobs()).isEmpty();
    // just under the limit streams through the same path
    byte[] fits = random((int) MAX_UPLOAD, 5);
    var ok = RawUploads.chunked(server, form("file", "fits.bin", "application/pdf", fits));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    String id = Json.read(ok.body(), JsonNode.class).path("id").asText();
    assertThat(download(sdk, id)).isEqualTo(fits);
  }

  @Test
  void expiresInSeconds_outOfRange_is400NamingIt_andStoresNothing() {
    for (long bad : new long[] {0, 3599, 7_776_001}) {
      assertThatThrownBy(
              () ->
                  sdk.beta()
                      .files()
                      .upload(
                          FileUploadParams.builder()
                              .file("hello".getBytes(StandardCharsets.UTF_8))
                              .expiresInSeconds(bad)
                              .build()))
          .isInstanceOfSatisfying(
              BadRequestException.class,
              e ->
                  assertThat(e.apiMessage().orElseThrow())
                      .isEqualTo(
                          "expires_in_seconds: must be an integer between 3600 and 7776000"));
    }
    var r =
        RawUploads.post(
            server,
            RawUploads.FORM_TYPE,
            concat(
                field("expires_in_seconds", "soon"),
                part("file", "x.txt", "text/plain", "x".getBytes(StandardCharsets.UTF_8)),
                end()));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(error(r.body()).path("message").asText()).startsWith("expires_in_seconds:");
    assertThat(sdk.beta().files().list().data()).isEmpty();
    assertThat(storedBlobs()).isEmpty();
  }

  @Test
  void badForms_are400_namingWhatIsWrong() {
    var noFile =
        RawUploads.post(server, RawUploads.FORM_TYPE, concat(field("purpose", "x"), end()));
    assertThat(noFile.statusCode()).isEqualTo(400);
    assertThat(error(noFile.body()).path("message").asText()).startsWith("purpose:");
    assertThat(error(noFile.body()).path("details").path("error_code").asText())
        .isEqualTo("unsupported_feature");

    var empty = RawUploads.post(server, RawUploads.FORM_TYPE, end());
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(error(empty.body()).path("message").asText()).startsWith("file: required");

    var json = server.call("POST", "/v1/files", "{\"file\":\"abc\"}");
    assertThat(json.statusCode()).isEqualTo(400);
    assertThat(error(json.body()).path("message").asText())
        .startsWith("body: must be multipart/form-data");

    byte[] cut = concat(part("file", "x.bin", "application/octet-stream", random(5000, 6)));
    var truncated = RawUploads.post(server, RawUploads.FORM_TYPE, cut);
    assertThat(truncated.statusCode()).isEqualTo(400);
    assertThat(error(truncated.body()).path("message").asText())
        .startsWith("body: not well-formed multipart/form-data");

    var twice =
        RawUploads.post(
            server,
            RawUploads.FORM_TYPE,
            concat(
                part("file", "a", "text/plain", new byte[] {1}),
                part("file", "b", "text/plain", new byte[] {2}),
                end()));
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(error(twice.body()).path("message").asText()).isEqualTo("file: must be sent once");
    assertThat(sdk.beta().files().list().data()).isEmpty();
    assertThat(storedBlobs()).isEmpty();
  }

  @Test
  void nameAndType_comeFromThePart_withTheHostedApisDefaults() {
    var untyped =
        RawUploads.post(
            server,
            RawUploads.FORM_TYPE,
            concat(
                part("file", "C:\\Users\\me\\r\u00e9sum\u00e9.pdf", null, new byte[] {1}), end()));
    JsonNode meta = Json.read(untyped.body(), JsonNode.class);
    assertThat(meta.path("filename").asText()).isEqualTo("r\u00e9sum\u00e9.pdf");
    assertThat(meta.path("mime_type").asText()).isEqualTo("application/octet-stream");
    try (HttpResponse r = sdk.beta().files().download(meta.path("id").asText())) {
      assertThat(r.headers().values("content-disposition"))
          .containsExactly(
              "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
    }
    var nameless =
        RawUploads.post(
            server,
            RawUploads.FORM_TYPE,
            concat(part("file", "", "application/pdf", new byte[] {2}), end()));
    assertThat(Json.read(nameless.body(), JsonNode.class).path("filename").asText())
        .isEqualTo("unnamed.pdf");
  }

  @Test
  void unknownAndOtherWorkspacesFiles_are404Everywhere() {
    String otherKey = server.createKey("wrkspc_filesother", "member");
    AnthropicClient other = server.sdk(otherKey);
    BetaFileMetadata mine = upload(sdk, "mine.txt", "text/plain", random(100, 7));
    BetaFileMetadata theirs = upload(other, "theirs.txt", "text/plain", random(100, 8));

    for (String id : List.of("file_doesnotexist", theirs.id())) {
      assertThatThrownBy(() -> sdk.beta().files().retrieveMetadata(id))
          .isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> download(sdk, id)).isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> sdk.beta().files().delete(id)).isInstanceOf(NotFoundException.class);
    }
    assertThat(sdk.beta().files().list().data()).containsExactly(mine);
    assertThat(sdk.beta().files().list(FileListParams.builder().addId(theirs.id()).build()).data())
        .isEmpty();
    assertThat(other.beta().files().list().data()).containsExactly(theirs);
    assertThat(download(other, theirs.id())).hasSize(100);
  }

  @Test
  void listing_pagesNewestFirst_withTheCursorAndWithAfterAndBeforeIds() {
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(0, upload(sdk, "f" + i + ".txt", "text/plain", random(10, 100 + i)).id());
    }
    // the SDK's auto-pager follows next_page
    List<String> walked = new ArrayList<>();
    sdk.beta()
        .files()
        .list(FileListParams.builder().limit(2).build())
        .autoPager()
        .forEach(f -> walked.add(f.id()));
    assertThat(walked).containsExactlyElementsOf(made);

    JsonNode first = listRaw("?limit=2");
    assertThat(ids(first)).containsExactlyElementsOf(made.subList(0, 2));
    assertThat(first.path("has_more").asBoolean()).isTrue();
    assertThat(first.path("first_id").asText()).isEqualTo(made.get(0));
    assertThat(first.path("last_id").asText()).isEqualTo(made.get(1));
    JsonNode second = listRaw("?limit=2&after_id=" + first.path("last_id").asText());
    assertThat(ids(second)).containsExactlyElementsOf(made.subList(2, 4));
    JsonNode third = listRaw("?limit=2&after_id=" + second.path("last_id").asText());
    assertThat(ids(third)).containsExactly(made.get(4));
    assertThat(third.path("has_more").asBoolean()).isFalse();
    assertThat(third.path("next_page").isNull()).isTrue();
    JsonNode back = listRaw("?limit=2&before_id=" + made.get(4));
    assertThat(ids(back)).containsExactlyElementsOf(made.subList(2, 4));
    assertThat(back.path("has_more").asBoolean()).isTrue();
    JsonNode start = listRaw("?limit=2&before_id=" + made.get(2));
    assertThat(ids(start)).containsExactlyElementsOf(made.subList(0, 2));
    assertThat(start.path("has_more").asBoolean()).isFalse();

    var foreignCursor = server.call("GET", "/v1/files?after_id=file_nope", null);
    assertThat(foreignCursor.statusCode()).isEqualTo(400);
    assertThat(error(foreignCursor.body()).path("message").asText())
        .isEqualTo("after_id: no file file_nope");
    var both = server.call("GET", "/v1/files?ids[]=" + made.get(0) + "&limit=2", null);
    assertThat(both.statusCode()).isEqualTo(400);
    var badLimit = server.call("GET", "/v1/files?limit=1001", null);
    assertThat(badLimit.statusCode()).isEqualTo(400);
  }

  @Test
  void scopeIdAndIds_filterTheListing() {
    String ws = dev.agentry.core.Workspace.DEFAULT_ID;
    FileRecord out1 =
        server.server.files().storeOutput(ws, "sesn_one", "out1.md", "text/markdown", stream("a"));
    FileRecord out2 =
        server.server.files().storeOutput(ws, "sesn_one", "out2.md", "text/markdown", stream("b"));
    server.server.files().storeOutput(ws, "sesn_two", "x.md", "text/markdown", stream("c"));
    BetaFileMetadata upload = upload(sdk, "in.txt", "text/plain", random(5, 9));

    List<BetaFileMetadata> scoped =
        sdk.beta().files().list(FileListParams.builder().scopeId("sesn_one").build()).data();
    assertThat(scoped).extracting(BetaFileMetadata::id).containsExactly(out2.id(), out1.id());
    assertThat(scoped.get(0).scope().orElseThrow().id()).isEqualTo("sesn_one");
    assertThat(String.valueOf(scoped.get(0).scope().orElseThrow()._type())).contains("session");
    assertThat(download(sdk, out1.id())).isEqualTo("a".getBytes(StandardCharsets.UTF_8));

    List<BetaFileMetadata> byIds =
        sdk.beta()
            .files()
            .list(
                FileListParams.builder()
                    .addId(upload.id())
                    .addId(out1.id())
                    .addId("file_gone")
                    .build())
            .data();
    assertThat(byIds).extracting(BetaFileMetadata::id).containsExactly(upload.id(), out1.id());
  }

  @Test
  void anExpiredFile_is404BeforeTheSweep_andTheSweepDeletesItAndItsBlob() {
    BetaFileMetadata f =
        sdk.beta()
            .files()
            .upload(
                FileUploadParams.builder()
                    .file("short-lived".getBytes(StandardCharsets.UTF_8))
                    .expiresInSeconds(3600)
                    .build());
    assertThat(Duration.between(f.createdAt(), f.expiresAt().orElseThrow()))
        .isEqualTo(Duration.ofHours(1));
    BetaFileMetadata keeper = upload(sdk, "keep.txt", "text/plain", random(5, 10));

    clock.advance(Duration.ofSeconds(3601));

    assertThatThrownBy(() -> sdk.beta().files().retrieveMetadata(f.id()))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.errorCode()).contains("file_expired"));
    assertThatThrownBy(() -> download(sdk, f.id())).isInstanceOf(NotFoundException.class);
    assertThat(sdk.beta().files().list().data()).containsExactly(keeper);
    assertThat(storedBlobs()).hasSize(2);

    assertThat(server.server.sweepExpiredFiles()).isEqualTo(1);
    assertThat(storedBlobs()).hasSize(1);
    assertThat(server.server.store().files().find(dev.agentry.core.Workspace.DEFAULT_ID, f.id()))
        .isEmpty();
    assertThatThrownBy(() -> sdk.beta().files().retrieveMetadata(f.id()))
        .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.errorCode()).isEmpty());
    assertThat(download(sdk, keeper.id())).hasSize(5);
  }

  @Test
  void aFileMarkedNotDownloadable_isRefusedAsTheHostedApiDoes() {
    String ws = dev.agentry.core.Workspace.DEFAULT_ID;
    FileRecord f =
        server
            .server
            .files()
            .store(ws, "secret.txt", "text/plain", stream("no"), null, false, null);
    assertThat(sdk.beta().files().retrieveMetadata(f.id()).downloadable()).contains(false);
    assertThatThrownBy(() -> download(sdk, f.id()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> assertThat(e.errorCode()).contains("file_not_downloadable"));
  }

  JsonNode listRaw(String query) {
    var r = server.call("GET", "/v1/files" + query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.read(r.body(), JsonNode.class);
  }

  static List<String> ids(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.path("data").forEach(n -> out.add(n.path("id").asText()));
    return out;
  }

  static JsonNode error(String body) {
    JsonNode n = Json.read(body, JsonNode.class);
    assertThat(n.path("type").asText()).isEqualTo("error");
    return n.path("error");
  }

  static InputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] form(String name, String filename, String type, byte[] content) {
    return concat(part(name, filename, type, content), end());
  }

  static byte[] part(String name, String filename, String type, byte[] content) {
    String head =
        "--"
            + RawUploads.BOUNDARY
            + "\r\nContent-Disposition: form-data; name=\""
            + name
            + "\"; filename=\""
            + filename
            + "\"\r\n"
            + (type == null ? "" : "Content-Type: " + type + "\r\n")
            + "\r\n";
    return concat(head.getBytes(StandardCharsets.UTF_8), content, "\r\n".getBytes());
  }

  static byte[] field(String name, String value) {
    String s =
        "--"
            + RawUploads.BOUNDARY
            + "\r\nContent-Disposition: form-data; name=\""
            + name
            + "\"\r\n\r\n"
            + value
            + "\r\n";
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] end() {
    return ("--" + RawUploads.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    var out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
