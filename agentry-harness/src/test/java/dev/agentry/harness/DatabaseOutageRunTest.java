package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventDraft;
import dev.agentry.core.SessionCommit;
import dev.agentry.core.SessionRepository;
import dev.agentry.core.Store;
import dev.agentry.core.StoreException;
import dev.agentry.core.StoredEvent;
import dev.agentry.store.StoreConfig;
import dev.agentry.store.Stores;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database becomes unreachable exactly as a run commits: either before the commit reached it
 * (the write is lost) or after it committed (the acknowledgement is lost). Either way the run
 * waits, settles what it does not know, and goes on: nothing twice, nothing lost, no tool re-run.
 */
class DatabaseOutageRunTest extends HarnessTestBase {
  /** The event type whose commit fails once, and whether the database made it first. */
  private final AtomicReference<String> failCommitOf = new AtomicReference<>();

  private final AtomicBoolean landsFirst = new AtomicBoolean();

  @Override
  @BeforeEach
  void openStore() {
    Store real = Stores.open(StoreConfig.sqlite(dir));
    store = real;
    sessionId = real.sessions().create(session(), List.of()).id();
    harness = Harness.create(flaky(real), model, tools, config(), Clock.systemUTC());
  }

  @Test
  void theToolResultsCommitNeverReachesTheDatabase_itIsCommittedAgain_andTheToolRunsOnce() {
    failCommitOf.set("agent.tool_result");
    // The result's commit overlaps the next model request (ADR 0031): the outage drops that
    // request's response, and the request is made again once the result is settled.
    model.thenTool("bash", "{\"command\":\"echo hi\"}").thenText("dropped").thenText("done");
    say("go");
    awaitIdles(1);
    assertWeathered(3);
    assertThat(ofType("agent.message").toString()).contains("done").doesNotContain("dropped");
  }

  @Test
  void theToolUsesCommitLandsButItsAnswerIsLost_itIsNotCommittedTwice_andTheToolRunsOnce() {
    failCommitOf.set("agent.tool_use");
    landsFirst.set(true);
    model.thenTool("bash", "{\"command\":\"echo hi\"}").thenText("done");
    say("go");
    awaitIdles(1);
    assertWeathered(2);
  }

  private void assertWeathered(int modelRequests) {
    assertThat(failCommitOf.get()).as("the outage happened").isNull();
    assertThat(tools.calls).hasSize(1);
    assertThat(model.requests).hasSize(modelRequests);
    List<String> types = types();
    assertThat(types).doesNotContain("session.error").contains("session.status_rescheduled");
    int rescheduled = types.indexOf("session.status_rescheduled");
    assertThat(types.lastIndexOf("session.status_running")).isGreaterThan(rescheduled);
    assertThat(ofType("agent.tool_use")).hasSize(1);
    assertThat(ofType("agent.tool_result")).hasSize(1);
    assertThat(Events.payload(ofType("agent.tool_result").get(0)).path("is_error").asBoolean())
        .isFalse();
    assertThat(log().stream().map(StoredEvent::id)).doesNotHaveDuplicates();
    assertThat(
            Events.payload(ofType("session.status_idle").getLast())
                .path("stop_reason")
                .path("type")
                .asText())
        .isEqualTo("end_turn");
  }

  /** {@code real}, whose session commit of {@link #failCommitOf} fails once as in an outage. */
  private Store flaky(Store real) {
    SessionRepository sessions =
        (SessionRepository)
            Proxy.newProxyInstance(
                SessionRepository.class.getClassLoader(),
                new Class<?>[] {SessionRepository.class},
                (self, method, args) -> {
                  boolean trap =
                      method.getName().equals("commit")
                          && args[2] instanceof SessionCommit c
                          && carries(c, failCommitOf.get());
                  if (trap && !landsFirst.get()) {
                    failCommitOf.set(null);
                    throw outage();
                  }
                  Object result = invoke(method, real.sessions(), args);
                  if (trap) {
                    failCommitOf.set(null);
                    throw outage();
                  }
                  return result;
                });
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (self, method, args) ->
                method.getName().equals("sessions") ? sessions : invoke(method, real, args));
  }

  private static boolean carries(SessionCommit c, String type) {
    return type != null && c.events().stream().map(EventDraft::type).anyMatch(type::equals);
  }

  private static StoreException outage() {
    return new StoreException.Unavailable(
        "write failed (SQLState 08006)", new SQLTransientConnectionException("connection reset"));
  }

  private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
