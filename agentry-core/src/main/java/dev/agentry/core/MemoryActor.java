package dev.agentry.core;

/**
 * Who wrote a memory version: {@code type} is the wire name ({@code session_actor}, {@code
 * api_actor}, {@code user_actor}, {@code service_account_actor}) and {@code id} the session, API
 * key, user or service account.
 */
public record MemoryActor(String type, String id) {
  public static final String SESSION = "session_actor";
  public static final String API = "api_actor";

  public static MemoryActor session(String sessionId) {
    return new MemoryActor(SESSION, sessionId);
  }

  public static MemoryActor api(String apiKeyId) {
    return new MemoryActor(API, apiKeyId);
  }
}
