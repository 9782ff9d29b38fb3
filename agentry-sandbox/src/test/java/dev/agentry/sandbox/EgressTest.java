package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.ExecResult;
import dev.agentry.core.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Egress through the proxy, from inside real bubblewrap sandboxes. {@code allowed.test} and {@code
 * other.test} are aliases for 127.0.0.1 known only to the proxy's resolver; the test HTTP server
 * listens there on a random port (so reaching it always needs an explicit {@code host:port} entry).
 * Upstream connections to port 443 go to a sink that records the first bytes it gets.
 */
class EgressTest {
  private static final Duration T = Duration.ofSeconds(15);
  private static final Map<String, InetAddress> ALIASES =
      Map.of(
          "allowed.test", InetAddress.getLoopbackAddress(),
          "other.test", InetAddress.getLoopbackAddress());

  static HttpServer http;
  static int port;
  static ServerSocket tlsSink;
  static final BlockingQueue<byte[]> sinkGot = new ArrayBlockingQueue<>(16);
  static EgressProxy proxy;
  static BubblewrapProvider provider;
  static ListAppender<ILoggingEvent> logs;

  @TempDir Path dataDir;
  final List<Sandbox> sandboxes = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    http.createContext(
        "/",
        ex -> {
          byte[] body =
              ("hello " + ex.getRequestHeaders().getFirst("Host") + " " + ex.getRequestURI() + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    http.start();
    port = http.getAddress().getPort();
    tlsSink = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!tlsSink.isClosed()) {
                try (Socket s = tlsSink.accept()) {
                  s.setSoTimeout(5000);
                  byte[] got = s.getInputStream().readNBytes(5);
                  if (got.length > 0) {
                    sinkGot.offer(got);
                  }
                } catch (IOException e) {
                  // closed at the end, or a client that sent nothing
                }
              }
            });
    int sinkPort = tlsSink.getLocalPort();
    proxy =
        new EgressProxy(
            host ->
                ALIASES.containsKey(host)
                    ? List.of(ALIASES.get(host))
                    : Arrays.asList(InetAddress.getAllByName(host)),
            (socket, address, timeout) ->
                socket.connect(
                    address.getPort() == 443
                        ? new InetSocketAddress(address.getAddress(), sinkPort)
                        : address,
                    timeout));
    provider = new BubblewrapProvider(10001, 10001, Path.of("/sys/fs/cgroup"), proxy);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(EgressProxy.class)).addAppender(logs);
  }

  @AfterAll
  static void stop() throws IOException {
    http.stop(0);
    tlsSink.close();
    ((Logger) LoggerFactory.getLogger(EgressProxy.class)).detachAppender(logs);
  }

  @AfterEach
  void closeSandboxes() {
    sandboxes.forEach(Sandbox::close);
  }

  private Sandbox sandbox(EgressPolicy policy) throws IOException {
    Path ws = Files.createDirectories(dataDir.resolve("ws" + sandboxes.size()));
    SandboxManagerTest.traversable(dataDir);
    Sandbox sb =
        provider.provision("sesn_egress" + sandboxes.size(), ws, SandboxEscapeTest.SMALL, policy);
    sandboxes.add(sb);
    return sb;
  }

  private static ExecResult sh(Sandbox sb, String cmd) {
    return sb.shell(cmd, T);
  }

  private static String curl(String url) {
    return "curl -sS --max-time 10 -o - -w '\\nstatus=%{http_code}\\n' " + url;
  }

  @Test
  void allowedHost_isReachableThroughTheProxy_fromInsideTheSandbox() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    ExecResult r = sh(sb, curl("http://allowed.test:" + port + "/hello?x=1"));
    assertThat(r.output()).contains("hello allowed.test:" + port + " /hello?x=1", "status=200");
    // the environment points every client at the in-sandbox forwarder, with no exceptions
    assertThat(sh(sb, "echo $HTTP_PROXY $https_proxy [$NO_PROXY]").output())
        .contains("http://127.0.0.1:3128 http://127.0.0.1:3128 []");
  }

  @Test
  void otherHost_isRefusedWith403AndTheReason() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    ExecResult r = sh(sb, curl("http://other.test:" + port + "/"));
    assertThat(r.output())
        .contains("status=403", "other.test:" + port + " refused", "not in allowed_hosts");
  }

  @Test
  void rawIp_isRefused_evenWhenItsPortIsAllowed() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    ExecResult r = sh(sb, curl("http://127.0.0.1:" + port + "/"));
    assertThat(r.output()).contains("status=403", "raw IP");
    assertThat(sh(sb, curl("http://[::1]:" + port + "/")).output())
        .contains("status=403", "raw IP");
  }

  @Test
  void otherPort_onAnAllowedHost_isRefusedUnlessNamedHostColonPort() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test")));
    ExecResult r = sh(sb, curl("http://allowed.test:" + port + "/"));
    assertThat(r.output())
        .contains("status=403", "port " + port + " is not allowed for allowed.test");
    Sandbox named = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    assertThat(sh(named, curl("http://allowed.test:" + port + "/")).output())
        .contains("status=200");
  }

  @Test
  void hostHeader_mustAgreeWithTheTarget() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    ExecResult r =
        sh(sb, curl("-H 'Host: other.test:" + port + "' http://allowed.test:" + port + "/"));
    assertThat(r.output()).contains("status=403", "Host header");
  }

  @Test
  void dns_failsInsideTheSandbox() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    assertThat(sh(sb, "getent hosts example.com").exitCode()).isNotZero();
    assertThat(sh(sb, "getent hosts allowed.test").exitCode()).isNotZero();
    ExecResult py =
        sh(sb, "python3 -c \"import socket; socket.getaddrinfo('example.com', 80)\" 2>&1");
    assertThat(py.exitCode()).isNotZero();
    assertThat(sh(sb, "test -e /etc/resolv.conf").exitCode()).isNotZero();
  }

  @Test
  void directTcp_toAHostPort_failsWithoutTheProxy() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.unrestricted(List.of()));
    ExecResult r =
        sh(sb, "curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:" + port + "/; echo rc=$?");
    assertThat(r.output()).contains("rc=7").doesNotContain("hello");
    ExecResult tcp = sh(sb, "echo x > /dev/tcp/127.0.0.1/" + port);
    assertThat(tcp.exitCode()).isNotZero();
  }

  @Test
  void unrestricted_stillRefusesLoopbackAndPrivateTargets() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.unrestricted(List.of()));
    assertThat(sh(sb, curl("http://other.test/")).output())
        .contains("status=403", "non-public address (127.0.0.1)");
    assertThat(sh(sb, curl("http://localhost/")).output()).contains("status=403", "non-public");
    assertThat(sh(sb, curl("http://127.0.0.1/")).output()).contains("status=403", "raw IP");
    assertThat(sh(sb, curl("http://other.test:" + port + "/")).output())
        .contains("status=403", "port " + port);
  }

  @Test
  void noNetworkingConfig_hasNoWayOutAtAll() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.of(null, List.of()));
    assertThat(sh(sb, "echo \"proxy=${HTTP_PROXY:-none}\"").output()).contains("proxy=none");
    assertThat(sh(sb, curl("http://allowed.test/")).output()).doesNotContain("status=200");
    ExecResult https = sh(sb, "curl -sS --max-time 10 https://allowed.test/ 2>&1");
    assertThat(https.exitCode()).isNotZero();
    ExecResult direct = sh(sb, "curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:3128/ 2>&1");
    assertThat(direct.exitCode()).isNotZero();
  }

  @Test
  void connect443_passesTheClientHello_whenSniMatches() throws Exception {
    sinkGot.clear();
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test")));
    sh(sb, "curl -sS --max-time 5 https://allowed.test/ 2>&1");
    byte[] first = sinkGot.poll(5, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first[0]).isEqualTo((byte) 0x16); // a TLS handshake record reached upstream
  }

  @Test
  void connect443_withAnotherSni_isCutBeforeAnythingReachesUpstream(@TempDir Path dir)
      throws Exception {
    sinkGot.clear();
    try (EgressProxy.Listener l =
        proxy.listen(
            dir.resolve("p.sock"), "sesn_sni", EgressPolicy.limited(List.of("allowed.test")))) {
      // The refused SNI is longer, so its ClientHello's record header differs from the allowed one.
      assertThat(tunnel(l.socket(), "allowed.test", "evil.example.org")).isEqualTo("closed");
      assertThat(tunnel(l.socket(), "allowed.test", "allowed.test")).isEqualTo("open");
      // The sink reads its connections in the order they came: had the refused tunnel reached
      // upstream (it would have before it was closed), its header would be the first one here.
      byte[] first = sinkGot.poll(5, TimeUnit.SECONDS);
      assertThat(first).isEqualTo(Arrays.copyOf(clientHello("allowed.test"), 5));
      assertThat(Arrays.copyOf(clientHello("evil.example.org"), 5)).isNotEqualTo(first);
    }
    assertThat(messages())
        .anyMatch(m -> m.contains("sesn_sni") && m.contains("deny") && m.contains("SNI"));
  }

  @Test
  void everyDecision_isLogged_withSessionTargetAndReason() throws IOException {
    Sandbox sb = sandbox(EgressPolicy.limited(List.of("allowed.test:" + port)));
    sh(sb, curl("http://allowed.test:" + port + "/") + "; " + curl("http://other.test/"));
    assertThat(messages())
        .anyMatch(
            m ->
                m.contains("session=sesn_egress0")
                    && m.contains("target=allowed.test:" + port)
                    && m.contains("decision=allow"))
        .anyMatch(
            m ->
                m.contains("target=other.test:80")
                    && m.contains("decision=deny")
                    && m.contains("not in allowed_hosts"));
  }

  @Test
  void policy_fromEnvironmentNetworking() {
    var limited = new EnvironmentConfig.Networking.Limited(List.of("API.example.com."), true, true);
    EgressPolicy p =
        EgressPolicy.of(limited, List.of("https://mcp.example.org/sse", "http://tools.test:8081/"));
    assertThat(p.allowedHosts())
        .contains("api.example.com", "pypi.org", "deb.debian.org", "registry.npmjs.org")
        .contains("crates.io", "rubygems.org", "proxy.golang.org", "mcp.example.org")
        .contains("tools.test:8081");
    assertThat(p.refusal("api.example.com", 443)).isNull();
    assertThat(p.refusal("evil.example.com", 443)).contains("not in allowed_hosts");
    EgressPolicy bare =
        EgressPolicy.of(
            new EnvironmentConfig.Networking.Limited(List.of("a.b"), false, false),
            List.of("https://mcp.example.org/"));
    assertThat(bare.allowedHosts()).containsExactly("a.b");
    assertThat(EgressPolicy.of(null, List.of()).deniesAll()).isTrue();
    assertThat(
            EgressPolicy.of(new EnvironmentConfig.Networking.Unrestricted(), List.of())
                .unrestricted())
        .isTrue();
    assertThat(EgressPolicy.isIpLiteral("2130706433")).isTrue();
    assertThat(EgressPolicy.isIpLiteral("0x7f.1")).isTrue();
    assertThat(EgressPolicy.isIpLiteral("example.com")).isFalse();
  }

  private static List<String> messages() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** CONNECT host:443 over the proxy socket, then a ClientHello naming {@code sni}. */
  private static String tunnel(Path socket, String host, String sni) throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(ch);
      out.write(
          ("CONNECT " + host + ":443 HTTP/1.1\r\nHost: " + host + ":443\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = Channels.newInputStream(ch);
      String head = new String(in.readNBytes(39), StandardCharsets.US_ASCII);
      assertThat(head).startsWith("HTTP/1.1 200");
      out.write(clientHello(sni));
      // The sink closes after 5 bytes, so either way the tunnel ends; a refused one ends at once
      // without the upstream having been written to.
      int b = in.read();
      return b < 0 && sinkGot.isEmpty() ? "closed" : "open";
    }
  }

  private static byte[] clientHello(String sni) throws Exception {
    SSLEngine e = SSLContext.getDefault().createSSLEngine(sni, 443);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    e.setSSLParameters(p);
    ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
    e.wrap(ByteBuffer.allocate(0), net);
    net.flip();
    byte[] b = new byte[net.remaining()];
    net.get(b);
    assertThat(Sni.parse(b)).isEqualTo(sni);
    return b;
  }
}
