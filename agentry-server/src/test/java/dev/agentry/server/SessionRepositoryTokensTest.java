package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.Redactor;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Session;
import dev.agentry.core.Store;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import dev.agentry.testkit.StoreFixtures;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the egress proxy gets: a repository's token only for its own host (and port) and paths
 * within that repository, opened from the sealed store; nothing for another session's request.
 */
class SessionRepositoryTokensTest {
  @TempDir Path dir;

  @Test
  void tokenFor_matchesHostPortAndRepositoryPathOnly() throws Exception {
    try (Store store = Stores.open(StoreConfig.sqlite(dir))) {
      SecretBox box = new SecretBox(new byte[32], new Redactor());
      Instant now = Instant.parse("2026-12-03T10:00:00Z");
      JsonNode repo =
          Json.mapper()
              .readTree(
                  "{\"id\":\"sesrsc_r1\",\"type\":\"github_repository\","
                      + "\"url\":\"https://git.example.com/acme/app.git\",\"mount_path\":\"/workspace/app\"}");
      JsonNode other =
          Json.mapper()
              .readTree(
                  "{\"id\":\"sesrsc_r2\",\"type\":\"github_repository\","
                      + "\"url\":\"http://127.0.0.1:8418/acme/lib\",\"mount_path\":\"/workspace/lib\"}");
      var agent = store.agents().create(StoreFixtures.agent(now));
      Session s =
          store
              .sessions()
              .create(
                  StoreFixtures.session(agent, now).withResources(List.of(repo, other), now),
                  List.of());
      store
          .resourceTokens()
          .put(
              s.id(),
              "sesrsc_r1",
              box.seal("tok-app", ResourceMounts.tokenContext(s.id(), "sesrsc_r1")),
              now);
      store
          .resourceTokens()
          .put(
              s.id(),
              "sesrsc_r2",
              box.seal("tok-lib", ResourceMounts.tokenContext(s.id(), "sesrsc_r2")),
              now);
      var tokens = new SessionRepositoryTokens(store, box);

      assertThat(tokens.tokenFor(s.id(), "git.example.com:443", "/acme/app.git/info/refs"))
          .contains("tok-app");
      assertThat(tokens.tokenFor(s.id(), "GIT.example.com", "/acme/app/git-upload-pack"))
          .contains("tok-app");
      assertThat(tokens.tokenFor(s.id(), "git.example.com:443", "/acme/app")).contains("tok-app");
      assertThat(tokens.tokenFor(s.id(), "git.example.com:443", "/acme/application/info/refs"))
          .as("a repository whose name starts alike")
          .isEmpty();
      assertThat(tokens.tokenFor(s.id(), "git.example.com:443", "/acme/other.git/info/refs"))
          .isEmpty();
      for (String escape :
          List.of(
              "/acme/app/../other.git/info/refs",
              "/acme/app.git/%2e%2e/other.git/info/refs",
              "/acme/app%2F..%2Fother.git/info/refs",
              "/acme/app/./info/refs")) {
        assertThat(tokens.tokenFor(s.id(), "git.example.com:443", escape)).as(escape).isEmpty();
      }
      assertThat(tokens.tokenFor(s.id(), "git.example.com:8443", "/acme/app.git/info/refs"))
          .as("another port of the same host")
          .isEmpty();
      assertThat(tokens.tokenFor(s.id(), "evil.example.com:443", "/acme/app.git/info/refs"))
          .isEmpty();
      assertThat(tokens.tokenFor(s.id(), "127.0.0.1:8418", "/acme/lib.git/info/refs?service=x"))
          .contains("tok-lib");
      assertThat(tokens.tokenFor("sesn_other", "git.example.com:443", "/acme/app.git")).isEmpty();

      // A token sealed for one resource does not open as another's.
      store
          .resourceTokens()
          .put(s.id(), "sesrsc_r1", store.resourceTokens().find(s.id(), "sesrsc_r2").get(), now);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> tokens.tokenFor(s.id(), "git.example.com:443", "/acme/app.git"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void repositoryPaths_nameAndAuthority() {
    URI u = URI.create("https://GitHub.com/o/repo.git/");
    assertThat(RepositoryPaths.name(u)).isEqualTo("repo");
    assertThat(RepositoryPaths.authority(u)).isEqualTo("github.com:443");
    assertThat(RepositoryPaths.authority(URI.create("http://h/o/r"))).isEqualTo("h:80");
  }
}
