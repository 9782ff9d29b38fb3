package dev.agentry.core;

/**
 * A sandbox could not do what was asked (it could not start, or died). Tool failures the model
 * should see are not exceptions but {@link ToolOutcome}s with {@code isError}.
 */
public class SandboxException extends RuntimeException {
  public SandboxException(String message) {
    super(message);
  }

  public SandboxException(String message, Throwable cause) {
    super(message, cause);
  }
}
