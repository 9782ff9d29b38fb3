package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.Memory;
import dev.agentry.core.MemoryActor;
import dev.agentry.core.MemoryRepository;
import dev.agentry.core.MemoryStore;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.core.Workspace;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.StoreFixtures;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MemorySync} against a real store, with another writer slipped in between the sync's read
 * of the store and its write: the precondition, not the read, is what keeps that write.
 */
class MemorySyncTest {
  @TempDir Path dir;
  Store real;
  Store store;
  String storeId;
  String sessionId;
  StoredResource resource;

  /** Runs once, right after the next listing of the store: the other writer's move. */
  final AtomicReference<Runnable> afterList = new AtomicReference<>();

  @BeforeEach
  void open() {
    real = Stores.open(StoreConfig.sqlite(dir.resolve("db")));
    MemoryRepository memories =
        proxy(
            MemoryRepository.class,
            real.memories(),
            (method, result) -> {
              Runnable r = method.equals("list") ? afterList.getAndSet(null) : null;
              if (r != null) {
                r.run();
              }
            });
    store = proxy(Store.class, real, Map.of("memories", memories));
    Instant now = Instant.now();
    storeId =
        real.memories()
            .createStore(
                Workspace.DEFAULT_ID,
                new MemoryStore(
                    Ids.next(IdKind.MEMORY_STORE), "Plans", "", Map.of(), now, now, null))
            .id();
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("id", "sesrsc_mem1").put("type", "memory_store").put("memory_store_id", storeId);
    json.put("access", "read_write").put("name", "Plans").put("mount_path", "/mnt/memory/plans");
    Session s = StoreFixtures.session(real.agents().create(StoreFixtures.agent(now)), now);
    s = real.sessions().create(s, List.of());
    sessionId = s.id();
    real.sessions().update(sessionId, x -> x.withResources(List.<JsonNode>of(json), now));
    resource = new StoredResource(json);
  }

  @AfterEach
  void close() {
    real.close();
  }

  @Test
  void anUpdateRacingTheSync_isKept_andTheSessionIsTold() throws Exception {
    Memory v1 =
        real.memories().create(storeId, "/plan.md", "v1", MemoryActor.api("k"), Instant.now());
    MemorySync sync = new MemorySync(store, dir.resolve("mounts"), Clock.systemUTC());
    assertThat(sync.sync(sessionId)).isEmpty();
    Path file = sync.folder(sessionId, resource).resolve("plan.md");
    assertThat(Files.readString(file)).isEqualTo("v1");

    Files.writeString(file, "mine");
    afterList.set(
        () ->
            real.memories()
                .update(
                    storeId,
                    v1.id(),
                    null,
                    "theirs",
                    null,
                    MemoryActor.session("sesn_other"),
                    Instant.now()));
    List<String> notes = sync.sync(sessionId);

    assertThat(real.memories().findByPath(storeId, "/plan.md").orElseThrow().content())
        .isEqualTo("theirs");
    assertThat(Files.readString(file)).isEqualTo("theirs");
    assertThat(notes).singleElement().asString().contains("/mnt/memory/plans/plan.md");
    assertThat(real.events().readAfter(sessionId, 0, 100).stream().map(e -> e.type()))
        .contains("session.error");
    // Agreed again: the next sync has nothing to do or say.
    assertThat(sync.sync(sessionId)).isEmpty();
  }

  @Test
  void aDeleteRacingAnUpdate_isRefused_andTheUpdateShows() throws Exception {
    Memory v1 =
        real.memories().create(storeId, "/gone.md", "v1", MemoryActor.api("k"), Instant.now());
    MemorySync sync = new MemorySync(store, dir.resolve("mounts"), Clock.systemUTC());
    sync.sync(sessionId);
    Path file = sync.folder(sessionId, resource).resolve("gone.md");
    Files.delete(file);
    afterList.set(
        () ->
            real.memories()
                .update(
                    storeId,
                    v1.id(),
                    null,
                    "kept",
                    null,
                    MemoryActor.session("sesn_other"),
                    Instant.now()));
    sync.sync(sessionId);
    assertThat(real.memories().findByPath(storeId, "/gone.md").map(Memory::content))
        .contains("kept");
    assertThat(Files.readString(file)).isEqualTo("kept");
  }

  interface After {
    void run(String method, Object result);
  }

  @SuppressWarnings("unchecked")
  static <T> T proxy(Class<T> type, T target, After after) {
    return (T)
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (p, m, args) -> {
              try {
                Object out = m.invoke(target, args);
                after.run(m.getName(), out);
                return out;
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @SuppressWarnings("unchecked")
  static <T> T proxy(Class<T> type, T target, Map<String, Object> overrides) {
    return (T)
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (p, m, args) -> {
              if (overrides.containsKey(m.getName()) && (args == null || args.length == 0)) {
                return overrides.get(m.getName());
              }
              try {
                return m.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
