package dev.agentry.sandbox;

import dev.agentry.sandbox.EgressProxy.Refused;
import dev.agentry.sandbox.EgressProxy.Target;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Parses proxy targets and tells public addresses from loopback, private and link-local ones.
 * Public for {@link #isPublic} alone: the server checks repository URLs by the same rule as the
 * proxy.
 */
public final class EgressAddresses {
  private EgressAddresses() {}

  /**
   * {@code host[:port]} or {@code [v6][:port]}; {@code defaultPort} -1 means the port is required.
   */
  static Target authority(String a, int defaultPort) throws Refused {
    String s = a.trim();
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      s = s.substring(at + 1); // userinfo is not part of the target
    }
    String host;
    String port = null;
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      if (end < 0) {
        throw new Refused(400, "bad authority " + a);
      }
      host = s.substring(0, end + 1);
      if (end + 1 < s.length()) {
        if (s.charAt(end + 1) != ':') {
          throw new Refused(400, "bad authority " + a);
        }
        port = s.substring(end + 2);
      }
    } else {
      int c = s.lastIndexOf(':');
      if (c >= 0 && s.indexOf(':') != c) {
        host = s; // a bare IPv6 literal
      } else if (c >= 0) {
        host = s.substring(0, c);
        port = s.substring(c + 1);
      } else {
        host = s;
      }
    }
    int p = defaultPort;
    if (port != null && !port.isEmpty()) {
      if (!port.matches("[0-9]{1,5}")) {
        throw new Refused(400, "bad port in " + a);
      }
      p = Integer.parseInt(port);
    }
    if (p < 0) {
      throw new Refused(400, "CONNECT needs host:port, not " + a);
    }
    String h = EgressPolicy.normalizeHost(host);
    if (h.isEmpty() || !h.matches("[a-z0-9._:%-]+")) {
      throw new Refused(400, "bad host in " + a);
    }
    return new Target(h, p);
  }

  /** Loopback, private, link-local, CGNAT, multicast, unspecified and ULA are not public. */
  public static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isAnyLocalAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int b0 = b[0] & 0xff;
      int b1 = b[1] & 0xff;
      return b0 != 0
          && !(b0 == 100 && b1 >= 64 && b1 < 128) // CGNAT
          && !(b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0)
          && !(b0 == 198 && (b1 == 18 || b1 == 19))
          && b0 < 224;
    }
    if (a instanceof Inet6Address) {
      int b0 = b[0] & 0xff;
      if ((b0 & 0xfe) == 0xfc) {
        return false; // unique local fc00::/7
      }
      if (b0 == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
        return false; // NAT64 64:ff9b::/96 could reach anything
      }
      boolean v4compat = true;
      for (int i = 0; i < 12; i++) {
        v4compat &= b[i] == 0;
      }
      return !v4compat;
    }
    return false;
  }
}
