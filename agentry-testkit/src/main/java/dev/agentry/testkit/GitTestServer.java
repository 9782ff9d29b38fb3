package dev.agentry.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A git server on {@code 127.0.0.1} for tests: bare repositories under a directory, served over
 * smart HTTP by the real {@code git http-backend} (the CGI program git ships) behind the JDK's HTTP
 * server, with the token checks of a hosted git service in front of it. A token is the password of
 * HTTP basic authentication (any user name). A request without credentials to a private repository,
 * or with an unknown token, is answered {@code 401} with a {@code WWW-Authenticate: Basic}
 * challenge; a known token without the access it needs on that repository gets {@code 403}; an
 * unknown repository is {@code 404}. Public repositories can be read without a token; pushing
 * always needs a token with write access. Every request is recorded with the token it carried.
 *
 * <pre>{@code
 * try (GitTestServer git = GitTestServer.start(dir)) {
 *   git.createRepository("app", false);
 *   git.grant("tok_1", "app", true);
 *   ... clone git.url("app") with tok_1 ...
 * }
 * }</pre>
 */
public final class GitTestServer implements AutoCloseable {
  /** The branch each new repository starts with. */
  public static final String DEFAULT_BRANCH = "main";

  private final HttpServer server;
  private final ExecutorService executor;
  private final Path root;
  private final String scheme;
  private final Map<String, Boolean> publicRepos = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Boolean>> grants = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  /** One request as the server saw it: the token is null when none was sent. */
  public record Request(String method, String path, String token, int status) {
    public boolean push() {
      return path.endsWith("/git-receive-pack");
    }
  }

  private GitTestServer(HttpServer server, Path root, String scheme) {
    this.server = server;
    this.root = root;
    this.scheme = scheme;
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A plain HTTP server with its repositories under {@code root}. */
  public static GitTestServer start(Path root) {
    try {
      Files.createDirectories(root);
      return new GitTestServer(
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64),
          root,
          "http");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An HTTPS server answering with {@code tls}'s certificate. */
  public static GitTestServer startTls(Path root, SSLContext tls) {
    try {
      Files.createDirectories(root);
      HttpsServer s =
          HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      s.setHttpsConfigurator(new HttpsConfigurator(tls));
      return new GitTestServer(s, root, "https");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port>/<name>.git}. */
  public String url(String name) {
    return url("127.0.0.1", name);
  }

  /** The URL of {@code name} with {@code host} (an alias of loopback) and this server's port. */
  public String url(String host, String name) {
    return scheme + "://" + host + ":" + port() + "/" + name + ".git";
  }

  /**
   * A bare repository {@code name} whose {@value #DEFAULT_BRANCH} branch has one commit with a
   * {@code README.md}, and a {@code feature} branch one commit further (it adds {@code
   * feature.txt}).
   */
  public GitTestServer createRepository(String name, boolean publicRead) {
    Path bare = bare(name);
    Path work = root.resolve(".seed-" + name);
    git(root, "init", "--bare", "-q", "-b", DEFAULT_BRANCH, bare.toString());
    git(bare, "config", "http.receivepack", "true");
    git(root, "init", "-q", "-b", DEFAULT_BRANCH, work.toString());
    write(work.resolve("README.md"), "# " + name + "\n");
    git(work, "add", "README.md");
    git(work, "commit", "-q", "-m", "initial commit of " + name);
    git(work, "checkout", "-q", "-b", "feature");
    write(work.resolve("feature.txt"), "feature work\n");
    git(work, "add", "feature.txt");
    git(work, "commit", "-q", "-m", "feature work");
    git(work, "push", "-q", bare.toString(), DEFAULT_BRANCH, "feature");
    deleteTree(work);
    publicRepos.put(name, publicRead);
    return this;
  }

  /** Lets {@code token} read {@code repo}, and push to it when {@code write}. */
  public GitTestServer grant(String token, String repo, boolean write) {
    grants.computeIfAbsent(token, t -> new ConcurrentHashMap<>()).put(repo, write);
    return this;
  }

  /** Makes {@code token} unknown: every later request with it is a 401. */
  public void revoke(String token) {
    grants.remove(token);
  }

  /** The commit id {@code rev} (a branch, a tag, {@code HEAD}…) resolves to in {@code repo}. */
  public String revParse(String repo, String rev) {
    return git(bare(repo), "rev-parse", rev).trim();
  }

  /** The text of {@code path} at {@code rev} in {@code repo}. */
  public String show(String repo, String rev, String path) {
    return git(bare(repo), "show", rev + ":" + path);
  }

  /**
   * Adds a commit on {@code branch} of {@code repo} (as another user pushing) that writes {@code
   * file}; returns its id.
   */
  public String commit(String repo, String branch, String file, String content) {
    Path work = root.resolve(".work-" + repo + "-" + System.nanoTime());
    try {
      git(root, "clone", "-q", "-b", branch, bare(repo).toString(), work.toString());
      write(work.resolve(file), content);
      git(work, "add", file);
      git(work, "commit", "-q", "-m", "update " + file);
      git(work, "push", "-q", "origin", branch);
      return git(work, "rev-parse", "HEAD").trim();
    } finally {
      deleteTree(work);
    }
  }

  /** Every request so far, in order. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private Path bare(String name) {
    return root.resolve(name + ".git");
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      String token = token(ex.getRequestHeaders().getFirst("Authorization"));
      int status = authorize(path, query, token);
      requests.add(new Request(ex.getRequestMethod(), path, token, status));
      if (status != 200) {
        if (status == 401) {
          ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"agentry-test-git\"");
        }
        byte[] msg = (status + " from the test git server\n").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, msg.length);
        ex.getResponseBody().write(msg);
        return;
      }
      cgi(ex, path, query, token);
    }
  }

  /** 200, or the status a hosted git service would refuse the request with. */
  private int authorize(String path, String query, String token) {
    String[] parts = path.split("/");
    if (parts.length < 2 || !parts[1].endsWith(".git")) {
      return 404;
    }
    String repo = parts[1].substring(0, parts[1].length() - 4);
    Boolean publicRead = publicRepos.get(repo);
    if (publicRead == null) {
      return 404;
    }
    boolean push =
        path.endsWith("/git-receive-pack")
            || (query != null && query.contains("service=git-receive-pack"));
    if (token == null) {
      return publicRead && !push ? 200 : 401;
    }
    Map<String, Boolean> scopes = grants.get(token);
    if (scopes == null) {
      return 401;
    }
    Boolean write = scopes.get(repo);
    if (write == null) {
      return publicRead && !push ? 200 : 403;
    }
    return push && !write ? 403 : 200;
  }

  private static String token(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String pair =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).trim()),
              StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      return colon < 0 ? null : pair.substring(colon + 1);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Runs {@code git http-backend} for the request and relays its CGI answer. */
  private void cgi(HttpExchange ex, String path, String query, String token) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("git", "http-backend");
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("GIT_PROJECT_ROOT", root.toString());
    env.put("GIT_HTTP_EXPORT_ALL", "1");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("HOME", root.toString());
    env.put("REQUEST_METHOD", ex.getRequestMethod());
    env.put("PATH_INFO", path);
    env.put("QUERY_STRING", query == null ? "" : query);
    env.put("REMOTE_ADDR", "127.0.0.1");
    env.put("REMOTE_USER", token == null ? "" : "token-user");
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type != null) {
      env.put("CONTENT_TYPE", type);
    }
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      env.put("CONTENT_LENGTH", length);
    }
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding != null) {
      env.put("HTTP_CONTENT_ENCODING", encoding);
    }
    String protocol = ex.getRequestHeaders().getFirst("Git-Protocol");
    if (protocol != null) {
      env.put("GIT_PROTOCOL", protocol);
    }
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    Thread feeder =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (OutputStream in = p.getOutputStream();
                      InputStream body = ex.getRequestBody()) {
                    body.transferTo(in);
                  } catch (IOException ignored) {
                    // the backend stopped reading: its answer says why
                  }
                });
    try (InputStream out = p.getInputStream()) {
      int status = 200;
      for (String line : cgiHeaders(out)) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String k = line.substring(0, colon).trim();
        String v = line.substring(colon + 1).trim();
        if (k.equalsIgnoreCase("Status")) {
          status = Integer.parseInt(v.split(" ")[0]);
        } else {
          ex.getResponseHeaders().add(k, v);
        }
      }
      ex.sendResponseHeaders(status, 0);
      try (OutputStream body = ex.getResponseBody()) {
        out.transferTo(body);
      }
    } finally {
      try {
        feeder.join();
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static List<String> cgiHeaders(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c; (c = in.read()) >= 0; ) {
      if (c == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        if (s.endsWith("\r")) {
          s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty()) {
          break;
        }
        lines.add(s);
        line.reset();
      } else {
        line.write(c);
      }
    }
    return lines;
  }

  /** Runs the git binary in {@code dir} with no user or system config; returns its output. */
  static String git(Path dir, String... args) {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("HOME", dir.toString());
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_AUTHOR_NAME", "Test Author");
    env.put("GIT_AUTHOR_EMAIL", "author@example.test");
    env.put("GIT_COMMITTER_NAME", "Test Author");
    env.put("GIT_COMMITTER_EMAIL", "author@example.test");
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("git " + String.join(" ", args) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover seed directory under a temporary root
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
