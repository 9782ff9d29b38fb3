package dev.agentry.sandbox;

import dev.agentry.sandbox.EgressProxy.Listener;
import dev.agentry.sandbox.EgressProxy.Target;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Replaces a credential's placeholder with its secret in a request's headers or body. */
final class CredentialSubstitution {
  private CredentialSubstitution() {}

  static List<String[]> substituteHeaders(
      Listener l, Target t, List<String[]> headers, List<EgressCredential> bound) {
    if (l.policy.credentials().isEmpty()) {
      return headers;
    }
    List<String[]> out = new ArrayList<>(headers.size());
    for (String[] h : headers) {
      String v = h[1];
      for (EgressCredential c : l.policy.credentials()) {
        if (!v.contains(c.placeholder())) {
          continue;
        }
        String why =
            !bound.contains(c)
                ? "credential " + c.name() + " is not bound to " + t
                : !c.inHeaders()
                    ? "credential " + c.name() + " is not injected in headers"
                    : !c.headerSafe()
                        ? "credential " + c.name() + " is not a valid header value"
                        : null;
        if (why == null) {
          v = v.replace(c.placeholder(), c.secret());
          EgressProxy.credentialLog(l, t, true, c.name() + " substituted in header " + h[0]);
        } else {
          EgressProxy.credentialLog(
              l, t, false, why + ": its placeholder in header " + h[0] + " is sent as is");
        }
      }
      out.add(new String[] {h[0], v});
    }
    return out;
  }

  static byte[] substituteBody(Listener l, Target t, byte[] body, List<EgressCredential> bound) {
    byte[] b = body;
    for (EgressCredential c : l.policy.credentials()) {
      byte[] ph = c.placeholderBytes();
      if (indexOf(b, ph, 0) < 0) {
        continue;
      }
      if (bound.contains(c) && c.inBody()) {
        b = replaceAll(b, ph, c.secretBytes());
        EgressProxy.credentialLog(l, t, true, c.name() + " substituted in the body");
      } else {
        EgressProxy.credentialLog(
            l,
            t,
            false,
            (bound.contains(c)
                    ? "credential " + c.name() + " is not injected in bodies"
                    : "credential " + c.name() + " is not bound to " + t)
                + ": its placeholder in the body is sent as is");
      }
    }
    return b;
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static byte[] replaceAll(byte[] hay, byte[] needle, byte[] with) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(hay.length + with.length);
    int from = 0;
    for (int at; (at = indexOf(hay, needle, from)) >= 0; from = at + needle.length) {
      out.write(hay, from, at - from);
      out.write(with, 0, with.length);
    }
    out.write(hay, from, hay.length - from);
    return out.toByteArray();
  }
}
