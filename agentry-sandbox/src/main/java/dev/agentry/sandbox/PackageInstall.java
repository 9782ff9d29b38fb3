package dev.agentry.sandbox;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How each package manager installs into the layer, as a fixed shell script run inside the build
 * sandbox with the package names as its positional arguments: names never become shell text (they
 * are also checked at environment create). Every script logs to the scratch workspace and prints
 * only the end of the log when it fails, which becomes the {@code session.error}'s message.
 */
final class PackageInstall {
  /** The managers in the order they install: apt first, so later ones can use what it brought. */
  static final List<String> ORDER = List.of("apt", "cargo", "gem", "go", "npm", "pip");

  private static final String L = PackageLayerView.MOUNT;

  private PackageInstall() {}

  /** {@code argv} of the install of {@code packages} with {@code manager}. */
  static List<String> argv(String manager, List<String> packages, String pipIndexUrl) {
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", script(manager, pipIndexUrl)));
    argv.add("install-" + manager); // $0
    argv.addAll(packages);
    return argv;
  }

  private static String script(String manager, String pipIndexUrl) {
    String body =
        switch (manager) {
          case "apt" -> APT;
          case "cargo" -> need("cargo") + "cargo install --root " + L + "/cargo \"$@\"";
          case "gem" ->
              need("gem")
                  + "gem install --no-document --install-dir "
                  + L
                  + "/gem --bindir "
                  + L
                  + "/gem/bin \"$@\"";
          case "go" ->
              need("go")
                  + "export GOBIN="
                  + L
                  + "/go/bin GOPATH=/workspace/go GOCACHE=/workspace/go/cache GOFLAGS=-modcacherw;"
                  + " for p in \"$@\"; do case \"$p\" in *@*) ;; *) p=\"$p@latest\";; esac;"
                  + " go install \"$p\" || exit 1; done";
          case "npm" ->
              need("npm")
                  // node trusts only its own CA list; the host's store may hold the CA of a
                  // TLS-inspecting gateway in front of the registry
                  + "[ -n \"$NODE_EXTRA_CA_CERTS\" ] || [ ! -r /etc/ssl/certs/ca-certificates.crt ]"
                  + " || export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt; "
                  + "npm install --global --prefix "
                  + L
                  + "/npm --no-audit --no-fund --no-update-notifier --loglevel=error \"$@\"";
          case "pip" ->
              need("python3")
                  + "python3 -m pip install --target "
                  + L
                  + "/pip/lib --no-cache-dir --disable-pip-version-check"
                  + " --no-warn-script-location --no-input --break-system-packages"
                  + pipIndex(pipIndexUrl)
                  + " \"$@\"";
          default -> throw new IllegalArgumentException("unknown package manager " + manager);
        };
    String log = "/workspace/" + manager + ".log";
    // A subshell, not a { } group: set -e inside a group followed by || would be ignored.
    return "( "
        + body
        + "\n) >"
        + log
        + " 2>&1; rc=$?; [ $rc = 0 ] || { tail -c 3000 "
        + log
        + "; exit $rc; }";
  }

  /** Fails with a plain message when the manager is not installed in the sandbox. */
  private static String need(String tool) {
    return "command -v "
        + tool
        + " >/dev/null || { echo '"
        + tool
        + ": not installed in the sandbox (docs/packages.md lists its tool set)'; exit 127; }; ";
  }

  /**
   * A configured index ({@code AGENTRY_PIP_INDEX_URL}); a plain-HTTP one must also be trusted
   * explicitly, or pip refuses it. The URL was validated when the server started.
   */
  private static String pipIndex(String url) {
    if (url == null) {
      return "";
    }
    URI u = URI.create(url);
    String s = " --index-url '" + url + "'";
    if ("http".equals(u.getScheme().toLowerCase(Locale.ROOT))) {
      s += " --trusted-host '" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + "'";
    }
    return s;
  }

  /**
   * apt without root: the host's sources (copied into the scratch workspace) are refreshed into the
   * workspace, a simulated install against the host's dpkg status lists what the sandbox lacks, and
   * those .debs are downloaded and unpacked ({@code dpkg-deb -x}) under {@code apt/}; maintainer
   * scripts never run. Documentation is dropped: nothing in the sandbox reads it.
   */
  private static final String APT =
      """
      set -e
      W=/workspace/apt
      A="-q -o Dir::Etc=$W/etc -o Dir::State=$W/state -o Dir::State::Lists=$W/lists \
      -o Dir::State::status=$W/status -o Dir::Cache=$W/cache -o Debug::NoLocking=1 \
      -o Acquire::Retries=2 -o APT::Get::AllowUnauthenticated=false"
      [ -z "$http_proxy" ] || A="$A -o Acquire::http::Proxy=$http_proxy -o Acquire::https::Proxy=$http_proxy"
      mkdir -p $W/state $W/lists/partial $W/cache/archives/partial $W/debs
      apt-get $A update
      apt-get $A -s install --no-install-recommends "$@" > $W/plan
      cat $W/plan
      need=$(sed -n 's/^Inst \\([^ ]*\\).*/\\1/p' $W/plan)
      cd $W/debs
      [ -z "$need" ] || apt-get $A download $need
      mkdir -p %1$s/apt
      for f in *.deb; do [ -e "$f" ] || continue; dpkg-deb -x "$f" %1$s/apt; done
      rm -rf %1$s/apt/usr/share/doc %1$s/apt/usr/share/man %1$s/apt/usr/share/info \
      %1$s/apt/usr/share/lintian
      """
          .formatted(L);
}
