package dev.agentry.core;

/**
 * A repository resource could not be prepared; {@code errorType} is the API's error type ({@code
 * repository_authentication_error}, {@code repository_not_found_error}, {@code
 * repository_checkout_error}, {@code repository_clone_error}, ...). The message never contains the
 * token.
 */
public final class RepositoryException extends RuntimeException {
  private final String errorType;

  public RepositoryException(String errorType, String message) {
    super(message);
    this.errorType = errorType;
  }

  public String errorType() {
    return errorType;
  }
}
