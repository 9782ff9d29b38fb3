package dev.agentry.core;

/**
 * The outcome of running something in a sandbox. {@code output} is what the caller may show (at
 * most the output limit); {@code truncated} says more was produced; {@code failure} names a limit
 * that tripped ({@code timeout}, {@code memory}, {@code processes}, {@code file_size}, {@code
 * disk}) or is null.
 */
public record ExecResult(int exitCode, String output, boolean truncated, String failure) {
  public boolean timedOut() {
    return "timeout".equals(failure);
  }
}
