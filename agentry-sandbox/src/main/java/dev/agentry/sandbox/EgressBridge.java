package dev.agentry.sandbox;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One sandbox's end of the egress path: a host directory holding the proxy's Unix socket and the
 * forwarder script, bind-mounted read-only at {@link #MOUNT}. Inside the sandbox the forwarder
 * listens on {@code 127.0.0.1:3128} (the private network namespace has only {@code lo}) and pipes
 * each connection to the socket.
 */
final class EgressBridge implements Closeable {
  static final String MOUNT = "/run/agentry";
  static final String PROXY_URL = "http://127.0.0.1:3128";
  static final String PYTHON = "/usr/bin/python3";

  /** The system CA bundle plus the egress CA (when the sandbox has credentials). */
  static final String CA_BUNDLE = MOUNT + "/ca-bundle.crt";

  /** The egress CA certificate alone (for {@code NODE_EXTRA_CA_CERTS}). */
  static final String CA_CERT = MOUNT + "/agentry-ca.crt";

  /** The host's (Debian) system bundle; the sandbox sees {@link #CA_BUNDLE} in its place. */
  static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

  /**
   * Binds 127.0.0.1:3128, then forks: the parent exits once the port is listening (so the command
   * exec'd after it never races the forwarder), the child serves with its stdio on /dev/null (so it
   * never holds the sandbox's output pipe open). It dies with the sandbox's pid namespace.
   */
  static final String FORWARDER =
      """
      import os, socket, threading
      SOCK = '/run/agentry/proxy.sock'
      s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind(('127.0.0.1', 3128))
      s.listen(128)
      if os.fork():
          os._exit(0)
      os.setsid()
      fd = os.open('/dev/null', os.O_RDWR)
      for i in (0, 1, 2):
          os.dup2(fd, i)
      def pipe(a, b):
          try:
              while True:
                  d = a.recv(65536)
                  if not d:
                      break
                  b.sendall(d)
          except OSError:
              pass
          try:
              b.shutdown(socket.SHUT_WR)
          except OSError:
              pass
      def serve(c):
          u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
          try:
              u.connect(SOCK)
          except OSError:
              c.close()
              return
          t = threading.Thread(target=pipe, args=(u, c), daemon=True)
          t.start()
          pipe(c, u)
          t.join()
          c.close()
          u.close()
      while True:
          c, _ = s.accept()
          threading.Thread(target=serve, args=(c,), daemon=True).start()
      """;

  /** Runs the forwarder, then execs the command ("$@"); a forwarder failure leaves no network. */
  static final String START = PYTHON + " -I -S " + MOUNT + "/forward.py 2>/dev/null; exec \"$@\"";

  final Path dir;
  private final EgressProxy.Listener listener;
  final boolean caBundle;

  private EgressBridge(Path dir, EgressProxy.Listener listener, boolean caBundle) {
    this.dir = dir;
    this.listener = listener;
    this.caBundle = caBundle;
  }

  static boolean available() {
    return Files.isExecutable(Path.of(PYTHON));
  }

  static EgressBridge open(EgressProxy proxy, Path dir, String session, EgressPolicy policy)
      throws IOException {
    return open(proxy, dir, session, policy, null, null);
  }

  /**
   * As {@link #open(EgressProxy, Path, String, EgressPolicy)}, also writing {@code bundle} (system
   * CAs plus the egress CA) and {@code caPem} (the egress CA) when not null: public certificates
   * only, never a key or a secret.
   */
  static EgressBridge open(
      EgressProxy proxy, Path dir, String session, EgressPolicy policy, byte[] bundle, byte[] caPem)
      throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path script = dir.resolve("forward.py");
    Files.writeString(script, FORWARDER);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    if (bundle != null && caPem != null) {
      for (var f : java.util.Map.of("ca-bundle.crt", bundle, "agentry-ca.crt", caPem).entrySet()) {
        Path p = dir.resolve(f.getKey());
        Files.write(p, f.getValue());
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    try {
      return new EgressBridge(
          dir,
          proxy.listen(dir.resolve("proxy.sock"), session, policy),
          bundle != null && caPem != null);
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
  }

  EgressPolicy policy() {
    return listener.policy();
  }

  @Override
  public void close() {
    listener.close();
    deleteTree(dir);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort
                }
              });
    } catch (IOException ignored) {
      // already gone
    }
  }
}
