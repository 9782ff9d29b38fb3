package dev.agentry.harness;

import dev.agentry.core.Cancellation;
import dev.agentry.core.InternalAddresses;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolOutcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/**
 * The runtime's {@code web_fetch} tool: one http(s) GET from the harness process, never the
 * sandbox. Every hop (the URL and each of at most {@value #MAX_REDIRECTS} redirects) is checked
 * against the tool's {@code allowed_domains}/{@code blocked_domains} and, after DNS resolution,
 * against private, loopback and link-local addresses (SSRF guard). The connection goes to exactly
 * the addresses that were checked: OkHttp takes them from this class instead of resolving the name
 * a second time, so a DNS answer that changes between the check and the connect (rebinding) cannot
 * redirect the request inward (ADR 0016). HTML becomes readable text (jsoup, ADR 0009), and the
 * text is cut to {@code max_content_tokens} at about 4 characters a token.
 */
final class WebFetch {
  static final int MAX_REDIRECTS = 5;
  static final int DEFAULT_MAX_CONTENT_TOKENS = 25_000;
  static final int CHARS_PER_TOKEN = 4;

  /** Redirects are followed here, hop by hop, so that every hop is checked. */
  private static final OkHttpClient HTTP =
      new OkHttpClient.Builder()
          .followRedirects(false)
          .followSslRedirects(false)
          .retryOnConnectionFailure(false)
          .build();

  /** Host name to addresses; tests substitute one. */
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final RuntimeToolSettings settings;
  private final Resolver resolver;

  WebFetch(RuntimeToolSettings settings) {
    this(settings, InetAddress::getAllByName);
  }

  WebFetch(RuntimeToolSettings settings, Resolver resolver) {
    this.settings = settings;
    this.resolver = resolver;
  }

  /** A refusal or failure the model should see as the tool's error result. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  ToolOutcome fetch(String url, ToolConfig config, Cancellation c) {
    try {
      return ToolOutcome.ok(run(url, config, c));
    } catch (Refused e) {
      return ToolOutcome.error("web_fetch: " + e.getMessage());
    }
  }

  private String run(String url, ToolConfig config, Cancellation c) throws Refused {
    if (url == null || url.isBlank()) {
      throw new Refused("input.url is required");
    }
    URI uri = parse(url.trim());
    for (int hop = 0; ; hop++) {
      List<InetAddress> addresses = check(uri, config);
      Response res = send(uri, addresses, c);
      int status = res.code();
      if (status >= 300 && status < 400 && status != 304) {
        String location = res.header("Location");
        res.close();
        if (location == null) {
          throw new Refused("HTTP " + status + " without a Location header from " + uri);
        }
        if (hop >= MAX_REDIRECTS) {
          throw new Refused("more than " + MAX_REDIRECTS + " redirects, stopped at " + uri);
        }
        try {
          uri = uri.resolve(new URI(location.trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw new Refused("a redirect to an invalid URL: " + location);
        }
        continue;
      }
      return render(uri, res, config);
    }
  }

  private static URI parse(String url) throws Refused {
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw new Refused("'" + url + "' is not a valid URL");
    }
  }

  /**
   * The per-hop checks: scheme, domain lists, then the addresses the host resolves to, which are
   * returned: the request connects to them and to nothing else.
   */
  private List<InetAddress> check(URI uri, ToolConfig config) throws Refused {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new Refused("only http and https URLs can be fetched, not '" + uri + "'");
    }
    String host = host(uri);
    if (host.isEmpty()) {
      throw new Refused("the URL '" + uri + "' has no host");
    }
    List<String> blocked = config == null ? null : config.blockedDomains();
    List<String> allowed = config == null ? null : config.allowedDomains();
    if (blocked != null && blocked.stream().anyMatch(d -> matches(host, d))) {
      throw new Refused("the domain " + host + " is blocked for this agent (blocked_domains)");
    }
    if (allowed != null
        && !allowed.isEmpty()
        && allowed.stream().noneMatch(d -> matches(host, d))) {
      throw new Refused("the domain " + host + " is not in this agent's allowed_domains");
    }
    boolean explicit = allowed != null && allowed.stream().anyMatch(d -> normal(d).equals(host));
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw new Refused("the host " + host + " does not resolve");
    }
    for (InetAddress a : addresses) {
      if (!explicit && InternalAddresses.isInternal(a)) {
        throw new Refused(
            "the host "
                + host
                + " resolves to a private, loopback or link-local address; such targets are"
                + " refused unless the host is listed in allowed_domains");
      }
    }
    return List.of(addresses);
  }

  static String host(URI uri) {
    String h = uri.getHost();
    if (h == null) {
      return "";
    }
    return normal(h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h);
  }

  static String normal(String domain) {
    String d = domain.trim().toLowerCase(Locale.ROOT);
    return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
  }

  /** True when {@code host} is {@code domain} or one of its subdomains. */
  static boolean matches(String host, String domain) {
    String d = normal(domain);
    return !d.isEmpty() && (host.equals(d) || host.endsWith("." + d));
  }

  /** One GET of {@code uri}, connected only to {@code addresses}. */
  private Response send(URI uri, List<InetAddress> addresses, Cancellation c) throws Refused {
    String host = host(uri);
    OkHttpClient pinned =
        HTTP.newBuilder()
            .callTimeout(settings.webTimeout())
            .dns(
                name -> {
                  if (!normal(name).equals(host)) {
                    throw new UnknownHostException(name + " was not checked for this request");
                  }
                  return addresses;
                })
            .build();
    Request req;
    try {
      req =
          new Request.Builder()
              .url(uri.toString())
              .header("User-Agent", "Agentry-web_fetch/1.0")
              .header("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5")
              .get()
              .build();
    } catch (IllegalArgumentException e) {
      throw new Refused("'" + uri + "' is not a valid URL");
    }
    Call call = pinned.newCall(req);
    c.onCancel(call::cancel);
    try {
      return call.execute();
    } catch (InterruptedIOException e) {
      throw new Refused(c.isCancelled() ? "interrupted" : "the request to " + uri + " timed out");
    } catch (IOException e) {
      throw new Refused(
          c.isCancelled()
              ? "interrupted"
              : "the request to " + uri + " failed (" + e.getClass().getSimpleName() + ")");
    }
  }

  private String render(URI uri, Response res, ToolConfig config) throws Refused {
    int status = res.code();
    String type = res.header("Content-Type", "").toLowerCase(Locale.ROOT);
    byte[] body;
    boolean cut;
    try (res;
        InputStream in = res.body().byteStream()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int limit = settings.webMaxBytes();
      int n;
      while (out.size() <= limit && (n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
      cut = out.size() > limit;
      byte[] all = out.toByteArray();
      body = cut ? java.util.Arrays.copyOf(all, limit) : all;
    } catch (IOException e) {
      throw new Refused("reading the response from " + uri + " failed");
    }
    if (status >= 400) {
      throw new Refused("HTTP " + status + " from " + uri);
    }
    String mime = type.contains(";") ? type.substring(0, type.indexOf(';')).trim() : type.trim();
    Charset charset = charset(type);
    String title = null;
    String text;
    if (mime.isEmpty() || mime.equals("text/html") || mime.equals("application/xhtml+xml")) {
      Document doc;
      try {
        doc =
            Jsoup.parse(
                new java.io.ByteArrayInputStream(body),
                charset == null ? null : charset.name(),
                uri.toString());
      } catch (IOException e) {
        throw new Refused("the HTML from " + uri + " could not be parsed");
      }
      title = doc.title();
      text = HtmlText.of(doc);
    } else if (mime.startsWith("text/")
        || mime.equals("application/json")
        || mime.endsWith("+json")
        || mime.equals("application/xml")
        || mime.endsWith("+xml")) {
      text = new String(body, charset == null ? StandardCharsets.UTF_8 : charset);
    } else {
      throw new Refused("unsupported content type '" + mime + "' at " + uri);
    }
    StringBuilder sb = new StringBuilder("URL: ").append(uri).append('\n');
    if (title != null && !title.isBlank()) {
      sb.append("Title: ").append(title.strip()).append('\n');
    }
    sb.append('\n');
    int tokens =
        config == null || config.maxContentTokens() == null
            ? DEFAULT_MAX_CONTENT_TOKENS
            : config.maxContentTokens();
    long maxChars = (long) tokens * CHARS_PER_TOKEN;
    if (text.length() > maxChars) {
      sb.append(text, 0, (int) maxChars)
          .append("\n\n[content truncated to max_content_tokens=")
          .append(tokens)
          .append(" (about ")
          .append(CHARS_PER_TOKEN)
          .append(" characters per token); ")
          .append(text.length() - maxChars)
          .append(" more characters were not included]");
    } else {
      sb.append(text);
    }
    if (cut) {
      sb.append("\n\n[the response was larger than ")
          .append(settings.webMaxBytes())
          .append(" bytes; only the first part was read]");
    }
    return sb.toString();
  }

  private static Charset charset(String contentType) {
    int i = contentType.indexOf("charset=");
    if (i < 0) {
      return null;
    }
    String name = contentType.substring(i + 8).split(";")[0].trim().replace("\"", "");
    try {
      return Charset.forName(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
