package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentry.core.Cancellation;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolOutcome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebToolsTest {
  HttpServer server;
  String base;
  final WebFetch fetch =
      new WebFetch(
          RuntimeToolSettings.defaults(),
          host ->
              host.endsWith("example")
                  ? new InetAddress[] {InetAddress.getByName("10.0.0.5")}
                  : InetAddress.getAllByName(host));

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    page(
        "/page",
        "text/html; charset=utf-8",
        "<html><head><title>Hello page</title><style>.x{color:red}</style></head><body>"
            + "<script>alert('no')</script><h1>Heading</h1><p>First <b>para</b>.</p>"
            + "<ul><li>one</li><li>two</li></ul><a href='/next'>next</a></body></html>");
    page("/big", "text/plain", "x".repeat(10_000));
    redirect("/to-internal", "http://internal.example/secret");
    redirect("/to-localhost", "http://localhost:" + server.getAddress().getPort() + "/page");
    redirect("/loop", "/loop");
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  void page(String path, String type, String body) {
    server.createContext(
        path,
        ex -> {
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", type);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
  }

  void redirect(String path, String location) {
    server.createContext(
        path,
        ex -> {
          ex.getResponseHeaders().add("Location", location);
          ex.sendResponseHeaders(302, -1);
          ex.close();
        });
  }

  static ToolConfig config(List<String> allowed, List<String> blocked, Integer maxTokens) {
    return new ToolConfig(
        "web_fetch",
        "web_fetch",
        true,
        PermissionPolicy.ALWAYS_ALLOW,
        allowed,
        blocked,
        maxTokens,
        null,
        null);
  }

  ToolOutcome get(String url, ToolConfig c) {
    return fetch.fetch(url, c, new Cancellation());
  }

  @Test
  void htmlBecomesReadableText() {
    ToolOutcome out = get(base + "/page", config(List.of("127.0.0.1"), null, null));
    assertThat(out.isError()).as(out.text()).isFalse();
    assertThat(out.text())
        .contains("Title: Hello page")
        .contains("# Heading")
        .contains("First para.")
        .contains("- one\n- two")
        .contains("next (" + base + "/next)")
        .doesNotContain("alert")
        .doesNotContain("color:red");
  }

  @Test
  void theConnectionGoesToTheCheckedAddresses_notToASecondLookup() throws Exception {
    // The system resolver cannot resolve pinned.test: the page is reached only because the
    // connection uses the addresses this fetch resolved and checked.
    WebFetch pinned =
        new WebFetch(
            RuntimeToolSettings.defaults(),
            host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
    String url = "http://pinned.test:" + server.getAddress().getPort() + "/page";
    ToolOutcome out =
        pinned.fetch(url, config(List.of("pinned.test"), null, null), new Cancellation());
    assertThat(out.isError()).as(out.text()).isFalse();
    assertThat(out.text()).contains("Title: Hello page");
  }

  @Test
  void aNameThatRebindsToLoopbackAfterTheCheck_isNotFollowedInward() throws Exception {
    java.util.concurrent.atomic.AtomicInteger lookups =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.List<String> served = new java.util.concurrent.CopyOnWriteArrayList<>();
    server.createContext(
        "/secret",
        ex -> {
          served.add("/secret");
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    WebFetch rebinding =
        new WebFetch(
            new RuntimeToolSettings(
                RuntimeToolSettings.defaults().auto(),
                null,
                java.time.Duration.ofMillis(300),
                1 << 20),
            host ->
                new InetAddress[] {
                  InetAddress.getByName(lookups.getAndIncrement() == 0 ? "192.0.2.1" : "127.0.0.1")
                });
    String url = "http://rebind.test:" + server.getAddress().getPort() + "/secret";
    ToolOutcome out = rebinding.fetch(url, config(null, null, null), new Cancellation());
    assertThat(out.isError()).isTrue();
    assertThat(lookups.get()).isEqualTo(1);
    assertThat(served).isEmpty();
  }

  @Test
  void loopbackIsRefusedUnlessExplicitlyAllowed() {
    ToolOutcome out = get(base + "/page", config(null, null, null));
    assertThat(out.isError()).isTrue();
    assertThat(out.text()).contains("private, loopback or link-local");
  }

  @Test
  void blockedDomainsWin_andSubdomainsMatch() {
    ToolOutcome out = get(base + "/page", config(List.of("127.0.0.1"), List.of("127.0.0.1"), null));
    assertThat(out.isError()).isTrue();
    assertThat(out.text()).contains("blocked");
    assertThat(WebFetch.matches("docs.example.com", "example.com")).isTrue();
    assertThat(WebFetch.matches("badexample.com", "example.com")).isFalse();
    assertThat(get("https://a.example.com/", config(null, List.of("example.com"), null)).text())
        .contains("blocked");
  }

  @Test
  void everyRedirectHopIsCheckedAgain() {
    ToolOutcome notAllowed = get(base + "/to-localhost", config(List.of("127.0.0.1"), null, null));
    assertThat(notAllowed.isError()).isTrue();
    assertThat(notAllowed.text()).contains("localhost is not in this agent's allowed_domains");
    ToolOutcome internal =
        get(base + "/to-internal", config(List.of("127.0.0.1", "example"), null, null));
    assertThat(internal.isError()).isTrue();
    assertThat(internal.text()).contains("internal.example resolves to a private");
    ToolOutcome loop = get(base + "/loop", config(List.of("127.0.0.1"), null, null));
    assertThat(loop.text()).contains("more than 5 redirects");
  }

  @Test
  void contentIsCutToMaxContentTokens() {
    ToolOutcome out = get(base + "/big", config(List.of("127.0.0.1"), null, 100));
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).contains("x".repeat(400)).doesNotContain("x".repeat(401));
    assertThat(out.text())
        .contains("[content truncated to max_content_tokens=100")
        .contains("9600");
  }

  @Test
  void onlyHttpAndHttps() {
    assertThat(get("file:///etc/passwd", config(null, null, null)).text())
        .contains("only http and https");
  }

  @Test
  void search_withAFakeProvider_filtersBlockedDomains() {
    SearchProvider fake =
        (q, max) ->
            List.of(
                new SearchProvider.Result("Java", "https://docs.oracle.com/java", "The docs"),
                new SearchProvider.Result("Spam", "https://spam.bad.com/x", "no"));
    ToolConfig c =
        new ToolConfig(
            "web_search",
            "web_search",
            true,
            PermissionPolicy.ALWAYS_ALLOW,
            null,
            List.of("bad.com"),
            null,
            null,
            null);
    ToolOutcome out = RuntimeTools.search(fake, "java", c);
    assertThat(out.isError()).isFalse();
    assertThat(out.text()).contains("1. Java").contains("https://docs.oracle.com/java");
    assertThat(out.text()).doesNotContain("spam");
  }

  @Test
  void search_withoutAProvider_saysHowToConfigureIt() {
    ToolOutcome out = RuntimeTools.search(null, "java", config(null, null, null));
    assertThat(out.isError()).isTrue();
    assertThat(out.text())
        .isEqualTo("web_search is not configured on this server (set AGENTRY_WEB_SEARCH_URL)");
  }

  @Test
  void searxngProvider_readsTheJsonEndpoint() throws IOException {
    page(
        "/search",
        "application/json",
        "{\"results\":[{\"title\":\"T\",\"url\":\"https://t.org/\",\"content\":\"snip\"}]}");
    var p =
        new SearxngSearchProvider(
            java.net.URI.create(base + "/search"), java.time.Duration.ofSeconds(5));
    assertThat(p.search("q", 5))
        .containsExactly(new SearchProvider.Result("T", "https://t.org/", "snip"));
  }
}
