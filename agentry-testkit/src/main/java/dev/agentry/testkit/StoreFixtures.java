package dev.agentry.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.ApiKey;
import dev.agentry.core.Credential;
import dev.agentry.core.Environment;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.EventDraft;
import dev.agentry.core.FileRecord;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.SessionUsage;
import dev.agentry.core.Vault;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Valid records for store tests; every call makes fresh ids. */
public final class StoreFixtures {
  private StoreFixtures() {}

  /**
   * A random whole second between 2001 and 2030: resources of one test created at it and just after
   * it can be listed alone, even in a database other tests share.
   */
  public static Instant uniqueEpoch() {
    return Instant.ofEpochSecond(
        ThreadLocalRandom.current().nextLong(978_307_200L, 1_893_456_000L));
  }

  public static AgentSpec spec(String name) {
    return new AgentSpec(
        name,
        "an agent for tests",
        "You are a test.",
        new ModelConfig("claude-test", new ModelConfig.Effort("high"), null, null),
        List.of(),
        List.of(),
        List.of(),
        Map.of("team", "store"),
        null,
        null);
  }

  public static Agent agent(Instant createdAt) {
    return agent(spec("agent"), createdAt);
  }

  /** Version 1 of a new agent with {@code spec}. */
  public static Agent agent(AgentSpec spec, Instant createdAt) {
    return new Agent(Ids.next(IdKind.AGENT), 1, spec, createdAt, createdAt, null);
  }

  public static Environment environment(String name, Instant createdAt) {
    return new Environment(
        Ids.next(IdKind.ENVIRONMENT),
        name,
        "an environment for tests",
        new EnvironmentConfig.Cloud(
            new EnvironmentConfig.Networking.Unrestricted(), EnvironmentConfig.Packages.NONE),
        Map.of("k", "v"),
        "organization",
        createdAt,
        createdAt,
        null);
  }

  public static Session session(Agent agent, Instant createdAt) {
    return new Session(
        Ids.next(IdKind.SESSION),
        "a session",
        SessionStatus.IDLE,
        Ids.next(IdKind.ENVIRONMENT),
        agent,
        Map.of("purpose", "test"),
        List.of(),
        List.of(),
        SessionUsage.ZERO,
        createdAt,
        createdAt,
        null,
        null);
  }

  public static Vault vault(Instant createdAt) {
    return new Vault(
        Ids.next(IdKind.VAULT), "a vault", Map.of("k", "v"), createdAt, createdAt, null);
  }

  public static Credential credential(String vaultId, Instant createdAt) {
    ObjectNode auth = Json.mapper().createObjectNode().put("type", "static_bearer");
    return new Credential(
        Ids.next(IdKind.CREDENTIAL),
        vaultId,
        "a credential",
        auth,
        "sealed-bytes".getBytes(StandardCharsets.UTF_8),
        Map.of(),
        createdAt,
        createdAt,
        null);
  }

  public static ApiKey apiKey(Instant createdAt) {
    return new ApiKey(
        Ids.next(IdKind.API_KEY), "a key", Ids.secret("hash_", 40), "member", createdAt, null);
  }

  /** A random content address (64 hex digits), as the blob store names blobs. */
  public static String blobAddress() {
    byte[] random = new byte[32];
    ThreadLocalRandom.current().nextBytes(random);
    return java.util.HexFormat.of().formatHex(random);
  }

  /** A downloadable file that never expires; {@code scopeSessionId} may be null (an upload). */
  public static FileRecord file(Instant createdAt, String scopeSessionId) {
    return file(createdAt, scopeSessionId, blobAddress());
  }

  public static FileRecord file(Instant createdAt, String scopeSessionId, String blobAddress) {
    return new FileRecord(
        Ids.next(IdKind.FILE),
        "notes.txt",
        "text/plain",
        42,
        blobAddress,
        true,
        createdAt,
        null,
        scopeSessionId);
  }

  /** An upload that expires at {@code expiresAt}, created an hour before. */
  public static FileRecord expiring(Instant expiresAt) {
    return new FileRecord(
        Ids.next(IdKind.FILE),
        "temp.bin",
        "application/octet-stream",
        7,
        blobAddress(),
        false,
        expiresAt.minusSeconds(3600),
        expiresAt,
        null);
  }

  public static EventDraft draft(String type) {
    return EventDraft.of(type, "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}", null);
  }

  public static List<EventDraft> drafts(String type, int count) {
    return java.util.stream.IntStream.range(0, count).mapToObj(i -> draft(type)).toList();
  }
}
