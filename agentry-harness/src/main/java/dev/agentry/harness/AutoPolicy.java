package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.ToolConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code auto} permission policy: a small, conservative rule engine that judges one built-in
 * tool call as {@code allow}, {@code ask} or {@code deny} (docs/permissions.md lists the rules).
 *
 * <p>It is a tripwire, not a sandbox: a determined command can always be spelled so that no pattern
 * sees it, which is why the sandbox and the egress policy still confine whatever is allowed. The
 * rules err towards asking: a pattern that matches anywhere in the command counts, even inside a
 * quoted string.
 */
public final class AutoPolicy {
  /** One verdict: {@code allow}, {@code ask} or {@code deny}; a reason code unless allowed. */
  public record Decision(String permission, String reasonCode) {
    static final Decision ALLOW = new Decision("allow", null);
  }

  private record Rule(String reasonCode, String permission, Pattern pattern) {}

  /** Start of a command word: start, a separator or quote, then an optional directory. */
  private static final String CMD = "(?:^|[\\s;&|(){}`'\"!])(?:[^\\s;&|()]*/)?";

  /** End of a command word. */
  private static final String END = "(?=$|[\\s;&|()<>`'\"])";

  /** Up to the end of the current simple command. */
  private static final String ARGS = "[^;&|\\n]*?";

  private static final List<Rule> BASH_RULES =
      List.of(
          rule(
              "privilege_escalation",
              "deny",
              CMD + "(?:sudo|su|doas|pkexec|runuser|setpriv)" + END),
          rule(
              "network_access",
              "deny",
              CMD
                  + "(?:curl|wget|nc|ncat|netcat|socat|telnet|ssh|scp|sftp|rsync|ftp|tftp|lftp"
                  + "|aria2c|nslookup|dig|ping|npx|bunx)"
                  + END),
          rule(
              "network_access",
              "deny",
              CMD + "git" + ARGS + "\\s(?:clone|fetch|pull|push|ls-remote|submodule)" + END),
          rule(
              "network_access",
              "deny",
              CMD
                  + "(?:pip|pip3|pipx|uv|poetry|npm|pnpm|yarn|bun|gem|cargo|go|apt|apt-get|aptitude"
                  + "|yum|dnf|apk|brew|conda|mamba|composer)"
                  + ARGS
                  + "\\s(?:install|add|i|get|update|upgrade|sync|download)"
                  + END),
          rule("network_access", "deny", "/dev/(?:tcp|udp)/"),
          rule(
              "network_access",
              "deny",
              "(?:urllib\\.request|http\\.client|socket\\.socket|requests\\.(?:get|post)"
                  + "|fetch\\(\\s*['\"]https?:|net/http|Net::HTTP)"),
          rule(
              "recursive_delete",
              "ask",
              CMD + "rm" + ARGS + "\\s(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)" + END),
          rule("recursive_delete", "ask", CMD + "find" + ARGS + "\\s-(?:delete|exec\\s+rm)" + END),
          rule("recursive_delete", "ask", CMD + "shred" + END),
          rule(
              "permission_change", "ask", CMD + "(?:chmod|chown|chgrp|setfacl|chattr|umask)" + END),
          rule("opaque_command", "ask", CMD + "eval" + END),
          rule("opaque_command", "ask", "\\|\\s*(?:[^\\s|]*/)?(?:ba|z|da|k)?sh" + END));

  private static final Map<String, String> REASONS =
      Map.of(
          "deny_list", "the call matches the server's AGENTRY_AUTO_DENY list",
          "privilege_escalation", "the command tries to gain privileges (sudo, su, …)",
          "network_access", "the command reaches the network",
          "recursive_delete", "the command deletes recursively",
          "permission_change", "the command changes file permissions or ownership",
          "opaque_command", "the command runs code the policy cannot inspect (eval, … | sh)",
          "unrestricted_web_fetch", "web_fetch has no allowed_domains, so any site may be fetched",
          "unknown_tool", "the tool is not one the auto policy knows",
          "mcp_tool", "MCP tools are not known to be safe, so each call is confirmed");

  private final List<Pattern> denyList;

  public AutoPolicy(List<Pattern> denyList) {
    this.denyList = List.copyOf(denyList);
  }

  public static AutoPolicy none() {
    return new AutoPolicy(List.of());
  }

  /**
   * Parses {@code AGENTRY_AUTO_DENY}: comma-separated regular expressions (found anywhere in the
   * call's subject). Blank entries are skipped; a bad one is an error naming the key.
   */
  public static List<Pattern> parseDenyList(String value) {
    List<Pattern> out = new ArrayList<>();
    if (value == null) {
      return out;
    }
    for (String part : value.split(",")) {
      String regex = part.trim();
      if (regex.isEmpty()) {
        continue;
      }
      try {
        out.add(Pattern.compile(regex));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "AGENTRY_AUTO_DENY: '" + regex + "' is not a valid regular expression", e);
      }
    }
    return out;
  }

  /** What a reason code means, for the model and the docs. */
  static String explain(String reasonCode) {
    return REASONS.getOrDefault(reasonCode, reasonCode);
  }

  /** Judges one call of built-in tool {@code name}; {@code config} may be null. */
  public Decision evaluate(String name, JsonNode input, ToolConfig config) {
    String subject = subject(name, input);
    for (Pattern p : denyList) {
      if (p.matcher(subject).find()) {
        return new Decision("deny", "deny_list");
      }
    }
    return switch (name) {
      case "read", "glob", "grep", "write", "edit" -> Decision.ALLOW; // confined to the workspace
      case "web_search" -> Decision.ALLOW; // the query goes only to the operator's provider
      case "web_fetch" ->
          config != null && config.allowedDomains() != null && !config.allowedDomains().isEmpty()
              ? Decision.ALLOW
              : new Decision("ask", "unrestricted_web_fetch");
      case "bash" -> bash(subject);
      default -> new Decision("ask", "unknown_tool");
    };
  }

  private static Decision bash(String command) {
    for (Rule r : BASH_RULES) {
      if (r.pattern().matcher(command).find()) {
        return new Decision(r.permission(), r.reasonCode());
      }
    }
    return Decision.ALLOW;
  }

  /** The part of the input the rules read: the command, the path, the URL or the query. */
  private static String subject(String name, JsonNode input) {
    return switch (name) {
      case "bash" -> input.path("command").asText("");
      case "read", "write", "edit" -> input.path("file_path").asText("");
      case "glob", "grep" -> input.path("pattern").asText("") + " " + input.path("path").asText("");
      case "web_fetch" -> input.path("url").asText("");
      case "web_search" -> input.path("query").asText("");
      default -> input.toString();
    };
  }

  private static Rule rule(String reasonCode, String permission, String regex) {
    return new Rule(reasonCode, permission, Pattern.compile(regex));
  }
}
