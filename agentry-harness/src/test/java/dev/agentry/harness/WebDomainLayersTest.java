package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.Cancellation;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.Json;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.Roster;
import dev.agentry.core.Session;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolOutcome;
import dev.agentry.core.ToolSpec;
import dev.agentry.testkit.StoreFixtures;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A member thread's web tools reach no further than its coordinator's (cma-later-surfaces §1.1, ADR
 * 0047): allow-lists intersect, block-lists union, and a URL outside is refused.
 */
class WebDomainLayersTest {
  private static final Instant NOW = Instant.parse("2026-12-04T00:00:00Z");

  static ToolConfig web(String name, List<String> allowed, List<String> blocked) {
    return new ToolConfig(
        name, name, true, PermissionPolicy.ALWAYS_ALLOW, allowed, blocked, null, null, null);
  }

  static AgentSpec agentWith(String name, ToolConfig... configs) {
    AgentSpec s = StoreFixtures.spec(name);
    return new AgentSpec(
        s.name(),
        s.description(),
        s.system(),
        s.model(),
        List.of(new ToolSpec.AgentToolset(DefaultToolConfig.ALLOW_ALL, List.of(configs))),
        s.mcpServers(),
        s.skills(),
        s.metadata(),
        null,
        null);
  }

  /** The member's spec as its thread runs it, under a session of {@code coordinator}. */
  static AgentSpec asMemberThreadRunsIt(AgentSpec coordinator, AgentSpec member) {
    Session session = StoreFixtures.session(StoreFixtures.agent(coordinator, NOW), NOW);
    ThreadScope scope =
        ThreadScope.child(
            session.id(),
            "sthr_member",
            new Roster.Member(member.name(), StoreFixtures.agent(member, NOW), false));
    return scope.session(session).agent().spec();
  }

  @Test
  void allowListsIntersect_keepingTheNarrowerOfOverlappingDomains() {
    assertThat(
            WebDomainLayers.intersect(
                List.of("docs.example.com", "other.org", "Example.NET."),
                List.of("example.com", "example.net")))
        .containsExactly("docs.example.com", "example.net");
    assertThat(WebDomainLayers.intersect(List.of(), List.of("example.com")))
        .containsExactly("example.com");
    assertThat(WebDomainLayers.intersect(List.of("example.com"), null))
        .containsExactly("example.com");
    assertThat(WebDomainLayers.intersect(null, null)).isNull();
  }

  @Test
  void disjointAllowLists_allowNoHostAtAll() {
    List<String> none = WebDomainLayers.intersect(List.of("a.example"), List.of("b.example"));
    assertThat(none).containsExactly(WebDomainLayers.MATCHES_NO_HOST);
    assertThat(WebFetch.matches("a.example", none.getFirst())).isFalse();
    assertThat(WebFetch.matches("b.example", none.getFirst())).isFalse();
  }

  @Test
  void blockListsUnion() {
    assertThat(
            WebDomainLayers.union(List.of("ads.example"), List.of("evil.example", "ads.example")))
        .containsExactly("ads.example", "evil.example");
    assertThat(WebDomainLayers.union(null, List.of("evil.example")))
        .containsExactly("evil.example");
  }

  @Test
  void aMemberThreadsWebFetch_isRefusedOutsideTheCoordinatorsAllowList() {
    AgentSpec coordinator =
        agentWith(
            "lead",
            web("web_fetch", List.of("docs.example.com"), List.of("bad.docs.example.com")),
            web("web_search", List.of("docs.example.com"), null));
    AgentSpec member =
        agentWith(
            "helper",
            web("web_fetch", null, List.of("ads.example")),
            web("web_search", List.of("example.org"), null));

    AgentSpec runs = asMemberThreadRunsIt(coordinator, member);

    ToolConfig fetch = Permissions.config(runs, "web_fetch").orElseThrow();
    assertThat(fetch.allowedDomains()).containsExactly("docs.example.com");
    assertThat(fetch.blockedDomains()).containsExactly("ads.example", "bad.docs.example.com");
    ToolOutcome out =
        new RuntimeTools(RuntimeToolSettings.defaults())
            .execute(
                runs,
                List::of,
                "web_fetch",
                Json.mapper().createObjectNode().put("url", "https://elsewhere.example/"),
                new Cancellation());
    assertThat(out.isError()).isTrue();
    assertThat(out.text()).contains("elsewhere.example").contains("allowed_domains");

    // The two search allow-lists do not overlap: no result passes.
    SearchProvider provider =
        (q, n) ->
            List.of(
                new SearchProvider.Result("Docs", "https://docs.example.com/a", ""),
                new SearchProvider.Result("Org", "https://example.org/b", ""));
    ToolConfig search = Permissions.config(runs, "web_search").orElseThrow();
    assertThat(RuntimeTools.search(provider, "q", search).text()).isEqualTo("No results for: q");
  }

  @Test
  void membersOfAnUnrestrictedCoordinator_andOtherTools_areUnchanged() {
    AgentSpec open = agentWith("lead", web("web_fetch", null, null));
    AgentSpec member = agentWith("helper", web("web_fetch", List.of("example.org"), null));
    assertThat(asMemberThreadRunsIt(open, member)).isEqualTo(member);
    assertThat(
            WebDomainLayers.layered(web("bash", null, null), Optional.of(web("bash", null, null))))
        .isEqualTo(web("bash", null, null));
  }
}
