package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.ApiKey;
import dev.agentry.core.ApiKeyRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyCacheTest {
  static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");

  /** Keys in a map, counting lookups; {@code revoke} acts as another process would. */
  static final class FakeKeys implements ApiKeyRepository {
    final Map<String, ApiKey> byHash = new ConcurrentHashMap<>();
    final AtomicInteger lookups = new AtomicInteger();

    @Override
    public ApiKey create(ApiKey key) {
      byHash.put(key.secretHash(), key);
      return key;
    }

    @Override
    public Optional<ApiKey> findByHash(String secretHash) {
      lookups.incrementAndGet();
      return Optional.ofNullable(byHash.get(secretHash));
    }

    @Override
    public List<ApiKey> list() {
      return List.copyOf(byHash.values());
    }

    @Override
    public boolean revoke(String id, Instant now) {
      for (ApiKey k : byHash.values()) {
        if (k.id().equals(id) && k.revokedAt() == null) {
          byHash.put(
              k.secretHash(),
              new ApiKey(
                  k.id(), k.name(), k.secretHash(), k.role(), k.workspaceId(), k.createdAt(), now));
          return true;
        }
      }
      return false;
    }
  }

  final FakeKeys keys = new FakeKeys();
  final AtomicLong nanos = new AtomicLong();
  final ApiKeyCache cache = new ApiKeyCache(keys, nanos::get, Duration.ofSeconds(1));

  ApiKey key(String hash) {
    return keys.create(new ApiKey("key_" + hash, "k", hash, "member", "wrkspc_default", T0, null));
  }

  @Test
  void validKey_isLookedUpOncePerTtl() {
    ApiKey k = key("h1");
    assertThat(cache.valid("h1")).contains(k);
    nanos.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(cache.valid("h1")).contains(k);
    assertThat(keys.lookups).hasValue(1);
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(cache.valid("h1")).contains(k);
    assertThat(keys.lookups).hasValue(2);
  }

  @Test
  void keyRevokedByAnotherProcess_isRefusedOnceTheTtlHasPassed() {
    ApiKey k = key("h2");
    assertThat(cache.valid("h2")).contains(k);
    keys.revoke(k.id(), T0);
    nanos.addAndGet(ApiKeyCache.TTL.toNanos());
    assertThat(cache.valid("h2")).isEmpty();
    assertThat(cache.valid("h2")).isEmpty();
  }

  @Test
  void revocationInThisProcess_isRefusedOnTheNextLookup() {
    ApiKey k = key("h3");
    assertThat(cache.valid("h3")).contains(k);
    keys.revoke(k.id(), T0);
    ApiKeyCache.revoked();
    assertThat(cache.valid("h3")).isEmpty();
  }

  @Test
  void unknownAndRevokedKeys_areNotCached_soANewKeyWorksAtOnce() {
    assertThat(cache.valid("h4")).isEmpty();
    ApiKey k = key("h4");
    assertThat(cache.valid("h4")).contains(k);
    ApiKey r = key("h5");
    keys.revoke(r.id(), T0);
    assertThat(cache.valid("h5")).isEmpty();
    assertThat(cache.valid("h5")).isEmpty();
    assertThat(keys.lookups).hasValue(4);
  }

  @Test
  void keyRevokedThroughAdmin_isRefusedOnTheServersNextRequest(@TempDir Path dir) {
    try (TestServer server = new TestServer(dir, null)) {
      Admin.CreatedKey made =
          Admin.createKey(server.server.store(), "ci", "member", "wrkspc_default", Instant.now());
      Map<String, String> auth = Map.of("x-api-key", made.secret());
      assertThat(server.call("GET", "/v1/agents", null, auth).statusCode()).isEqualTo(200);
      assertThat(server.call("GET", "/v1/agents", null, auth).statusCode()).isEqualTo(200);
      assertThat(Admin.revokeKey(server.server.store(), made.key().id(), Instant.now())).isTrue();
      var refused = server.call("GET", "/v1/agents", null, auth);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body()).contains("invalid API key");
    }
  }
}
