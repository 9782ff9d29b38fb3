package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ConflictException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.beta.memorystores.BetaManagedAgentsMemoryStore;
import com.anthropic.models.beta.memorystores.MemoryStoreCreateParams;
import com.anthropic.models.beta.memorystores.MemoryStoreListParams;
import com.anthropic.models.beta.memorystores.MemoryStoreUpdateParams;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsMemory;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsMemoryListItem;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsMemoryView;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsPrecondition;
import com.anthropic.models.beta.memorystores.memories.MemoryCreateParams;
import com.anthropic.models.beta.memorystores.memories.MemoryDeleteParams;
import com.anthropic.models.beta.memorystores.memories.MemoryListParams;
import com.anthropic.models.beta.memorystores.memories.MemoryRetrieveParams;
import com.anthropic.models.beta.memorystores.memories.MemoryUpdateParams;
import com.anthropic.models.beta.memorystores.memoryversions.BetaManagedAgentsMemoryVersion;
import com.anthropic.models.beta.memorystores.memoryversions.BetaManagedAgentsMemoryVersionOperation;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionListParams;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionRedactParams;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionRetrieveParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryContent;
import dev.agentry.core.MemoryRepository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory stores API through the official Java SDK (and raw HTTP for what it cannot send). */
class MemoryStoresSdkTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static AnthropicClient client;
  static String keyId;
  static String keySecret;

  @BeforeAll
  static void start() {
    server = new TestServer(dataDir, null);
    var made =
        Admin.createKey(server.server.store(), "mem", "member", "wrkspc_default", Instant.now());
    keyId = made.key().id();
    keySecret = made.secret();
    client = server.sdk(keySecret);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static BetaManagedAgentsMemoryStore newStore(String name) {
    return client
        .beta()
        .memoryStores()
        .create(MemoryStoreCreateParams.builder().name(name).description("What we learnt").build());
  }

  static BetaManagedAgentsMemory write(String store, String path, String content) {
    return client
        .beta()
        .memoryStores()
        .memories()
        .create(store, MemoryCreateParams.builder().path(path).content(content).build());
  }

  static JsonNode json(java.net.http.HttpResponse<String> r) throws Exception {
    return Json.mapper().readTree(r.body());
  }

  @Test
  void stores_createRetrieveUpdateListArchiveDelete() {
    var store = newStore("User Preferences");
    assertThat(store.id()).startsWith("memstore_");
    assertThat(store.description()).isEqualTo("What we learnt");
    var stores = client.beta().memoryStores();
    assertThat(stores.retrieve(store.id()).name()).isEqualTo("User Preferences");
    var renamed =
        stores.update(store.id(), MemoryStoreUpdateParams.builder().name("Prefs").build());
    assertThat(renamed.name()).isEqualTo("Prefs");
    assertThat(renamed.description()).isEqualTo("What we learnt");
    stores.archive(store.id());
    assertThat(stores.retrieve(store.id()).archivedAt()).isPresent();
    assertThat(stores.list().data())
        .extracting(BetaManagedAgentsMemoryStore::id)
        .doesNotContain(store.id());
    assertThat(
            stores
                .list(MemoryStoreListParams.builder().includeArchived(true).build())
                .autoPager()
                .stream()
                .map(BetaManagedAgentsMemoryStore::id))
        .contains(store.id());
    assertThatThrownBy(() -> write(store.id(), "/x.md", "x"))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("archived");
    assertThat(stores.delete(store.id()).id()).isEqualTo(store.id());
    assertThatThrownBy(() -> stores.retrieve(store.id())).isInstanceOf(NotFoundException.class);
  }

  @Test
  void memories_createBasic_retrieveFull_andListByPrefixAndDepth() {
    String store = newStore("Notes").id();
    BetaManagedAgentsMemory made = write(store, "/projects/foo/notes.md", "# Foo\n");
    assertThat(made.id()).startsWith("mem_");
    assertThat(made.content()).isEmpty();
    assertThat(made.contentSha256()).isEqualTo(MemoryContent.sha256("# Foo\n"));
    assertThat(made.contentSizeBytes()).isEqualTo(6);
    write(store, "/projects/bar.md", "bar");
    write(store, "/projects/foo/deep/x.md", "x");
    write(store, "/top.md", "top");
    var memories = client.beta().memoryStores().memories();
    assertThat(
            memories
                .retrieve(made.id(), MemoryRetrieveParams.builder().memoryStoreId(store).build())
                .content())
        .contains("# Foo\n");

    List<BetaManagedAgentsMemoryListItem> level =
        memories
            .list(store, MemoryListParams.builder().pathPrefix("/projects/").depth(1).build())
            .data();
    assertThat(level)
        .extracting(BetaManagedAgentsMemoryListItem::path)
        .containsExactly("/projects/bar.md", "/projects/foo/");
    assertThat(level.get(0).isMemory()).isTrue();
    assertThat(level.get(1).isMemoryPrefix()).isTrue();

    List<String> all = new ArrayList<>();
    memories
        .list(
            store,
            MemoryListParams.builder().limit(1).view(BetaManagedAgentsMemoryView.FULL).build())
        .autoPager()
        .forEach(
            i -> {
              all.add(i.path());
              assertThat(i.asMemory().content()).isPresent();
            });
    assertThat(all)
        .containsExactly(
            "/projects/bar.md", "/projects/foo/deep/x.md", "/projects/foo/notes.md", "/top.md");
  }

  @Test
  void update_withPrecondition_andAStaleOneIs409_deleteLikewise() throws Exception {
    String store = newStore("Pre").id();
    var memories = client.beta().memoryStores().memories();
    BetaManagedAgentsMemory one = write(store, "/a.md", "one");
    BetaManagedAgentsMemory two =
        memories.update(
            one.id(),
            MemoryUpdateParams.builder()
                .memoryStoreId(store)
                .content("two")
                .precondition(
                    BetaManagedAgentsPrecondition.builder()
                        .type(com.anthropic.core.JsonValue.from("content_sha256"))
                        .contentSha256(one.contentSha256())
                        .build())
                .build());
    assertThat(two.contentSha256()).isEqualTo(MemoryContent.sha256("two"));
    assertThat(two.memoryVersionId()).isNotEqualTo(one.memoryVersionId());

    String stale =
        "{\"content\":\"three\",\"precondition\":{\"type\":\"content_sha256\",\"content_sha256\":\""
            + one.contentSha256()
            + "\"}}";
    var refused =
        server.call("PATCH", "/v1/memory_stores/" + store + "/memories/" + one.id(), stale);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(json(refused).at("/error/type").asText())
        .isEqualTo("memory_precondition_failed_error");
    var patched =
        server.call(
            "PATCH",
            "/v1/memory_stores/" + store + "/memories/" + one.id(),
            stale.replace(one.contentSha256(), two.contentSha256()));
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);

    assertThatThrownBy(
            () ->
                memories.delete(
                    one.id(),
                    MemoryDeleteParams.builder()
                        .memoryStoreId(store)
                        .expectedContentSha256(two.contentSha256())
                        .build()))
        .isInstanceOf(ConflictException.class);
    assertThat(
            memories
                .delete(
                    one.id(),
                    MemoryDeleteParams.builder()
                        .memoryStoreId(store)
                        .expectedContentSha256(MemoryContent.sha256("three"))
                        .build())
                .id())
        .isEqualTo(one.id());
  }

  @Test
  void pathConflicts_are409sNamingTheConflictingMemory() throws Exception {
    String store = newStore("Paths").id();
    BetaManagedAgentsMemory file = write(store, "/a/b.md", "x");
    for (String path : List.of("/a/b.md", "/a/b.md/c", "/a")) {
      var r =
          server.call(
              "POST",
              "/v1/memory_stores/" + store + "/memories",
              "{\"path\":\"" + path + "\",\"content\":\"y\"}");
      assertThat(r.statusCode()).as(path).isEqualTo(409);
      JsonNode error = json(r).get("error");
      assertThat(error.get("type").asText()).isEqualTo("memory_path_conflict_error");
      assertThat(error.get("conflicting_path").asText()).isEqualTo("/a/b.md");
      assertThat(error.get("conflicting_memory_id").asText()).isEqualTo(file.id());
    }
    assertThatThrownBy(() -> write(store, "/a", "z")).isInstanceOf(ConflictException.class);
  }

  @Test
  void badInput_isA400NamingTheFieldAndTheRule() throws Exception {
    String store = newStore("Bad").id();
    String base = "/v1/memory_stores/" + store + "/memories";
    String big = "a".repeat(MemoryContent.MAX_BYTES + 1);
    String[][] cases = {
      {"{\"path\":\"/big.md\",\"content\":\"" + big + "\"}", "content: must be at most 102400"},
      {"{\"path\":\"/a/../b.md\",\"content\":\"x\"}", "path: must not have a . or .. segment"},
      {"{\"path\":\"no-slash.md\",\"content\":\"x\"}", "path: must start with /"},
      {"{\"path\":\"/a//b\",\"content\":\"x\"}", "path: must not have an empty segment"},
      {
        "{\"path\":\"/cafe\\u0301.md\",\"content\":\"x\"}",
        "path: must be in Unicode normal form NFC"
      },
      {
        "{\"path\":\"" + "/s".repeat(21) + "\",\"content\":\"x\"}",
        "path: must have at most 20 segments"
      },
      {"{\"path\":\"/" + "x".repeat(1030) + "\",\"content\":\"x\"}", "path: must be at most 1024"},
      {"{\"path\":\"/ok.md\"}", "content: is required"},
      {"{\"path\":\"/ok.md\",\"content\":\"x\",\"mode\":\"w\"}", "mode: unknown field"},
    };
    for (String[] c : cases) {
      var r = server.call("POST", base, c[0]);
      assertThat(r.statusCode()).as(c[1]).isEqualTo(400);
      assertThat(json(r).at("/error/message").asText())
          .as(c[0].length() > 200 ? c[1] : c[0])
          .contains(c[1]);
    }
    assertThat(
            json(server.call("POST", base, cases[8][0])).at("/error/details/error_code").asText())
        .isEqualTo("unsupported_feature");
    String exactly = "a".repeat(MemoryContent.MAX_BYTES);
    assertThat(
            server
                .call("POST", base, "{\"path\":\"/max.md\",\"content\":\"" + exactly + "\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(server.call("GET", base + "?path_prefix=/no-trailing", null).statusCode())
        .isEqualTo(400);
    assertThat(server.call("GET", base + "?view=everything", null).statusCode()).isEqualTo(400);
  }

  @Test
  void aFullStore_refusesTheNextMemory() throws Exception {
    String store = newStore("Full").id();
    MemoryRepository repo = server.server.store().memories();
    for (int i = 0; i < MemoryRepository.MAX_MEMORIES; i++) {
      repo.create(store, "/m" + i, "", MemoryActor.api(keyId), Instant.now());
    }
    var r =
        server.call(
            "POST",
            "/v1/memory_stores/" + store + "/memories",
            "{\"path\":\"/one-more\",\"content\":\"x\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(json(r).at("/error/details/error_code").asText()).isEqualTo("memory_store_full");
  }

  @Test
  void versions_recordEveryWriteWithItsActor_filter_andRedact() {
    String store = newStore("Versions").id();
    var memories = client.beta().memoryStores().memories();
    var versions = client.beta().memoryStores().memoryVersions();
    BetaManagedAgentsMemory m = write(store, "/v.md", "secret v1");
    memories.update(
        m.id(), MemoryUpdateParams.builder().memoryStoreId(store).content("clean v2").build());
    write(store, "/other.md", "o");

    List<BetaManagedAgentsMemoryVersion> mine =
        versions.list(store, MemoryVersionListParams.builder().memoryId(m.id()).build()).data();
    assertThat(mine)
        .extracting(v -> v.operation().asString())
        .containsExactly("modified", "created");
    BetaManagedAgentsMemoryVersion first = mine.get(1);
    assertThat(first.createdBy().orElseThrow().asApi().apiKeyId()).isEqualTo(keyId);
    assertThat(
            versions
                .list(
                    store,
                    MemoryVersionListParams.builder()
                        .operation(BetaManagedAgentsMemoryVersionOperation.CREATED)
                        .apiKeyId(keyId)
                        .build())
                .data())
        .hasSize(2);
    assertThat(
            versions
                .list(store, MemoryVersionListParams.builder().sessionId("sesn_x").build())
                .data())
        .isEmpty();
    assertThat(
            versions
                .retrieve(
                    first.id(), MemoryVersionRetrieveParams.builder().memoryStoreId(store).build())
                .content())
        .contains("secret v1");

    BetaManagedAgentsMemoryVersion redacted =
        versions.redact(
            first.id(), MemoryVersionRedactParams.builder().memoryStoreId(store).build());
    assertThat(redacted.content()).isEmpty();
    assertThat(redacted.path()).isEmpty();
    assertThat(redacted.contentSha256()).isEmpty();
    assertThat(redacted.redactedAt()).isPresent();
    assertThat(redacted.redactedBy().orElseThrow().asApi().apiKeyId()).isEqualTo(keyId);
    assertThatThrownBy(
            () ->
                versions.redact(
                    mine.get(0).id(),
                    MemoryVersionRedactParams.builder().memoryStoreId(store).build()))
        .isInstanceOf(ConflictException.class);
  }

  @Test
  void anotherWorkspacesStore_isNotFound() {
    String store = newStore("Mine").id();
    String other = server.createKey("wrkspc_memother", "member");
    assertThatThrownBy(() -> server.sdk(other).beta().memoryStores().retrieve(store))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(
            () ->
                server
                    .sdk(other)
                    .beta()
                    .memoryStores()
                    .memories()
                    .create(store, MemoryCreateParams.builder().path("/x").content("x").build()))
        .isInstanceOf(NotFoundException.class);
  }
}
