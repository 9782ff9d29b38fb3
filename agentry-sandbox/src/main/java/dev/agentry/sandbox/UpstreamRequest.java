package dev.agentry.sandbox;

import dev.agentry.sandbox.EgressProxy.Listener;
import dev.agentry.sandbox.EgressProxy.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The egress proxy's side of one plain-HTTP (or intercepted HTTPS) request to the upstream. */
final class UpstreamRequest {
  /** Bodies up to this size are read whole so that placeholders in them can be substituted. */
  private static final int MAX_INJECTED_BODY = 8 * 1024 * 1024;

  private static final Set<String> HOP_HEADERS =
      Set.of(
          "connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade");

  private UpstreamRequest() {}

  /**
   * Writes one request upstream: hop-by-hop headers dropped, {@code Connection: close}, the
   * placeholders of credentials bound to {@code t} replaced by their secrets in header values (and
   * in a {@code Content-Length} body for credentials that ask for it, the length recomputed), and a
   * repository's token added when {@code t} (over TLS when {@code tls}) is one of the session's
   * repository origins.
   */
  static void send(
      Listener l,
      Target t,
      boolean tls,
      String method,
      String path,
      String authority,
      List<String[]> headers,
      InputStream in,
      OutputStream upOut)
      throws IOException {
    List<EgressCredential> bound = l.policy.credentialsFor(t.host(), t.port());
    List<String[]> hs = CredentialSubstitution.substituteHeaders(l, t, headers, bound);
    if (l.repositories() != null) {
      hs = l.repositories().apply(l, t, tls, path, hs);
    }
    String len = ProxyWire.header(hs, "content-length");
    String te = ProxyWire.header(hs, "transfer-encoding");
    byte[] body = null;
    if (te == null
        && len != null
        && !l.policy.credentials().isEmpty()
        && Long.parseLong(len.trim()) <= MAX_INJECTED_BODY) {
      body = in.readNBytes(Integer.parseInt(len.trim()));
      body = CredentialSubstitution.substituteBody(l, t, body, bound);
    }
    StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    boolean host = false;
    for (String[] h : hs) {
      String k = h[0].toLowerCase(Locale.ROOT);
      if (HOP_HEADERS.contains(k)) {
        continue;
      }
      host |= k.equals("host");
      String v = body != null && k.equals("content-length") ? Integer.toString(body.length) : h[1];
      sb.append(h[0]).append(": ").append(v).append("\r\n");
    }
    if (!host) {
      sb.append("Host: ").append(authority).append("\r\n");
    }
    sb.append("Connection: close\r\n\r\n");
    upOut.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      upOut.write(body);
    } else if (te != null) {
      // A chunked body: relayed as is; the upstream was told to close after this request.
      Thread.ofVirtual().start(() -> ProxyWire.copyQuietly(in, upOut));
    } else if (len != null) {
      long n = Long.parseLong(len.trim());
      byte[] buf = new byte[16 * 1024];
      while (n > 0) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, n));
        if (r < 0) {
          break;
        }
        upOut.write(buf, 0, r);
        n -= r;
      }
    }
    upOut.flush();
  }
}
