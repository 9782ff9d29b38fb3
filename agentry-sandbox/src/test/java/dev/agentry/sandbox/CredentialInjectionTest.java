package dev.agentry.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.agentry.core.ExecResult;
import dev.agentry.core.Redactor;
import dev.agentry.core.Sandbox;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code environment_variable} credentials from inside real bubblewrap sandboxes: the sandbox holds
 * a placeholder, the egress proxy swaps in the secret for the bound host only. {@code api.test} and
 * {@code other.test} are loopback aliases known to the proxy's resolver; upstream connections to
 * port 443 go to a JDK {@code HttpsServer} whose certificate (for {@code api.test}) is signed by a
 * test CA that only the proxy's injected upstream trust store accepts.
 */
class CredentialInjectionTest {
  private static final Duration T = Duration.ofSeconds(15);
  private static final Map<String, InetAddress> ALIASES =
      Map.of(
          "api.test", InetAddress.getLoopbackAddress(),
          "other.test", InetAddress.getLoopbackAddress());

  static Path dirs;
  static EgressCa egressCa;
  static HttpsServer https;
  static HttpServer http;
  static int httpPort;
  static final BlockingQueue<String> got = new ArrayBlockingQueue<>(64);
  static EgressProxy proxy;
  static BubblewrapProvider provider;
  static ListAppender<ILoggingEvent> logs;
  static String hostBundleHash;

  @TempDir Path dataDir;
  final List<Sandbox> sandboxes = new ArrayList<>();
  final String secret = "ghp_REAL" + UUID.randomUUID().toString().replace("-", "");

  @BeforeAll
  static void start() throws Exception {
    hostBundleHash = sha256(EgressBridge.SYSTEM_BUNDLE);
    dirs = Files.createTempDirectory("agentry-cred-test");
    EgressCa upstreamCa = EgressCa.at(dirs.resolve("upstream-ca"));
    egressCa = EgressCa.at(dirs.resolve("egress-ca"));
    HttpHandler record =
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          got.offer(
              ex.getRequestHeaders().getFirst("Host")
                  + "|"
                  + ex.getRequestHeaders().getFirst("Authorization")
                  + "|"
                  + new String(body, StandardCharsets.UTF_8));
          reply(ex);
        };
    https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    https.setHttpsConfigurator(new HttpsConfigurator(upstreamCa.serverContext("api.test")));
    https.createContext("/", record);
    https.start();
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    http.createContext("/", record);
    http.start();
    httpPort = http.getAddress().getPort();
    int httpsPort = https.getAddress().getPort();
    proxy =
        new EgressProxy(
            host ->
                ALIASES.containsKey(host)
                    ? List.of(ALIASES.get(host))
                    : Arrays.asList(InetAddress.getAllByName(host)),
            (socket, address, timeout) ->
                socket.connect(
                    address.getPort() == 443
                        ? new InetSocketAddress(address.getAddress(), httpsPort)
                        : address,
                    timeout),
            egressCa,
            upstreamCa.trustManager());
    provider = new BubblewrapProvider(10001, 10001, Path.of("/sys/fs/cgroup"), proxy);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(EgressProxy.class)).addAppender(logs);
  }

  private static void reply(HttpExchange ex) throws IOException {
    byte[] out = "upstream-ok\n".getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }

  @AfterAll
  static void stop() {
    https.stop(0);
    http.stop(0);
    ((Logger) LoggerFactory.getLogger(EgressProxy.class)).detachAppender(logs);
  }

  @AfterEach
  void closeSandboxes() {
    sandboxes.forEach(Sandbox::close);
  }

  private Sandbox sandbox(EgressCredential... creds) throws IOException {
    Path ws = Files.createDirectories(dataDir.resolve("ws" + sandboxes.size()));
    SandboxManagerTest.traversable(dataDir);
    EgressPolicy policy =
        EgressPolicy.limited(
                List.of("api.test", "other.test", "api.test:" + httpPort, "other.test:" + httpPort))
            .withCredentials(List.of(creds));
    Sandbox sb =
        provider.provision("sesn_cred" + sandboxes.size(), ws, SandboxEscapeTest.SMALL, policy);
    sandboxes.add(sb);
    return sb;
  }

  private static String sh(Sandbox sb, String cmd) {
    ExecResult r = sb.shell(cmd, T);
    return r.output();
  }

  private static String next() throws InterruptedException {
    String s = got.poll(10, TimeUnit.SECONDS);
    assertThat(s).as("the upstream got a request").isNotNull();
    return s;
  }

  @Test
  void placeholderInTheSandbox_secretAtTheBoundUpstream_overHttpsWithoutDashK() throws Exception {
    got.clear();
    Redactor redactor = new Redactor();
    EgressCredential gh =
        EgressCredential.of("GH_TOKEN", secret, false, List.of("api.test"), true, false, redactor);
    // the server's redactor learns the secret, so no log line or event can carry it
    assertThat(redactor.redact("token " + secret)).isEqualTo("token [redacted]");
    Sandbox sb = sandbox(gh);
    String out =
        sh(
            sb,
            "curl -sS --max-time 10 -H \"Authorization: Bearer $GH_TOKEN\" https://api.test/ 2>&1");
    assertThat(out).contains("upstream-ok");
    assertThat(next()).isEqualTo("api.test|Bearer " + secret + "|");

    // what the sandbox can read holds the placeholder only
    String seen =
        sh(
            sb,
            "env; echo; tr '\\0' '\\n' </proc/self/environ; echo; cat /proc/1/environ; echo;"
                + " cat /proc/1/cmdline; echo; ls -la /run/agentry;"
                + " cat /run/agentry/*.py /run/agentry/*.crt; grep -rs . /run/agentry | tail -1");
    assertThat(seen).contains("GH_TOKEN=" + gh.placeholder()).doesNotContain(secret);
    assertThat(seen).doesNotContain("[redacted]").doesNotContain("ghp_REAL");
    assertThat(gh.placeholder()).startsWith("agentry-placeholder-");

    // the sandbox trusts the egress CA through its bundle and the usual variables
    assertThat(
            sh(sb, "echo $SSL_CERT_FILE $CURL_CA_BUNDLE $REQUESTS_CA_BUNDLE $NODE_EXTRA_CA_CERTS"))
        .contains(
            "/run/agentry/ca-bundle.crt /run/agentry/ca-bundle.crt /run/agentry/ca-bundle.crt"
                + " /run/agentry/agentry-ca.crt");
    assertThat(
            sh(
                sb,
                "env -u SSL_CERT_FILE -u CURL_CA_BUNDLE curl -sS --max-time 10 https://api.test/"
                    + " 2>&1"))
        .as("the system bundle path inside the sandbox includes the egress CA")
        .contains("upstream-ok");
    next();

    // plain HTTP to the bound host: substituted in headers too
    sh(
        sb,
        "curl -sS --max-time 10 -H \"Authorization: token $GH_TOKEN\" http://api.test:"
            + httpPort
            + "/");
    assertThat(next()).isEqualTo("api.test:" + httpPort + "|token " + secret + "|");

    // another allowed host: the placeholder goes out unchanged, and the refusal is logged
    sh(
        sb,
        "curl -sS --max-time 10 -H \"Authorization: Bearer $GH_TOKEN\" http://other.test:"
            + httpPort
            + "/");
    assertThat(next()).isEqualTo("other.test:" + httpPort + "|Bearer " + gh.placeholder() + "|");
    // over HTTPS another host is a plain tunnel (not intercepted): the sandbox needs -k here only
    // because the test upstream's certificate is not publicly trusted
    sh(sb, "curl -sS -k --max-time 10 -H \"Authorization: Bearer $GH_TOKEN\" https://other.test/");
    assertThat(next()).isEqualTo("other.test|Bearer " + gh.placeholder() + "|");

    List<String> messages = messages();
    assertThat(messages)
        .anyMatch(
            m ->
                m.contains("target=other.test:" + httpPort)
                    && m.contains("credential=deny")
                    && m.contains("GH_TOKEN is not bound to other.test"))
        .anyMatch(m -> m.contains("TLS intercepted for credentials GH_TOKEN"))
        .noneMatch(m -> m.contains(secret));
  }

  @Test
  void bodyInjection_onlyWhenAsked_withTheLengthRecomputed() throws Exception {
    got.clear();
    EgressCredential body =
        EgressCredential.of("API_KEY", secret, true, List.of(), true, true, new Redactor());
    EgressCredential headerOnly =
        EgressCredential.of(
            "OTHER_KEY", secret + "x", false, List.of("api.test"), true, false, new Redactor());
    Sandbox sb = sandbox(body, headerOnly);
    String out =
        sh(
            sb,
            "curl -sS --max-time 10 --data-raw \"k=$API_KEY&o=$OTHER_KEY\" https://api.test/ 2>&1");
    assertThat(out).contains("upstream-ok");
    assertThat(next()).isEqualTo("api.test|null|k=" + secret + "&o=" + headerOnly.placeholder());
  }

  @Test
  void theCaKeyIsPrivate_andTheHostTrustStoreIsUnchanged() throws Exception {
    String pem = egressCa.certificatePem();
    Path key = egressCa.directory().resolve("ca.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(sha256(EgressBridge.SYSTEM_BUNDLE)).isEqualTo(hostBundleHash);
    assertThat(Files.readString(EgressBridge.SYSTEM_BUNDLE)).doesNotContain(pem.strip());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    X509TrustManager jvm = (X509TrustManager) tmf.getTrustManagers()[0];
    assertThat(Arrays.asList(jvm.getAcceptedIssuers())).doesNotContain(egressCa.certificate());
    // reloading from disk gives the same CA
    assertThat(EgressCa.at(egressCa.directory()).certificate()).isEqualTo(egressCa.certificate());
  }

  private static List<String> messages() {
    return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static String sha256(Path p) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }
}
