package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventDraft;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * A multi-agent session in the console, in a real headless Chromium: the thread lifecycle and the
 * messages between threads on the session timeline, and a child's cross-posted call labelled with
 * its agent. The thread events are written to the session's log as the harness writes them.
 */
class ConsoleThreadsBrowserTest extends FakeModelServerTestBase {
  @TempDir static Path profile;
  static Browser browser;

  @BeforeAll
  static void startBrowser() {
    browser = new Browser(profile);
  }

  @AfterAll
  static void stopBrowser() {
    browser.close();
  }

  static By event(String type) {
    return By.cssSelector("#timeline li[data-type='" + type + "']");
  }

  /** A coordinator session whose roster holds one member, {@code researcher}. */
  static String coordinatorSession() throws Exception {
    String member =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"researcher\",\"model\":\"claude-sonnet-4-6\","
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String lead =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"lead\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":"
                    + "{\"type\":\"coordinator\",\"agents\":[\""
                    + member
                    + "\"]}}"));
    return BadInputTest.id(
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + lead + "\",\"environment_id\":\"" + envId + "\"}"));
  }

  static void openSession(String id) {
    browser.open(server.baseUrl() + "/#/sessions");
    if (!browser.driver.findElements(By.name("api_key")).isEmpty()) {
      browser.await(By.name("api_key")).sendKeys(TestServer.KEY);
      browser.driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    }
    browser.await(By.id("sessions"));
    browser.open(server.baseUrl() + "/#/sessions/" + id);
    browser.await(By.cssSelector("#stream-state[data-state=live]"));
  }

  static EventDraft draft(String type, String payload) {
    return EventDraft.of(type, payload, Instant.now());
  }

  static void append(String session, EventDraft... drafts) {
    server.server.store().events().append(session, List.of(drafts));
  }

  @Test
  void threadEvents_showOnTheSessionTimeline_withTheChildsAgentName() throws Exception {
    String id = coordinatorSession();
    String child = "sthr_console0child0000000001";
    append(
        id,
        draft(
            "user.message", "{\"content\":[{\"type\":\"text\",\"text\":\"Find the flaky test\"}]}"),
        draft(
            "session.thread_created",
            "{\"session_thread_id\":\"" + child + "\",\"agent_name\":\"researcher\"}"),
        draft(
            "agent.thread_message_sent",
            "{\"to_session_thread_id\":\""
                + child
                + "\",\"to_agent_name\":\"researcher\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Look at the test logs\"}]}"),
        draft(
            "session.thread_status_running",
            "{\"session_thread_id\":\"" + child + "\",\"agent_name\":\"researcher\"}"),
        draft(
            "agent.tool_use",
            "{\"session_thread_id\":\""
                + child
                + "\",\"name\":\"bash\",\"input\":{\"command\":\"cat test.log\"},"
                + "\"evaluated_permission\":\"ask\"}"),
        draft(
            "agent.thread_message_received",
            "{\"from_session_thread_id\":\""
                + child
                + "\",\"from_agent_name\":\"researcher\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"It is the clock test\"}]}"),
        draft(
            "session.thread_status_idle",
            "{\"session_thread_id\":\""
                + child
                + "\",\"agent_name\":\"researcher\",\"stop_reason\":{\"type\":\"end_turn\"}}"));

    openSession(id);

    browser.awaitText(event("session.thread_created"), "thread started: researcher");
    browser.awaitText(event("agent.thread_message_sent"), "→ to researcher");
    assertThat(browser.driver.findElement(event("agent.thread_message_sent")).getText())
        .contains("Look at the test logs");
    assertThat(browser.driver.findElement(event("session.thread_status_running")).getText())
        .isEqualTo("researcher: running");
    assertThat(browser.driver.findElement(event("agent.tool_use")).getText())
        .contains("bash")
        .contains("cat test.log")
        .contains("researcher")
        .contains("needs approval");
    assertThat(browser.driver.findElement(event("agent.thread_message_received")).getText())
        .contains("← from researcher")
        .contains("It is the clock test");
    assertThat(browser.driver.findElement(event("session.thread_status_idle")).getText())
        .isEqualTo("researcher: idle");
    browser.screenshot("console-threads-timeline");
  }
}
