package dev.agentry.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.agentry.core.RepositoryCloner;
import dev.agentry.core.RepositoryException;
import dev.agentry.testkit.GitTestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Clones from the loopback git server, which requires tokens like a hosted one. */
class JGitClonerTest {
  static final Duration T = Duration.ofSeconds(30);
  static final String TOKEN = "ghp_readerTOKEN0123456789abcdef";
  static Path serverRoot;
  static GitTestServer git;

  final RepositoryCloner cloner =
      GitRepositories.cloner(TokenUsernames.standard(), Clock.systemUTC());
  @TempDir Path dir;
  ListAppender<ILoggingEvent> logs;

  @BeforeAll
  static void startServer() throws IOException {
    serverRoot = Files.createTempDirectory("agentry-git-server");
    git = GitTestServer.start(serverRoot);
    git.createRepository("public-app", true);
    git.createRepository("private-app", false);
    git.createRepository("other-private", false);
    git.grant(TOKEN, "private-app", false);
  }

  @AfterAll
  static void stopServer() {
    git.close();
  }

  @BeforeEach
  void captureLogs() {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(JGitCloner.class)).addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    ((Logger) LoggerFactory.getLogger(JGitCloner.class)).detachAppender(logs);
  }

  @Test
  void publicRepository_clonesWithoutToken_onItsDefaultBranch() throws IOException {
    Path dest = dir.resolve("public-app");
    cloner.cloneInto(git.url("public-app"), null, null, null, dest, T);

    assertThat(dest.resolve("README.md")).hasContent("# public-app");
    assertThat(dest.resolve("feature.txt")).doesNotExist();
    assertThat(Files.readString(dest.resolve(".git/HEAD"))).isEqualTo("ref: refs/heads/main\n");
  }

  @Test
  void privateRepository_clonesWithToken_andTheTokenIsWrittenNowhere() throws IOException {
    Path dest = dir.resolve("private-app");
    cloner.cloneInto(git.url("private-app"), null, null, TOKEN, dest, T);

    assertThat(dest.resolve("README.md")).hasContent("# private-app");
    String config = Files.readString(dest.resolve(".git/config"));
    assertThat(config).contains("url = " + git.url("private-app")).doesNotContain(TOKEN);
    assertThat(filesContaining(dest, TOKEN)).isEmpty();
    assertThat(git.requests()).anyMatch(r -> TOKEN.equals(r.token()) && r.status() == 200);
    assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(TOKEN));
  }

  @Test
  void privateRepository_withoutToken_isAnAuthenticationError() {
    Path dest = dir.resolve("private-app");
    assertThatThrownBy(() -> cloner.cloneInto(git.url("private-app"), null, null, null, dest, T))
        .isInstanceOfSatisfying(
            RepositoryException.class,
            e -> assertThat(e.errorType()).isEqualTo("repository_authentication_error"));
    assertThat(dest).doesNotExist();
  }

  @Test
  void wrongToken_isAnAuthenticationError_andLeavesNoPartialClone() {
    Path dest = dir.resolve("private-app");
    String wrong = "ghp_wrongTOKEN";
    assertThatThrownBy(() -> cloner.cloneInto(git.url("private-app"), null, null, wrong, dest, T))
        .isInstanceOfSatisfying(
            RepositoryException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo("repository_authentication_error");
              assertThat(e.getMessage()).doesNotContain(wrong).contains(git.url("private-app"));
            });
    assertThat(dest).doesNotExist();
  }

  @Test
  void tokenWithoutAccessToTheRepository_isAForbiddenError() {
    Path dest = dir.resolve("other");
    assertThatThrownBy(() -> cloner.cloneInto(git.url("other-private"), null, null, TOKEN, dest, T))
        .isInstanceOfSatisfying(
            RepositoryException.class,
            e -> assertThat(e.errorType()).isEqualTo("repository_forbidden_error"));
    assertThat(dest).doesNotExist();
  }

  @Test
  void unknownRepository_isANotFoundError() {
    Path dest = dir.resolve("nope");
    assertThatThrownBy(() -> cloner.cloneInto(git.url("no-such-repo"), null, null, TOKEN, dest, T))
        .isInstanceOfSatisfying(
            RepositoryException.class,
            e -> assertThat(e.errorType()).isEqualTo("repository_not_found_error"));
    assertThat(dest).doesNotExist();
  }

  @Test
  void branch_isCheckedOutTrackingOrigin() throws IOException {
    Path dest = dir.resolve("feature");
    cloner.cloneInto(git.url("private-app"), "feature", null, TOKEN, dest, T);

    assertThat(dest.resolve("feature.txt")).hasContent("feature work");
    assertThat(Files.readString(dest.resolve(".git/HEAD"))).isEqualTo("ref: refs/heads/feature\n");
    assertThat(Files.readString(dest.resolve(".git/config")))
        .contains("[branch \"feature\"]")
        .contains("merge = refs/heads/feature");
  }

  @Test
  void commit_isCheckedOutDetached() throws IOException {
    String sha = git.revParse("private-app", "main");
    Path dest = dir.resolve("at-commit");
    cloner.cloneInto(git.url("private-app"), null, sha, TOKEN, dest, T);

    assertThat(Files.readString(dest.resolve(".git/HEAD")).trim()).isEqualTo(sha);
    assertThat(dest.resolve("README.md")).exists();
    assertThat(dest.resolve("feature.txt")).doesNotExist();
  }

  @Test
  void unknownBranch_isACheckoutError_andLeavesNoPartialClone() {
    Path dest = dir.resolve("x");
    assertThatThrownBy(
            () -> cloner.cloneInto(git.url("private-app"), "no-such-branch", null, TOKEN, dest, T))
        .isInstanceOfSatisfying(
            RepositoryException.class,
            e -> {
              assertThat(e.errorType()).isEqualTo("repository_checkout_error");
              assertThat(e.getMessage()).contains("no-such-branch");
            });
    assertThat(dest).doesNotExist();
  }

  @Test
  void unknownCommit_isACheckoutError() {
    Path dest = dir.resolve("x");
    String sha = "0123456789abcdef0123456789abcdef01234567";
    assertThatThrownBy(() -> cloner.cloneInto(git.url("private-app"), null, sha, TOKEN, dest, T))
        .isInstanceOfSatisfying(
            RepositoryException.class,
            e -> assertThat(e.errorType()).isEqualTo("repository_checkout_error"));
    assertThat(dest).doesNotExist();
  }

  @Test
  void stalledServer_failsAtTheTimeout_withACloneError() throws IOException {
    // A server that accepts the connection and never answers: the clone must give up by itself.
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      List<Socket> held = new ArrayList<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept());
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      Path dest = dir.resolve("slow");
      String url = "http://127.0.0.1:" + silent.getLocalPort() + "/slow.git";
      long start = System.nanoTime();
      assertThatThrownBy(() -> cloner.cloneInto(url, null, null, null, dest, Duration.ofSeconds(2)))
          .isInstanceOfSatisfying(
              RepositoryException.class,
              e -> {
                assertThat(e.errorType()).isEqualTo("repository_clone_error");
                assertThat(e.getMessage()).contains("within 2 s");
              });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
      assertThat(dest).doesNotExist();
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void urlWithCredentialsOrNotHttp_isRefusedBeforeAnyNetworkUse() {
    Path dest = dir.resolve("x");
    for (String url :
        List.of(
            "http://user:" + TOKEN + "@127.0.0.1:" + git.port() + "/private-app.git",
            "file://" + serverRoot.resolve("private-app.git"),
            serverRoot.resolve("private-app.git").toString())) {
      assertThatThrownBy(() -> cloner.cloneInto(url, null, null, null, dest, T))
          .isInstanceOfSatisfying(
              RepositoryException.class,
              e -> assertThat(e.errorType()).isEqualTo("repository_clone_error"));
      assertThat(dest).doesNotExist();
    }
  }

  @Test
  void progress_isReportedInTheServerLog() {
    cloner.cloneInto(git.url("public-app"), null, null, null, dir.resolve("p"), T);
    assertThat(logs.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.contains("clone of " + git.url("public-app") + ": "))
        .anyMatch(m -> m.contains("done"));
  }

  static List<Path> filesContaining(Path root, String needle) throws IOException {
    List<Path> hits = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1)
            .contains(needle)) {
          hits.add(p);
        }
      }
    }
    return hits;
  }
}
