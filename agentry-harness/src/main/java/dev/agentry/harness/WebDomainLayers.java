package dev.agentry.harness;

import dev.agentry.core.Agent;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The web tools' domain lists of a member thread, layered on its coordinator's (cma-later-surfaces
 * §1.1, docs/decisions/0047): a member may reach a host only if its own lists and the coordinator's
 * both let it, so {@code allowed_domains} intersect and {@code blocked_domains} union. A member
 * cannot widen what the session's coordinator was allowed to reach by delegating.
 *
 * <p>The intersection is taken domain by domain with the tools' subdomain rule ({@link
 * WebFetch#matches}): of two overlapping entries the narrower one is kept, so a host matches the
 * result exactly when it matches an entry of each list. Two allow-lists that do not overlap allow
 * nothing; since an empty list means "no restriction", that is written as the one entry {@link
 * #MATCHES_NO_HOST}, which {@link WebFetch#matches} never matches (every URL is then refused as not
 * in {@code allowed_domains}, the tools' {@code url_not_allowed}).
 */
final class WebDomainLayers {
  /** An allow-list entry no host matches: {@link WebFetch#matches} refuses an empty domain. */
  static final String MATCHES_NO_HOST = "";

  private static final Set<String> WEB_TOOLS = Set.of("web_fetch", "web_search");

  private WebDomainLayers() {}

  /** {@code member} with its web tools' domain lists layered on {@code coordinator}'s. */
  static Agent layered(Agent member, AgentSpec coordinator) {
    AgentSpec s = member.spec();
    List<ToolSpec> tools = new ArrayList<>(s.tools().size());
    boolean changed = false;
    for (ToolSpec tool : s.tools()) {
      if (tool instanceof ToolSpec.AgentToolset set) {
        List<ToolConfig> configs = new ArrayList<>(set.configs().size());
        for (ToolConfig c : set.configs()) {
          ToolConfig layered =
              WEB_TOOLS.contains(c.name())
                  ? layered(c, Permissions.config(coordinator, c.name()))
                  : c;
          changed |= layered != c;
          configs.add(layered);
        }
        tools.add(new ToolSpec.AgentToolset(set.defaultConfig(), configs));
      } else {
        tools.add(tool);
      }
    }
    if (!changed) {
      return member;
    }
    return member.withSpec(s.withTools(tools, s.mcpServers()));
  }

  /** One web tool's config under the coordinator's; {@code own} itself when nothing changes. */
  static ToolConfig layered(ToolConfig own, Optional<ToolConfig> coordinator) {
    if (!WEB_TOOLS.contains(own.name()) || coordinator.isEmpty()) {
      return own;
    }
    ToolConfig over = coordinator.get();
    List<String> allowed = intersect(own.allowedDomains(), over.allowedDomains());
    List<String> blocked = union(own.blockedDomains(), over.blockedDomains());
    if (java.util.Objects.equals(allowed, own.allowedDomains())
        && java.util.Objects.equals(blocked, own.blockedDomains())) {
      return own;
    }
    return new ToolConfig(
        own.name(),
        own.type(),
        own.enabled(),
        own.permissionPolicy(),
        allowed,
        blocked,
        own.maxContentTokens(),
        own.urlSources(),
        own.userLocation());
  }

  private static boolean unrestricted(List<String> allowed) {
    return allowed == null || allowed.isEmpty();
  }

  /** Hosts both lists allow; either list empty or absent allows every host. */
  static List<String> intersect(List<String> own, List<String> over) {
    if (unrestricted(over)) {
      return own;
    }
    if (unrestricted(own)) {
      return List.copyOf(over);
    }
    Set<String> out = new LinkedHashSet<>();
    for (String a : own) {
      for (String b : over) {
        String na = WebFetch.normal(a);
        String nb = WebFetch.normal(b);
        if (WebFetch.matches(na, nb)) {
          out.add(na); // a is b or under it: the narrower
        } else if (WebFetch.matches(nb, na)) {
          out.add(nb);
        }
      }
    }
    return out.isEmpty() ? List.of(MATCHES_NO_HOST) : List.copyOf(out);
  }

  static List<String> union(List<String> own, List<String> over) {
    if (over == null || over.isEmpty()) {
      return own;
    }
    Set<String> out = new LinkedHashSet<>(own == null ? List.of() : own);
    out.addAll(over);
    return List.copyOf(out);
  }
}
