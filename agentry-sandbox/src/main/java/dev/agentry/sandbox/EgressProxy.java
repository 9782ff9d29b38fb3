package dev.agentry.sandbox;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandboxes' only way out: an HTTP/1.1 forward proxy ({@code GET http://host/…}) and {@code
 * CONNECT host:port} tunnel, listening on one Unix socket per sandbox so every connection carries
 * its session's {@link EgressPolicy}. Each request is checked at the application layer: the target
 * and the {@code Host} header must agree, raw IPs and ports other than 80/443 need an explicit
 * allowlist entry, names are resolved here (the sandbox has no DNS) and a name resolving to a
 * loopback/private/link-local address is refused unless named explicitly (SSRF and DNS-rebinding
 * guard; the proxy connects to the address it checked). A {@code CONNECT} to port 443 must start
 * with a TLS ClientHello whose SNI names the same host. Every decision is logged at INFO.
 *
 * <p>Refusals are answered {@code 403} with a one-line body naming the target and the reason.
 *
 * <p>Credential injection: when the session's policy carries {@link EgressCredential}s, a plain
 * HTTP request to a host a credential is bound to has the credential's placeholder replaced by the
 * secret in its headers (and body, if the credential asks for it). A {@code CONNECT host:443} to
 * such a host is intercepted: the proxy answers the TLS handshake itself with a leaf certificate
 * for {@code host} signed by the installation's {@link EgressCa} (which only sandboxes trust),
 * reads one HTTP/1.1 request, substitutes, and sends it over a new, normally verified TLS
 * connection to the upstream. Every other {@code CONNECT} stays an opaque tunnel. A placeholder
 * sent to a host its credential is not bound to goes out unchanged, and the refusal to substitute
 * is logged.
 */
public final class EgressProxy {
  private static final Logger LOG = LoggerFactory.getLogger(EgressProxy.class);
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  /** Resolves a host name to addresses; tests inject aliases, the server uses the system's. */
  @FunctionalInterface
  public interface Resolver {
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** Opens the upstream TCP connection to a checked address; tests remap ports. */
  @FunctionalInterface
  public interface Connector {
    void connect(Socket socket, InetSocketAddress address, int timeoutMillis) throws IOException;
  }

  private final Resolver resolver;
  private final Connector connector;
  private final EgressCa ca; // null: no TLS interception (credentials only reach plain HTTP)
  private final SSLSocketFactory upstreamTls;
  private final RepositoryAuthorization repositories; // null: no repository tokens

  /** A proxy resolving names with the host's resolver. */
  public EgressProxy() {
    this(host -> Arrays.asList(InetAddress.getAllByName(host)));
  }

  public EgressProxy(Resolver resolver) {
    this(resolver, Socket::connect);
  }

  public EgressProxy(Resolver resolver, Connector connector) {
    this(resolver, connector, null, null);
  }

  /** A proxy resolving names with the host's resolver that intercepts TLS with {@code ca}. */
  public EgressProxy(EgressCa ca) {
    this(host -> Arrays.asList(InetAddress.getAllByName(host)), Socket::connect, ca, null);
  }

  /**
   * @param ca signs the leaf certificates of intercepted hosts; null disables TLS interception
   * @param upstreamTrust verifies upstream servers of intercepted connections; null means the JVM's
   *     default trust store
   */
  public EgressProxy(
      Resolver resolver, Connector connector, EgressCa ca, X509TrustManager upstreamTrust) {
    this.resolver = resolver;
    this.connector = connector;
    this.ca = ca;
    try {
      SSLContext ctx;
      if (upstreamTrust == null) {
        ctx = SSLContext.getDefault();
      } else {
        ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {upstreamTrust}, null);
      }
      this.upstreamTls = ctx.getSocketFactory();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("no TLS for upstream connections", e);
    }
    this.repositories = null;
  }

  private EgressProxy(EgressProxy base, RepositoryAuthorization repositories) {
    this.resolver = base.resolver;
    this.connector = base.connector;
    this.ca = base.ca;
    this.upstreamTls = base.upstreamTls;
    this.repositories = repositories;
  }

  /**
   * This proxy, also adding the tokens of the sessions' repository resources to their requests to
   * those repositories ({@link EgressPolicy#withRepositories}), as HTTP basic credentials with the
   * user name {@code usernames} gives for the host. HTTPS repositories need the {@link EgressCa}.
   */
  public EgressProxy withRepositoryTokens(
      dev.agentry.core.RepositoryTokens tokens,
      java.util.function.Function<String, String> usernames) {
    return new EgressProxy(this, new RepositoryAuthorization(tokens, usernames));
  }

  /** The CA intercepted connections are answered with, or null. */
  public EgressCa ca() {
    return ca;
  }

  /** One sandbox's listener: closing it stops accepting and cuts its open connections. */
  public final class Listener implements Closeable {
    private final Path socket;
    private final String session;
    final EgressPolicy policy;
    private final ServerSocketChannel server;
    private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Listener(Path socket, String session, EgressPolicy policy) throws IOException {
      this.socket = socket;
      this.session = session;
      this.policy = policy;
      Files.deleteIfExists(socket);
      this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      // connect(2) needs write permission on the socket; the sandbox runs as another uid.
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
      Thread.ofVirtual().name("egress-accept-" + session).start(this::acceptLoop);
    }

    private void acceptLoop() {
      while (!closed) {
        try {
          SocketChannel ch = server.accept();
          open.add(ch);
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (ch) {
                      handle(ch, this);
                    } catch (IOException | RuntimeException e) {
                      LOG.debug("egress connection of {} ended: {}", session, e.toString());
                    } finally {
                      open.remove(ch);
                    }
                  });
        } catch (IOException e) {
          if (!closed) {
            LOG.warn("egress listener of {} failed: {}", session, e.toString());
          }
          return;
        }
      }
    }

    void track(Closeable c) {
      open.add(c);
      if (closed) {
        ProxyWire.closeQuietly(c);
      }
    }

    void untrack(Closeable c) {
      open.remove(c);
    }

    public Path socket() {
      return socket;
    }

    public EgressPolicy policy() {
      return policy;
    }

    String session() {
      return session;
    }

    /** Adds repository tokens to this sandbox's requests, or null when the proxy has none. */
    RepositoryAuthorization repositories() {
      return repositories;
    }

    @Override
    public void close() {
      closed = true;
      ProxyWire.closeQuietly(server);
      for (Closeable c : open) {
        ProxyWire.closeQuietly(c);
      }
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // the directory goes with the sandbox anyway
      }
    }
  }

  /** Starts listening on {@code socket} for {@code session}'s sandbox under {@code policy}. */
  public Listener listen(Path socket, String session, EgressPolicy policy) throws IOException {
    return new Listener(socket, session, policy);
  }

  record Target(String host, int port) {
    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Refused(int status, String reason) {
      super(reason, null, false, false);
      this.status = status;
    }
  }

  private void handle(SocketChannel ch, Listener l) throws IOException {
    InputStream in = new ProxyWire.ChannelIn(ch);
    OutputStream out = new ProxyWire.ChannelOut(ch);
    byte[] head = ProxyWire.readHead(in);
    if (head == null) {
      return;
    }
    String text = new String(head, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\r\n");
    String[] req = lines[0].split(" ");
    List<String[]> headers = ProxyWire.parseHeaders(lines);
    Target target = null;
    try {
      if (req.length != 3 || !req[2].startsWith("HTTP/1.")) {
        throw new Refused(400, "not an HTTP/1.x proxy request");
      }
      String method = req[0];
      boolean connect = method.equals("CONNECT");
      URI uri = null;
      if (connect) {
        target = EgressAddresses.authority(req[1], -1);
      } else {
        try {
          uri = new URI(req[1]);
        } catch (java.net.URISyntaxException e) {
          throw new Refused(400, "bad request target");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getRawAuthority() == null) {
          throw new Refused(
              400,
              "only absolute http:// URIs and CONNECT are proxied (set HTTP_PROXY/HTTPS_PROXY)");
        }
        target = EgressAddresses.authority(uri.getRawAuthority(), 80);
      }
      String hostHeader = ProxyWire.header(headers, "host");
      if (hostHeader != null) {
        Target h = EgressAddresses.authority(hostHeader, target.port());
        if (!h.host().equals(target.host()) || h.port() != target.port()) {
          throw new Refused(
              403, "the Host header (" + hostHeader + ") does not match the request target");
        }
      }
      String why = l.policy.refusal(target.host(), target.port());
      if (why != null) {
        throw new Refused(403, why);
      }
      InetAddress addr = resolveChecked(l.policy, target);
      // An https repository may live on another port than 443 (self-hosted servers often do):
      // its tunnel is TLS all the same, checked and intercepted like one to 443.
      boolean repository =
          connect && ca != null && repositories != null && repositories.intercepts(l, target);
      byte[] first = connect ? acceptTunnel(l, target, in, out, repository) : null;
      if (connect && first == null) {
        return; // refused after the 200 (logged): closing the tunnel is the refusal
      }
      if (repository
          || (connect
              && target.port() == 443
              && ca != null
              && !l.policy.credentialsFor(target.host(), target.port()).isEmpty())) {
        intercept(l, target, addr, first, in, out);
        return;
      }
      Socket up = new Socket();
      l.track(up);
      try (up) {
        try {
          connector.connect(up, new InetSocketAddress(addr, target.port()), CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
          if (connect) {
            decision(l, target.toString(), false, "cannot connect: " + e.getMessage());
            return;
          }
          throw new Refused(
              502, "cannot connect to " + addr.getHostAddress() + ": " + e.getMessage());
        }
        if (connect) {
          decision(l, target.toString(), true, allowReason(l.policy, target));
          OutputStream upOut = up.getOutputStream();
          upOut.write(first);
          upOut.flush();
          ProxyWire.pipeBoth(ch, in, out, up);
        } else {
          forward(l, target, method, uri, headers, in, out, up);
        }
      } finally {
        l.untrack(up);
      }
    } catch (Refused r) {
      String what = target == null ? lines[0] : target.toString();
      decision(l, what, false, r.getMessage());
      ProxyWire.refuse(out, r.status, what, r.getMessage());
    }
  }

  private InetAddress resolveChecked(EgressPolicy policy, Target t) throws Refused {
    List<InetAddress> addrs;
    try {
      addrs = resolver.resolve(t.host());
    } catch (UnknownHostException e) {
      throw new Refused(502, "cannot resolve " + t.host());
    }
    if (addrs == null || addrs.isEmpty()) {
      throw new Refused(502, "cannot resolve " + t.host());
    }
    boolean named = policy.names(t.host(), t.port());
    for (InetAddress a : addrs) {
      if (!named && !EgressAddresses.isPublic(a)) {
        throw new Refused(
            403,
            t.host()
                + " resolves to a non-public address ("
                + a.getHostAddress()
                + "); allowed only when allowed_hosts names it");
      }
    }
    return addrs.get(0);
  }

  /**
   * Answers 200 and, for port 443 (or {@code tls}: an https repository's port), reads the
   * ClientHello and checks its SNI against the CONNECT host before anything is sent upstream.
   * Returns the bytes to replay upstream, or null if refused.
   */
  private static byte[] acceptTunnel(
      Listener l, Target t, InputStream in, OutputStream out, boolean tls) throws IOException {
    out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    if (t.port() != 443 && !tls) {
      return new byte[0];
    }
    byte[] first = ProxyWire.readTlsRecord(in);
    String sni = first == null ? null : Sni.parse(first);
    if (sni == null) {
      decision(l, t.toString(), false, "no TLS ClientHello with SNI on a CONNECT to port 443");
      return null;
    }
    if (!EgressPolicy.normalizeHost(sni).equals(t.host())) {
      decision(l, t.toString(), false, "TLS SNI " + sni + " does not match the CONNECT host");
      return null;
    }
    return first;
  }

  private static String allowReason(EgressPolicy policy, Target t) {
    return policy.names(t.host(), t.port())
        ? "allowed_hosts names it"
        : "unrestricted, public address";
  }

  private void forward(
      Listener l,
      Target t,
      String method,
      URI uri,
      List<String[]> headers,
      InputStream in,
      OutputStream out,
      Socket up)
      throws IOException {
    decision(l, t.toString(), true, allowReason(l.policy, t));
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    UpstreamRequest.send(
        l, t, false, method, path, uri.getRawAuthority(), headers, in, up.getOutputStream());
    ProxyWire.relayResponse(up.getInputStream(), out);
  }

  static void credentialLog(Listener l, Target t, boolean substituted, String reason) {
    LOG.info(
        "egress session={} target={} credential={} reason={}",
        l.session,
        t,
        substituted ? "substituted" : "deny",
        reason);
  }

  /**
   * Terminates the sandbox's TLS with a leaf certificate for {@code t} signed by the egress CA,
   * reads one HTTP/1.1 request, and sends it, with the bound credentials substituted, over a
   * verified TLS connection to the upstream; the response is relayed, then the connection closes.
   */
  private void intercept(
      Listener l, Target t, InetAddress addr, byte[] first, InputStream in, OutputStream out)
      throws IOException {
    String names =
        l.policy.credentialsFor(t.host(), t.port()).stream()
            .map(EgressCredential::name)
            .collect(Collectors.joining(","));
    if (names.isEmpty()) {
      names = "(a repository token)";
    }
    SSLEngine engine = ca.serverContext(t.host()).createSSLEngine();
    engine.setUseClientMode(false);
    TlsServerStream tls = new TlsServerStream(engine, in, out, first);
    try {
      tls.handshake();
    } catch (IOException e) {
      decision(
          l,
          t.toString(),
          false,
          "TLS handshake with the sandbox failed (intercepting for " + names + "): " + e);
      return;
    }
    try {
      byte[] head = ProxyWire.readHead(tls.in);
      if (head == null) {
        return;
      }
      String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
      String[] req = lines[0].split(" ");
      List<String[]> headers = ProxyWire.parseHeaders(lines);
      try {
        if (req.length != 3 || !req[2].startsWith("HTTP/1.")) {
          throw new Refused(400, "not an HTTP/1.x request inside the intercepted TLS connection");
        }
        String path = req[1];
        if (!path.startsWith("/")) {
          throw new Refused(400, "only origin-form request targets (/path) inside TLS");
        }
        String hostHeader = ProxyWire.header(headers, "host");
        if (hostHeader != null) {
          Target h = EgressAddresses.authority(hostHeader, t.port());
          if (!h.host().equals(t.host()) || h.port() != t.port()) {
            throw new Refused(
                403, "the Host header (" + hostHeader + ") does not match the CONNECT target");
          }
        }
        Socket raw = new Socket();
        l.track(raw);
        try (raw) {
          try {
            connector.connect(raw, new InetSocketAddress(addr, t.port()), CONNECT_TIMEOUT_MS);
          } catch (IOException e) {
            throw new Refused(
                502, "cannot connect to " + addr.getHostAddress() + ": " + e.getMessage());
          }
          SSLSocket up;
          try {
            up = upstreamTls(raw, t);
          } catch (IOException e) {
            throw new Refused(502, "TLS to the upstream failed: " + e.getMessage());
          }
          try (up) {
            decision(
                l,
                t.toString(),
                true,
                allowReason(l.policy, t) + "; TLS intercepted for credentials " + names);
            UpstreamRequest.send(
                l, t, true, req[0], path, t.host(), headers, tls.in, up.getOutputStream());
            ProxyWire.relayResponse(up.getInputStream(), tls.out);
          }
        } finally {
          l.untrack(raw);
        }
      } catch (Refused r) {
        decision(l, t.toString(), false, r.getMessage());
        ProxyWire.refuse(tls.out, r.status, t.toString(), r.getMessage());
      }
    } finally {
      tls.close();
    }
  }

  private SSLSocket upstreamTls(Socket raw, Target t) throws IOException {
    SSLSocket up = (SSLSocket) upstreamTls.createSocket(raw, t.host(), t.port(), true);
    SSLParameters p = up.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    if (!EgressPolicy.isIpLiteral(t.host())) {
      try {
        p.setServerNames(List.of(new SNIHostName(t.host())));
      } catch (IllegalArgumentException ignored) {
        // not a valid SNI name: none is sent
      }
    }
    p.setApplicationProtocols(new String[] {"http/1.1"});
    up.setSSLParameters(p);
    up.startHandshake();
    return up;
  }

  private static void decision(Listener l, String target, boolean allow, String reason) {
    LOG.info(
        "egress session={} target={} decision={} reason={}",
        l.session,
        target,
        allow ? "allow" : "deny",
        reason);
  }
}
