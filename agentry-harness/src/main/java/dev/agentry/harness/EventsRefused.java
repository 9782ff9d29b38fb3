package dev.agentry.harness;

import java.util.Optional;

/**
 * Why a session did not take the events a client sent: it is not the caller's (or does not exist),
 * or the events break a rule of the session's state (archived, terminated, at its budget, an answer
 * to a call it did not make or that is answered already). The message names the event ({@code
 * events[2].tool_use_id}) and the rule; {@link #errorCode} is the API's {@code
 * error.details.error_code}, when the rule has one.
 */
public final class EventsRefused extends RuntimeException {
  /** What the API answers: 404 for {@link #SESSION_NOT_FOUND}, 400 otherwise. */
  public enum Reason {
    SESSION_NOT_FOUND,
    INVALID
  }

  private final Reason reason;
  private final String errorCode;

  private EventsRefused(Reason reason, String message, String errorCode) {
    super(message, null, false, false);
    this.reason = reason;
    this.errorCode = errorCode;
  }

  static EventsRefused notFound(String sessionId) {
    return new EventsRefused(Reason.SESSION_NOT_FOUND, "session " + sessionId + " not found", null);
  }

  static EventsRefused invalid(String message) {
    return new EventsRefused(Reason.INVALID, message, null);
  }

  static EventsRefused invalid(String message, String errorCode) {
    return new EventsRefused(Reason.INVALID, message, errorCode);
  }

  public Reason reason() {
    return reason;
  }

  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }
}
