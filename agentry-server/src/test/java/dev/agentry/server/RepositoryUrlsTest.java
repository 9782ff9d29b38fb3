package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepositoryUrlsTest {
  private final List<String> cloned = new ArrayList<>();
  private final RepositoryCloner recording =
      (url, branch, commit, token, dest, timeout) -> cloned.add(url);

  @Test
  void aCloneIsRefused_whenItsHostResolvesPrivateAtCloneTime() {
    // Accepted at create (a public name), the name now resolves to loopback: the clone, which
    // connects from the server, must not go there.
    RepositoryCloner guarded = RepositoryUrls.PUBLIC_ONLY.guarding(recording);

    assertThatThrownBy(
            () ->
                guarded.cloneInto(
                    "https://localhost/o/r", null, null, "t", Path.of("x"), Duration.ofSeconds(1)))
        .isInstanceOf(RepositoryException.class)
        .hasMessageContaining("private")
        .extracting(e -> ((RepositoryException) e).errorType())
        .isEqualTo("repository_clone_error");
    assertThat(cloned).isEmpty();
  }

  @Test
  void anOperatorAllowedHost_isClonedThoughPrivate() {
    RepositoryCloner guarded = RepositoryUrls.parse("127.0.0.1:8443").guarding(recording);

    guarded.cloneInto(
        "https://127.0.0.1:8443/o/r", null, null, null, Path.of("x"), Duration.ofSeconds(1));

    assertThat(cloned).containsExactly("https://127.0.0.1:8443/o/r");
  }
}
