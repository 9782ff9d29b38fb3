package dev.agentry.core;

import java.time.Duration;

/**
 * The bounds a sandbox enforces. Each has a documented default (see the README); a limit that trips
 * fails the tool call that hit it, never the server.
 *
 * @param maxProcesses processes and threads alive at once in one sandbox
 * @param memoryBytes memory of the whole sandbox, page cache and {@code /tmp} included
 * @param cpuPercent CPU share of one sandbox, in percent of one core
 * @param defaultTimeout wall time of a call that names none
 * @param maxTimeout the largest {@code timeout_ms} a call may ask for
 * @param maxOutputBytes output kept per call; the rest is cut with a note
 * @param maxFileBytes the largest file a process in the sandbox may write
 * @param workspaceQuotaBytes disk the workspace may use
 * @param tmpBytes size of the private {@code /tmp}
 * @param idleTimeout a sandbox unused this long is reclaimed (its workspace stays)
 */
public record SandboxLimits(
    int maxProcesses,
    long memoryBytes,
    int cpuPercent,
    Duration defaultTimeout,
    Duration maxTimeout,
    int maxOutputBytes,
    long maxFileBytes,
    long workspaceQuotaBytes,
    long tmpBytes,
    Duration idleTimeout) {

  public static final SandboxLimits DEFAULTS =
      new SandboxLimits(
          256,
          2L << 30,
          100,
          Duration.ofSeconds(120),
          Duration.ofMinutes(10),
          100 * 1024,
          1L << 30,
          4L << 30,
          256L << 20,
          Duration.ofMinutes(15));
}
