package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.EnvironmentConfig;
import dev.agentry.core.EnvironmentConfig.Networking;
import dev.agentry.core.EnvironmentConfig.Packages;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parses environment configs. When {@code networking} is omitted it defaults to {@code limited}
 * with no hosts: open egress must be an explicit choice (see docs/decisions/0002).
 */
final class EnvironmentParser {
  private static final Pattern HOST =
      Pattern.compile(
          "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9-]{1,63})*(:[0-9]{1,5})?");
  static final Networking DEFAULT_NETWORKING = new Networking.Limited(List.of(), false, false);

  private EnvironmentParser() {}

  static EnvironmentConfig config(JsonNode body) {
    if (Fields.isNullOrAbsent(body, "config")) {
      return new EnvironmentConfig.Cloud(DEFAULT_NETWORKING, Packages.NONE);
    }
    JsonNode node = body.get("config");
    String type = Fields.type(node, "config", List.of("cloud", "self_hosted"));
    if (type.equals("self_hosted")) {
      // The worker's machine is the hands: its network and packages are the worker's to set.
      for (var names = node.fieldNames(); names.hasNext(); ) {
        String key = names.next();
        if (!key.equals("type")) {
          throw ApiError.invalid(
              "config."
                  + key
                  + ": a self_hosted environment runs its tools on the worker's machine, which"
                  + " sets its own "
                  + key
                  + "; remove it",
              "unsupported_feature");
        }
      }
      return new EnvironmentConfig.SelfHosted();
    }
    Networking networking = networking(node);
    Packages packages = packages(node);
    if (networking instanceof Networking.Limited l
        && !l.allowPackageManagers()
        && !packages.isEmpty()) {
      throw ApiError.invalid(
          "config.packages: a limited network needs networking.allow_package_managers: true to"
              + " install packages");
    }
    return new EnvironmentConfig.Cloud(networking, packages);
  }

  private static Networking networking(JsonNode config) {
    if (Fields.isNullOrAbsent(config, "networking")) {
      return DEFAULT_NETWORKING;
    }
    String path = "config.networking";
    JsonNode n = config.get("networking");
    if (Fields.type(n, path, List.of("unrestricted", "limited")).equals("unrestricted")) {
      return new Networking.Unrestricted();
    }
    List<String> hosts =
        Fields.optionalArray(
            n,
            path,
            "allowed_hosts",
            256,
            (v, p) -> {
              String h = Fields.checkString(v, p, 1, 260);
              if (!HOST.matcher(h).matches()) {
                throw ApiError.invalid(p + ": must be a hostname (optionally *.domain or :port)");
              }
              return h;
            });
    return new Networking.Limited(
        hosts,
        Fields.optionalBoolean(n, path, "allow_mcp_servers", false),
        Fields.optionalBoolean(n, path, "allow_package_managers", false));
  }

  private static Packages packages(JsonNode config) {
    if (Fields.isNullOrAbsent(config, "packages")) {
      return Packages.NONE;
    }
    String path = "config.packages";
    JsonNode p = Fields.object(config.get("packages"), path);
    for (var names = p.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      if (!key.equals("type") && !PackageNames.MANAGERS.contains(key)) {
        throw ApiError.invalid(
            path
                + "."
                + key
                + ": unknown package manager; the managers are "
                + String.join(", ", PackageNames.MANAGERS));
      }
    }
    String type = Fields.optionalString(p, path, "type", 1, 32);
    if (type != null) {
      Fields.oneOf(type, path + ".type", List.of("packages"));
    }
    return new Packages(
        list(p, "apt"),
        list(p, "cargo"),
        list(p, "gem"),
        list(p, "go"),
        list(p, "npm"),
        list(p, "pip"));
  }

  private static List<String> list(JsonNode packages, String manager) {
    List<String> names =
        Fields.optionalArray(
            packages,
            "config.packages",
            manager,
            256,
            (v, p) -> PackageNames.check(manager, Fields.checkString(v, p, 1, 256), p));
    if (!names.isEmpty() && !PackageNames.installable(manager)) {
      throw ApiError.invalid(
          "config.packages."
              + manager
              + ": this Agentry host has no "
              + manager
              + " in its sandbox (docs/packages.md lists the tool set)",
          "unsupported_feature");
    }
    return names;
  }
}
