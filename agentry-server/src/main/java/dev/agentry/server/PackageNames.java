package dev.agentry.server;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an environment's {@code config.packages} may name. Installs pass names as arguments, never
 * as shell text, but a name that would mean something to a shell, or that starts like an option, is
 * refused at create all the same: it is not a package, and it would be a trap for anyone who pastes
 * the list into a terminal. Each manager then gets the shape its names and version pins have.
 */
final class PackageNames {
  static final List<String> MANAGERS = List.of("apt", "cargo", "gem", "go", "npm", "pip");

  /** The program each manager's install runs, as the build sandbox sees it (the host's /usr). */
  private static final Map<String, String> TOOLS =
      Map.of(
          "apt", "apt-get", "cargo", "cargo", "gem", "gem", "go", "go", "npm", "npm", "pip",
          "python3");

  private static final Pattern SHELL = Pattern.compile("[\\s;&|$`()<>{}'\"\\\\*?#!]");

  private static final Map<String, Pattern> SHAPES =
      Map.of(
          // name[=version] (Debian policy: lower case, digits, + - .)
          "apt",
          Pattern.compile("[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+~:-]+)?"),
          // crate[@version]
          "cargo",
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*(@[A-Za-z0-9.+^~=,-]+)?"),
          // gem[:version]
          "gem",
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9.]+)?"),
          // module path[@version]
          "go",
          Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~/-]*(@[A-Za-z0-9._+-]+)?"),
          // [@scope/]name[@version or range]
          "npm",
          Pattern.compile("(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(@[A-Za-z0-9.^~+=-]+)?"),
          // PEP 508 name[extras][specifiers], without markers or URLs
          "pip",
          Pattern.compile(
              "[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\\[[A-Za-z0-9._,-]+\\])?"
                  + "((===?|~=|!=|<=?|>=?)[A-Za-z0-9.*+!-]+)?(,(===?|~=|!=|<=?|>=?)[A-Za-z0-9.*+!-]+)*"));

  private PackageNames() {}

  /**
   * {@code name} if it is a {@code manager} package name.
   *
   * @throws ApiError (400) naming {@code path} and the rule
   */
  static String check(String manager, String name, String path) {
    String pipSpecifiers =
        manager.equals("pip") ? name.replaceAll("(===?|~=|!=|<=?|>=?)", "").replace("*", "") : name;
    if (SHELL.matcher(pipSpecifiers).find()) {
      throw ApiError.invalid(
          path
              + ": "
              + quote(name)
              + " is not a package name: it must not contain whitespace or shell metacharacters"
              + " (; & | $ ` ( ) < > { } ' \" \\ * ? # !)");
    }
    if (name.startsWith("-")) {
      throw ApiError.invalid(path + ": " + quote(name) + " must not start with '-'");
    }
    if (!SHAPES.get(manager).matcher(name).matches()) {
      throw ApiError.invalid(path + ": " + quote(name) + " is not a valid " + manager + " package");
    }
    return name;
  }

  private static String quote(String s) {
    return "'" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "'";
  }

  /**
   * Whether {@code manager} can install here: its program is on this host, which the build sandbox
   * binds read-only. A manager that is not is refused at create rather than failing each session's
   * first tool call.
   */
  static boolean installable(String manager) {
    String tool = TOOLS.get(manager);
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
