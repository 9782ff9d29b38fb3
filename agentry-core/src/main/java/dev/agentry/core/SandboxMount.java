package dev.agentry.core;

import java.nio.file.Path;

/**
 * A host path that a session's sandbox sees at {@code target} (an absolute path inside the
 * sandbox), besides its workspace: a file resource (read-only), a repository checkout, the outputs
 * directory.
 */
public record SandboxMount(Path source, String target, boolean readOnly) {}
