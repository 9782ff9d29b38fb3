package dev.agentry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.Agent;
import dev.agentry.core.Json;
import dev.agentry.core.Session;
import dev.agentry.core.SessionUsage;
import dev.agentry.testkit.StoreFixtures;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionBodiesTest {
  private final SessionBodies bodies = new SessionBodies();
  private final Instant t0 = Instant.parse("2026-12-03T10:00:00Z");
  private final Session session = StoreFixtures.session(StoreFixtures.agent(t0), t0);

  @Test
  void theBodyThisProcessWroteLast_readsBackAsTheSessionItWasWrittenFrom_withoutAParse() {
    String body = bodies.write(session);

    assertThat(bodies.read(session.id(), body)).isSameAs(session);
  }

  @Test
  void aBodySomeoneElseWroteSince_isParsed_notTakenForTheRemembered() {
    bodies.write(session);
    Session changedElsewhere =
        session.withDetails("renamed elsewhere", Map.of(), t0.plusSeconds(1));
    String theirs = Json.write(changedElsewhere);

    Session read = bodies.read(session.id(), theirs);

    assertThat(read).isNotSameAs(session).isEqualTo(Json.read(theirs, Session.class));
    assertThat(read.title()).isEqualTo("renamed elsewhere");
  }

  @Test
  void anotherSessionsRememberedBody_neverAnswersForThisOne() {
    Session other = StoreFixtures.session(StoreFixtures.agent(t0), t0);
    String body = bodies.write(other);

    assertThat(bodies.read(session.id(), body)).isNotSameAs(other).isEqualTo(other);
  }

  @Test
  void resources_ofTheBodyThisProcessWroteLast_areTheWrittenSessions_elseReadFromTheText() {
    Session mounted =
        session.withResources(
            List.of(Json.mapper().createObjectNode().put("memory_store_id", "memstore_1")),
            t0.plusSeconds(1));
    String body = bodies.write(mounted);
    assertThat(bodies.resources(session.id(), body)).isSameAs(mounted.resources());

    Session changedElsewhere =
        mounted.withResources(
            List.of(Json.mapper().createObjectNode().put("memory_store_id", "memstore_2")),
            t0.plusSeconds(2));
    assertThat(bodies.resources(session.id(), Json.write(changedElsewhere)))
        .isEqualTo(changedElsewhere.resources());
    assertThat(bodies.resources(session.id(), Json.write(session))).isEmpty();
  }

  @Test
  void aStepsRewrite_keepsTheAgentsText_andWritesWhatJsonWriteWould() {
    assertThat(bodies.write(session)).isEqualTo(Json.write(session));
    Session stepped = session.withUsage(new SessionUsage(10, 20, 0, 0, 1.5, 0, 0));

    assertThat(bodies.write(stepped)).isEqualTo(Json.write(stepped));
    Session otherAgent =
        StoreFixtures.session(StoreFixtures.agent(t0.plusSeconds(5)), t0)
            .withUsage(stepped.usage());
    assertThat(bodies.write(otherAgent)).isEqualTo(Json.write(otherAgent));
  }

  @Test
  void anAgentsKnownText_standsInOnlyForThatVeryAgentObject() {
    SessionText.AgentText marked = new SessionText.AgentText(session.agent(), "{\"marker\":1}");
    assertThat(SessionText.write(session, marked)).contains("\"agent\":{\"marker\":1}");

    Agent equalButAnother = Json.read(Json.write(session.agent()), Agent.class);
    SessionText.AgentText other = new SessionText.AgentText(equalButAnother, "{\"marker\":1}");
    assertThat(SessionText.write(session, other)).isEqualTo(Json.write(session));
  }
}
