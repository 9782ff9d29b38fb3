package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.agentry.core.ExecResult;
import dev.agentry.core.RepositoryTokens;
import dev.agentry.core.Sandbox;
import dev.agentry.git.GitRepositories;
import dev.agentry.git.TokenUsernames;
import dev.agentry.testkit.GitTestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A repository checkout in a real bubblewrap sandbox: {@code git pull} and {@code git push} from
 * inside go through the egress proxy, which adds the repository's token (read per request, so a
 * rotation applies at once); the sandbox never holds the token. {@code git.test} and {@code
 * other.test} are loopback aliases known to the proxy's resolver, served by the loopback git server
 * (plain HTTP, the operator having allowed {@code git.test}; and HTTPS through the proxy's TLS
 * interception, with a certificate only the proxy's upstream trust accepts).
 */
class RepositoryTokenInjectionTest {
  private static final Duration T = Duration.ofSeconds(30);
  private static final Map<String, InetAddress> ALIASES =
      Map.of(
          "git.test", InetAddress.getLoopbackAddress(),
          "other.test", InetAddress.getLoopbackAddress());
  private static final String SESSION = "sesn_repo";

  static Path dirs;
  static GitTestServer http;
  static GitTestServer https;
  static BubblewrapProvider provider;
  static ListAppender<ILoggingEvent> logs;

  /** The session's current token; the fake store hands it out for any host and path. */
  static final AtomicReference<String> current = new AtomicReference<>();

  static final RepositoryTokens ANY_HOST_TOKENS =
      (session, host, path) ->
          session.equals(SESSION) ? Optional.ofNullable(current.get()) : Optional.empty();

  @TempDir Path dataDir;
  final List<Sandbox> sandboxes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dirs = Files.createTempDirectory("agentry-repo-test");
    EgressCa upstreamCa = EgressCa.at(dirs.resolve("upstream-ca"));
    http = GitTestServer.start(dirs.resolve("http-repos"));
    https =
        GitTestServer.startTls(dirs.resolve("https-repos"), upstreamCa.serverContext("git.test"));
    int httpsPort = https.port();
    EgressProxy proxy =
        new EgressProxy(
                host ->
                    ALIASES.containsKey(host)
                        ? List.of(ALIASES.get(host))
                        : Arrays.asList(InetAddress.getAllByName(host)),
                (socket, address, timeout) ->
                    socket.connect(
                        address.getPort() == 443 || address.getPort() == 8443
                            ? new InetSocketAddress(address.getAddress(), httpsPort)
                            : address,
                        timeout),
                EgressCa.at(dirs.resolve("egress-ca")),
                upstreamCa.trustManager())
            .withRepositoryTokens(ANY_HOST_TOKENS, TokenUsernames.standard());
    provider = new BubblewrapProvider(10001, 10001, Path.of("/sys/fs/cgroup"), proxy);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(EgressProxy.class)).addAppender(logs);
  }

  @AfterAll
  static void stop() {
    http.close();
    https.close();
    ((Logger) LoggerFactory.getLogger(EgressProxy.class)).detachAppender(logs);
  }

  @AfterEach
  void closeSandboxes() {
    sandboxes.forEach(Sandbox::close);
    current.set(null);
  }

  private Sandbox sandbox(Path ws, EgressPolicy policy) {
    SandboxManagerTest.traversable(dataDir);
    Sandbox sb = provider.provision(SESSION, ws, SandboxEscapeTest.SMALL, policy);
    sandboxes.add(sb);
    return sb;
  }

  private static ExecResult sh(Sandbox sb, String cmd) {
    return sb.shell(cmd + " 2>&1", T);
  }

  private static final String COMMIT =
      "git -c user.name=agent -c user.email=agent@example.test commit -q -m";

  @Test
  void pullAndPush_throughTheProxy_withTheTokenOutsideTheSandbox_andRotation() throws Exception {
    String repo = "app-" + System.nanoTime();
    String first = "ghp_FIRST" + System.nanoTime();
    String second = "ghp_SECOND" + System.nanoTime();
    http.createRepository(repo, false).grant(first, repo, true);
    // localhost: the server's clone resolves it too (git.test is known to the proxy only)
    String url = http.url("localhost", repo);
    Path ws = Files.createDirectories(dataDir.resolve("ws"));
    GitRepositories.cloner(TokenUsernames.standard(), Clock.systemUTC())
        .cloneInto(url, null, null, first, ws.resolve("app"), T);
    current.set(first);
    Sandbox sb =
        sandbox(ws, EgressPolicy.DENY_ALL.withRepositories(List.of(url), List.of("localhost")));

    // someone else pushes; the agent pulls it
    http.commit(repo, "main", "upstream.txt", "from upstream\n");
    ExecResult pull = sh(sb, "cd /workspace/app && git pull -q && cat upstream.txt");
    assertThat(pull.output()).contains("from upstream");
    assertThat(pull.exitCode()).isZero();

    // the agent pushes
    ExecResult push =
        sh(
            sb,
            "cd /workspace/app && echo one > one.txt && git add one.txt && "
                + COMMIT
                + " one && git push -q origin main && git log --oneline -1");
    assertThat(push.exitCode()).as(push.output()).isZero();
    assertThat(http.show(repo, "main", "one.txt")).isEqualTo("one\n");
    assertThat(lastPushToken(http)).isEqualTo(first);

    // the token is nowhere the sandbox can read
    String seen =
        sh(
                sb,
                "env; tr '\\0' '\\n' </proc/self/environ; cat /proc/1/environ;"
                    + " cd /workspace/app && git config --list --show-origin;"
                    + " cat .git/config; ls -la /run/agentry")
            .output();
    assertThat(seen).contains("remote.origin.url=" + url).doesNotContain(first);
    assertThat(Files.readString(ws.resolve("app/.git/config"))).doesNotContain(first);
    assertThat(filesContaining(ws, first)).isEmpty();

    // the old token stops working at the server; the next push fails until the token is rotated
    http.revoke(first);
    ExecResult refused =
        sh(
            sb,
            "cd /workspace/app && echo two > two.txt && git add two.txt && "
                + COMMIT
                + " two && GIT_TERMINAL_PROMPT=0 git push -q origin main");
    assertThat(refused.exitCode()).isNotZero();
    http.grant(second, repo, true);
    current.set(second);
    ExecResult rotated = sh(sb, "cd /workspace/app && git push -q origin main");
    assertThat(rotated.exitCode()).as(rotated.output()).isZero();
    assertThat(http.show(repo, "main", "two.txt")).isEqualTo("two\n");
    assertThat(lastPushToken(http)).isEqualTo(second);
    assertThat(filesContaining(ws, second)).isEmpty();
    assertThat(messages()).noneMatch(m -> m.contains(first) || m.contains(second));

    // a pack over git's 1 MiB post buffer goes out chunked: relayed with the token all the same
    ExecResult big =
        sh(
            sb,
            "cd /workspace/app && head -c 3000000 /dev/urandom > big.bin && git add big.bin && "
                + COMMIT
                + " big && git push -q origin main && echo pushed-big");
    assertThat(big.output()).contains("pushed-big");
    assertThat(http.revParse(repo, "main"))
        .isEqualTo(sh(sb, "cd /workspace/app && git rev-parse HEAD").output().trim());
    assertThat(lastPushToken(http)).isEqualTo(second);
  }

  @Test
  void theTokenGoesOnlyToTheRepositorysOrigin() throws Exception {
    String repo = "scoped-" + System.nanoTime();
    String token = "ghp_SCOPED" + System.nanoTime();
    http.createRepository(repo, true).grant(token, repo, true);
    String url = http.url("git.test", repo);
    current.set(token);
    Path ws = Files.createDirectories(dataDir.resolve("ws"));
    // other.test is allowed too (same loopback server), but holds no repository of the session
    EgressPolicy policy =
        EgressPolicy.limited(List.of("other.test:" + http.port()))
            .withRepositories(List.of(url), List.of("git.test"));
    Sandbox sb = sandbox(ws, policy);

    int before = http.requests().size();
    ExecResult other =
        sh(
            sb,
            "curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "
                + http.url("other.test", repo)
                + "/info/refs?service=git-receive-pack");
    assertThat(other.output()).contains("401");
    ExecResult own =
        sh(
            sb,
            "curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "
                + url
                + "/info/refs?service=git-receive-pack");
    assertThat(own.output()).contains("200");
    // a path that climbs out of the repository gets no token either (the server resolves it)
    ExecResult climb =
        sh(
            sb,
            "curl -sS --path-as-is --max-time 10 -o /dev/null -w '%{http_code}' "
                + url
                + "/../"
                + repo
                + ".git/info/refs?service=git-receive-pack");
    assertThat(climb.output()).contains("401");
    List<GitTestServer.Request> seen = http.requests().subList(before, http.requests().size());
    assertThat(seen).hasSize(3);
    assertThat(seen.get(0).token()).as("no token for another host").isNull();
    assertThat(seen.get(1).token()).isEqualTo(token);
    assertThat(seen.get(2).token()).as("no token for a path with dot segments").isNull();
  }

  @Test
  void overHttps_gitTrustsTheEgressCa_andCloneAndPushCarryTheToken() throws Exception {
    String repo = "tls-" + System.nanoTime();
    String token = "ghp_TLS" + System.nanoTime();
    https.createRepository(repo, false).grant(token, repo, true);
    String url = "https://git.test/" + repo + ".git";
    current.set(token);
    Path ws = Files.createDirectories(dataDir.resolve("ws"));
    // an https repository is reachable at public addresses only unless the operator allowed its
    // host; git.test is loopback here, so the operator allows it
    Sandbox sb =
        sandbox(ws, EgressPolicy.DENY_ALL.withRepositories(List.of(url), List.of("git.test")));
    ExecResult r =
        sh(
            sb,
            "cd /workspace && GIT_TERMINAL_PROMPT=0 git clone -q "
                + url
                + " app && cd app && echo tls > tls.txt && git add tls.txt && "
                + COMMIT
                + " tls && git push -q origin main && echo pushed");
    assertThat(r.output()).contains("pushed");
    assertThat(https.show(repo, "main", "tls.txt")).isEqualTo("tls\n");
    ExecResult big =
        sh(
            sb,
            "cd /workspace/app && head -c 3000000 /dev/urandom > big.bin && git add big.bin && "
                + COMMIT
                + " big && git push -q origin main && echo pushed-big");
    assertThat(big.output()).contains("pushed-big");
    assertThat(lastPushToken(https)).isEqualTo(token);
    assertThat(filesContaining(ws, token)).isEmpty();
    assertThat(messages())
        .anyMatch(m -> m.contains("repository token added for /" + repo + ".git/"))
        .noneMatch(m -> m.contains(token));

    // the same host over plain HTTP is another origin: no token is ever added there
    EgressPolicy policy = EgressPolicy.DENY_ALL.withRepositories(List.of(url), List.of());
    assertThat(policy.repositoryOrigin("https", "git.test", 443)).isTrue();
    assertThat(policy.repositoryOrigin("http", "git.test", 443)).isFalse();
    assertThat(policy.repositoryOrigin("http", "git.test", 80)).isFalse();
  }

  @Test
  void anHttpsRepositoryOnAnotherPort_isInterceptedToo() throws Exception {
    String repo = "port-" + System.nanoTime();
    String token = "ghp_PORT" + System.nanoTime();
    https.createRepository(repo, false).grant(token, repo, false);
    String url = "https://git.test:8443/" + repo + ".git";
    current.set(token);
    Path ws = Files.createDirectories(dataDir.resolve("ws"));
    Sandbox sb =
        sandbox(ws, EgressPolicy.DENY_ALL.withRepositories(List.of(url), List.of("git.test")));
    ExecResult r =
        sh(
            sb,
            "cd /workspace && GIT_TERMINAL_PROMPT=0 git clone -q " + url + " app && echo cloned");
    assertThat(r.output()).contains("cloned");
    assertThat(https.requests()).anyMatch(q -> token.equals(q.token()) && q.status() == 200);
  }

  @Test
  void aRepositoryHostAtAPrivateAddress_isRefused_unlessTheOperatorAllowedIt() {
    String url = http.url("git.test", "whatever");
    Path ws;
    try {
      ws = Files.createDirectories(dataDir.resolve("ws"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Sandbox sb = sandbox(ws, EgressPolicy.DENY_ALL.withRepositories(List.of(url), List.of()));
    ExecResult r = sh(sb, "curl -sS --max-time 10 -w '%{http_code}' " + url + "/info/refs; echo");
    assertThat(r.output()).contains("403").contains("non-public address");
  }

  private static String lastPushToken(GitTestServer server) {
    List<GitTestServer.Request> pushes =
        server.requests().stream().filter(GitTestServer.Request::push).toList();
    assertThat(pushes).isNotEmpty();
    return pushes.get(pushes.size() - 1).token();
  }

  private static List<String> messages() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  static List<Path> filesContaining(Path root, String needle) throws IOException {
    List<Path> hits = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).contains(needle)) {
          hits.add(p);
        }
      }
    }
    return hits;
  }
}
