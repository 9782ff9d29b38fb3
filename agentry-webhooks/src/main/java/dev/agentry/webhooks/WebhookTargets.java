package dev.agentry.webhooks;

import dev.agentry.core.InternalAddresses;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a webhook may be delivered: an absolute {@code http} or {@code https} URL, and — unless
 * private targets are allowed — a host whose every address is public. The addresses are checked
 * when an endpoint is registered and again, freshly resolved, before every delivery, so a name that
 * later resolves to an internal address is refused then.
 */
public final class WebhookTargets {
  private WebhookTargets() {}

  /** A URL that is not an absolute HTTP(S) URL with a host. */
  public static final class InvalidUrl extends IllegalArgumentException {
    InvalidUrl(String message) {
      super(message);
    }
  }

  /**
   * A host that is or resolves to a loopback, private, link-local or otherwise internal address.
   */
  public static final class PrivateAddress extends IllegalArgumentException {
    PrivateAddress(String message) {
      super(message);
    }
  }

  /**
   * @throws InvalidUrl if {@code url} is not an absolute http(s) URL with a host and no user info
   */
  public static URI parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new InvalidUrl("url is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidUrl("url must be an http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new InvalidUrl("url must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new InvalidUrl("url must not carry user info");
    }
    if (uri.getRawFragment() != null) {
      throw new InvalidUrl("url must not have a fragment");
    }
    return uri;
  }

  /**
   * Resolves the URL's host and refuses it if any of its addresses is internal, unless {@code
   * allowPrivate}. A host that does not resolve is refused as unreachable.
   *
   * @throws PrivateAddress if an address is internal
   * @throws InvalidUrl if the host does not resolve
   */
  public static void check(URI uri, boolean allowPrivate) {
    if (allowPrivate) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      throw new InvalidUrl("url's host " + uri.getHost() + " does not resolve");
    }
    for (InetAddress a : addresses) {
      if (InternalAddresses.isInternal(a)) {
        throw new PrivateAddress(
            "url's host "
                + uri.getHost()
                + " resolves to an internal address ("
                + a.getHostAddress()
                + "); set AGENTRY_WEBHOOK_ALLOW_PRIVATE=true to allow it");
      }
    }
  }
}
