package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.EventDraft;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

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
                "{\"name\":\"researcher\",\"model\":\"claude-sonnet-4-6\",\"system\":\"sys-researcher\","
                    + "\"tools\":[{\"type\":\"agent_toolset_20260401\"}]}"));
    String lead =
        BadInputTest.id(
            server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"lead\",\"model\":\"claude-sonnet-4-6\",\"system\":\"sys-lead\","
                    + "\"multiagent\":"
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

  @Test
  void aDelegatingSession_showsATabPerThread_andAChildsTabShowsItsOwnStream() throws Exception {
    // A script per agent: the lead's second request and the member's first are in flight together.
    fake.enqueueFor(
        "sys-lead",
        FakeAnthropic.toolUse(
            "send_to_agent",
            "{\"agent_name\":\"researcher\",\"message\":\"Count the files please\"}"),
        FakeAnthropic.text("I asked the researcher."),
        FakeAnthropic.text("The researcher counted 3."));
    fake.enqueueFor(
        "sys-researcher",
        FakeAnthropic.toolUse("bash", "{\"command\":\"echo child-was-here\"}"),
        FakeAnthropic.text("There are 3 files."));
    String id = coordinatorSession();
    openSession(id);
    PermissionEndToEndTest.say(id, "How many files?");

    browser.awaitText(event("agent.thread_message_received"), "There are 3 files.");
    browser.awaitTrue(
        "[...document.querySelectorAll(\"#timeline li[data-type='agent.message']\")]"
            + ".some(e => e.textContent.includes('The researcher counted 3.'))");
    assertThat(browser.driver.findElement(event("agent.thread_message_sent")).getText())
        .contains("→ to researcher")
        .contains("Count the files please");
    // The coordinator's call is on the session's stream; the member's own call only on its
    // thread's.
    assertThat(browser.driver.findElements(event("agent.tool_use")))
        .extracting(WebElement::getText)
        .anyMatch(t -> t.contains("send_to_agent"))
        .noneMatch(t -> t.contains("child-was-here"));

    WebElement primaryTab = browser.await(By.cssSelector("#threads button[data-primary=true]"));
    assertThat(primaryTab.getText()).contains("lead (coordinator)");
    assertThat(primaryTab.getAttribute("aria-selected")).isEqualTo("true");
    browser.awaitTrue(
        "document.querySelector(\"#threads button[data-primary=false] [data-status]\")"
            + "?.dataset.status === 'idle'");
    WebElement childTab =
        browser.driver.findElement(By.cssSelector("#threads button[data-primary=false]"));
    assertThat(childTab.getText()).contains("researcher").contains("idle");
    browser.screenshot("console-threads-tabs");

    childTab.click();
    browser.await(By.cssSelector("#thread-timeline:not([hidden])"));
    assertThat(browser.driver.findElement(By.id("timeline")).isDisplayed()).isFalse();
    browser.awaitText(
        By.cssSelector("#thread-timeline li[data-type='agent.tool_use']"), "echo child-was-here");
    browser.awaitText(
        By.cssSelector("#thread-timeline li[data-type='agent.thread_message_received']"),
        "← from lead");
    browser.awaitText(
        By.cssSelector("#thread-timeline li[data-type='agent.thread_message_received']"),
        "Count the files please");
    assertThat(childTab.getAttribute("aria-selected")).isEqualTo("true");
    browser.screenshot("console-threads-child");

    primaryTab.click();
    browser.await(By.cssSelector("#timeline:not([hidden])"));
    assertThat(browser.driver.findElement(By.id("thread-timeline")).isDisplayed()).isFalse();
  }
}
