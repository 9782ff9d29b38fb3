package dev.agentry.server;

import static dev.agentry.testkit.FakeAnthropic.textBlock;
import static dev.agentry.testkit.FakeAnthropic.toolUseBlock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.testkit.FakeAnthropic;
import dev.agentry.testkit.FakeAnthropic.Reply;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web console in a real headless Chromium against a real server whose model is the fake
 * Anthropic endpoint: log in, watch a session live over SSE, approve a pending tool call, answer a
 * custom tool, send a message, create agents and environments from YAML and JSON.
 */
class ConsoleBrowserTest extends FakeModelServerTestBase {
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

  static void logIn() {
    browser.open(server.baseUrl() + "/#/sessions");
    if (!browser.driver.findElements(By.name("api_key")).isEmpty()) {
      browser.await(By.name("api_key")).sendKeys(TestServer.KEY);
      browser.driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    }
    browser.await(By.id("sessions"));
  }

  static String session(String tools) throws Exception {
    return PermissionEndToEndTest.session(tools);
  }

  static By event(String type) {
    return By.cssSelector("#timeline li[data-type='" + type + "']");
  }

  static void openSession(String id) {
    browser.open(server.baseUrl() + "/#/sessions/" + id);
    browser.await(By.cssSelector("#stream-state[data-state=live]"));
  }

  @Test
  void logIn_watchASessionLive_approveItsToolCall_andSendAMessage() throws Exception {
    fake.enqueue(
        Reply.of(
                textBlock("Let me check the workspace."),
                toolUseBlock("bash", "{\"command\":\"echo console-approved\"}"))
            .delay(Duration.ofMillis(4000)),
        FakeAnthropic.text("The command printed console-approved."),
        FakeAnthropic.text("Second answer, from the console."));
    String id = session(PermissionEndToEndTest.ASK_BASH);

    PermissionEndToEndTest.say(id, "What is in the workspace?");
    logIn();
    WebElement row =
        browser.await(By.cssSelector("#sessions tr[data-id='" + id + "'][data-status=running] a"));
    row.click();
    browser.await(By.cssSelector("#stream-state[data-state=live]"));
    browser.await(By.cssSelector("#session-summary [data-status=running]"));
    browser.awaitText(event("user.message"), "What is in the workspace?");
    // The model is still thinking: what it says must arrive on this page, without a reload.
    assertThat(browser.driver.findElements(event("agent.message"))).isEmpty();
    browser.awaitText(event("span.model_request_start"), "asking the model");
    browser.eval("window.__sameDocument = true");
    browser.screenshot("console-session-running");
    browser.awaitText(event("agent.message"), "Let me check the workspace.");
    WebElement approve =
        browser.await(By.cssSelector("#timeline li.waiting button[data-action=approve]"));
    assertThat(browser.driver.findElement(event("agent.tool_use")).getText())
        .contains("bash")
        .contains("echo console-approved")
        .contains("needs approval");
    browser.await(By.cssSelector("#session-summary [data-status=idle]"));
    assertThat(browser.await(By.id("waiting")).getText()).isEqualTo("1 waiting for you");
    assertThat(browser.driver.findElement(event("span.model_request_start")).getText())
        .isEqualTo("model request: 10 in · 5 out tokens");
    browser.screenshot("console-session-waiting-for-approval");

    approve.click();
    browser.awaitTrue(
        "[...document.querySelectorAll(\"#timeline li[data-type='agent.message']\")]"
            + ".some(e => e.textContent.includes('printed console-approved'))");
    String toolText =
        (String)
            browser.eval(
                "document.querySelector(\"#timeline li[data-type='agent.tool_use']\").textContent");
    assertThat(toolText).contains("approved").contains("console-approved\n").contains("✓");
    assertThat(browser.driver.findElements(By.cssSelector("button[data-action=approve]")))
        .isEmpty();
    assertThat(browser.driver.findElement(By.id("waiting")).isDisplayed()).isFalse();

    WebElement box = browser.await(By.name("message"));
    box.sendKeys("Thanks, and now?");
    browser.driver.findElement(By.id("send")).click();
    browser.awaitTrue(
        "[...document.querySelectorAll(\"#timeline li[data-type='agent.message']\")]"
            + ".some(e => e.textContent.includes('Second answer, from the console.'))");
    assertThat(
            browser.eval(
                "document.querySelectorAll(\"#timeline li[data-type='user.message']\")"
                    + ".length"))
        .isEqualTo(2L);
    assertThat(fake.requests().getLast().body().toString()).contains("Thanks, and now?");
    assertThat(browser.eval("window.__sameDocument")).isEqualTo(true);
    browser.screenshot("console-session-after-approval");

    browser.open(server.baseUrl() + "/#/sessions");
    browser.await(By.cssSelector("#sessions tr[data-id='" + id + "'][data-status=idle]"));
    browser.screenshot("console-sessions");
  }

  @Test
  void aCustomToolCall_isAnsweredFromTheForm() throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("get_weather", "{\"city\":\"Lisbon\"}"),
        FakeAnthropic.text("It is sunny in Lisbon."));
    String id =
        session(
            "[{\"type\":\"custom\",\"name\":\"get_weather\",\"description\":\"weather\","
                + "\"input_schema\":{\"type\":\"object\"}}]");
    logIn();
    openSession(id);
    PermissionEndToEndTest.say(id, "Weather?");
    WebElement result = browser.await(By.cssSelector("#timeline li.waiting textarea[name=result]"));
    assertThat(browser.driver.findElement(event("agent.custom_tool_use")).getText())
        .contains("get_weather")
        .contains("Lisbon");
    result.sendKeys("sunny, 24 C");
    browser.driver.findElement(By.cssSelector("button[data-action=result]")).click();
    browser.awaitText(event("agent.message"), "It is sunny in Lisbon.");
    assertThat(fake.requests().getLast().body().toString()).contains("sunny, 24 C");
    assertThat(browser.driver.findElements(By.cssSelector("#timeline li.waiting"))).isEmpty();
  }

  @Test
  void agentsAndEnvironments_areCreatedFromYamlOrJson() {
    logIn();
    browser.open(server.baseUrl() + "/#/agents");
    browser.await(By.cssSelector("#agents"));
    browser.driver.findElement(By.cssSelector("details.card > summary")).click();
    browser
        .await(By.name("definition"))
        .sendKeys(
            "name: console-yaml-agent\nmodel: claude-sonnet-4-6\n"
                + "system: Written in the console.\ntools:\n  - type: agent_toolset_20260401\n");
    browser.driver.findElement(By.cssSelector("details.card button[type=submit]")).click();
    browser.awaitText(By.cssSelector("main h1"), "console-yaml-agent");
    assertThat(browser.driver.findElement(By.cssSelector("pre.definition")).getText())
        .contains("Written in the console.")
        .contains("agent_toolset_20260401");

    browser.open(server.baseUrl() + "/#/environments");
    browser.await(By.cssSelector("#environments"));
    browser.driver.findElement(By.cssSelector("details.card > summary")).click();
    WebElement definition = browser.await(By.name("definition"));
    definition.sendKeys("{\"name\": \"console-json-env\", \"config\": {\"type\": \"cloud\"}}");
    browser.driver.findElement(By.cssSelector("details.card button[type=submit]")).click();
    browser.awaitText(By.cssSelector("main h1"), "console-json-env");

    browser.open(server.baseUrl() + "/#/environments");
    browser.driver.findElement(By.cssSelector("details.card > summary")).click();
    browser.await(By.name("definition")).sendKeys("name: [unclosed");
    browser.driver.findElement(By.cssSelector("details.card button[type=submit]")).click();
    browser.awaitText(By.cssSelector("main .error-text"), "malformed YAML");
  }

  @Test
  void whatAgentsAndUsersWrite_isShownAsText_neverAsMarkup() throws Exception {
    String markup = "<img src=x id=injected onerror=\\\"window.__pwned=1\\\">";
    fake.enqueue(FakeAnthropic.text("<script>window.__pwned=2</script><b id=bold>hi</b>"));
    String id = session("[{\"type\":\"agent_toolset_20260401\"}]");
    PermissionEndToEndTest.say(id, markup);
    logIn();
    openSession(id);
    browser.awaitText(event("agent.message"), "<b id=bold>hi</b>");
    assertThat(browser.driver.findElement(event("user.message")).getText())
        .contains("<img src=x id=injected");
    assertThat(browser.driver.findElements(By.id("injected"))).isEmpty();
    assertThat(browser.driver.findElements(By.id("bold"))).isEmpty();
    assertThat(browser.eval("window.__pwned === undefined")).isEqualTo(true);
  }

  @Test
  void onAPhone_theSessionPageFitsTheScreen() throws Exception {
    fake.enqueue(FakeAnthropic.text("A reply that should wrap on a narrow screen. ".repeat(8)));
    String id = session("[{\"type\":\"agent_toolset_20260401\"}]");
    PermissionEndToEndTest.say(id, "x".repeat(300));
    logIn();
    browser.phone();
    try {
      openSession(id);
      browser.await(event("agent.message"));
      assertThat(browser.eval("document.documentElement.scrollWidth <= window.innerWidth"))
          .isEqualTo(true);
      browser.screenshot("console-session-phone");
      browser.open(server.baseUrl() + "/#/sessions");
      browser.await(By.id("sessions"));
      assertThat(browser.eval("document.documentElement.scrollWidth <= window.innerWidth"))
          .isEqualTo(true);
      browser.screenshot("console-sessions-phone");
    } finally {
      browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
    }
  }

  @Test
  void theUsagePage_showsTheWorkspaceTotals_andARowPerAgent() throws Exception {
    fake.enqueue(FakeAnthropic.text("counted").usage(120, 30));
    String id = session("[{\"type\":\"agent_toolset_20260401\"}]");
    PermissionEndToEndTest.say(id, "count me");
    PermissionEndToEndTest.awaitIdle(id, 1);
    var report =
        dev.agentry.core.Json.mapper()
            .readTree(server.call("GET", "/v1/agentry/usage?group_by=agent", null).body());
    logIn();
    browser.open(server.baseUrl() + "/#/usage");
    browser.await(By.cssSelector("#usage tbody tr[data-id]"));
    String totals = browser.driver.findElement(By.id("usage-totals")).getText();
    assertThat(totals)
        .contains(String.format("%,d", report.at("/totals/input_tokens").asLong()))
        .contains(String.format("%,d", report.at("/totals/session_count").asLong()));
    assertThat(browser.driver.findElements(By.cssSelector("#usage tbody tr[data-id]")))
        .hasSize(report.get("rows").size());
    new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.name("group_by")))
        .selectByValue("session");
    browser.await(By.cssSelector("#usage tbody tr[data-id='" + id + "']"));
    browser.screenshot("console-usage");
  }

  @Test
  void theMemoryPage_showsAStoresTree_aMemorysContent_andRedactsAVersion() throws Exception {
    String store =
        dev.agentry.core.Json.mapper()
            .readTree(
                server.call("POST", "/v1/memory_stores", "{\"name\":\"Console Notes\"}").body())
            .get("id")
            .asText();
    String memories = "/v1/memory_stores/" + store + "/memories";
    String made =
        server
            .call("POST", memories, "{\"path\":\"/people/ada.md\",\"content\":\"likes tea\"}")
            .body();
    String memoryId = dev.agentry.core.Json.mapper().readTree(made).get("id").asText();
    server.call("POST", memories + "/" + memoryId, "{\"content\":\"likes coffee\"}");
    logIn();
    browser.open(server.baseUrl() + "/#/memory");
    browser.await(By.cssSelector("#memory-stores tbody tr[data-id='" + store + "'] a")).click();
    browser.await(By.cssSelector("#memory-tree li[data-path='/people/ada.md'] a")).click();
    browser.awaitText(By.id("memory-content"), "likes coffee");
    assertThat(browser.driver.findElements(By.cssSelector("#memory-versions tbody tr"))).hasSize(2);
    assertThat(
            browser.driver.findElements(
                By.cssSelector("#memory-versions tbody tr:first-child button.redact")))
        .as("the current version has no redact button")
        .isEmpty();
    browser.await(By.cssSelector("#memory-versions tbody tr:last-child button.redact")).click();
    browser.awaitText(By.cssSelector("#memory-versions tbody tr:last-child"), "(redacted)");
    assertThat(
            server
                .call("GET", "/v1/memory_stores/" + store + "/memory_versions?view=full", null)
                .body())
        .doesNotContain("likes tea");
    browser.screenshot("console-memory");
  }

  @Test
  void aWrongKey_isRefused_andTheApiIsNotReachedWithoutOne() {
    browser.open(server.baseUrl() + "/");
    browser.eval("(sessionStorage.clear(), localStorage.clear(), true)");
    browser.open(server.baseUrl() + "/#/sessions");
    browser.await(By.name("api_key")).sendKeys("sk-agentry-not-a-key");
    browser.driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    browser.awaitText(By.cssSelector("form.login .error-text"), "not valid");
    assertThat(browser.driver.findElements(By.id("sessions"))).isEmpty();
    var page = server.call("GET", "/", null, java.util.Map.of());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-security-policy").orElseThrow())
        .contains("script-src 'self'")
        .contains("frame-ancestors 'none'");
  }

  static void logInWith(String key) {
    browser.open(server.baseUrl() + "/");
    browser.eval("(sessionStorage.clear(), localStorage.clear(), true)");
    browser.open(server.baseUrl() + "/#/sessions");
    browser.await(By.name("api_key")).sendKeys(key);
    browser.driver.findElement(By.cssSelector("form.login button[type=submit]")).click();
    browser.await(By.id("sessions"));
  }

  static WebElement sessionRow(String id, String state) {
    return browser.await(
        By.cssSelector("#sessions tr[data-id='" + id + "'][data-state='" + state + "']"));
  }

  @Test
  void theSessionsList_tellsWaitingAndFailedTurns_fromFinishedOnes() throws Exception {
    fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"echo waiting\"}"));
    String waiting = session(PermissionEndToEndTest.ASK_BASH);
    PermissionEndToEndTest.say(waiting, "needs a yes");
    PermissionEndToEndTest.awaitIdle(waiting, 1);
    // Two overloaded answers use up the test server's two tries: the turn fails.
    fake.enqueue(
        FakeAnthropic.error(529, "overloaded_error"), FakeAnthropic.error(529, "overloaded_error"));
    String failed = session("[{\"type\":\"agent_toolset_20260401\"}]");
    PermissionEndToEndTest.say(failed, "this will fail");
    var failedLog = PermissionEndToEndTest.awaitIdle(failed, 1);
    assertThat(failedLog.getLast().at("/stop_reason/type").asText()).isEqualTo("retries_exhausted");
    fake.enqueue(FakeAnthropic.text("all done"));
    String done = session("[{\"type\":\"agent_toolset_20260401\"}]");
    PermissionEndToEndTest.say(done, "finish");
    PermissionEndToEndTest.awaitIdle(done, 1);

    logIn();
    assertThat(sessionRow(waiting, "requires_action").getText()).contains("waiting for you");
    WebElement failedRow = sessionRow(failed, "retries_exhausted");
    assertThat(failedRow.getText()).contains("failed").doesNotContain("idle");
    assertThat(failedRow.findElement(By.cssSelector(".badge")).getCssValue("color"))
        .isNotEqualTo(
            sessionRow(done, "idle").findElement(By.cssSelector(".badge")).getCssValue("color"));
    assertThat(sessionRow(done, "idle").getText()).contains("idle");
    // The updated column has the date, not only the time of day.
    assertThat(sessionRow(done, "idle").findElement(By.cssSelector("td.when")).getText())
        .contains(Integer.toString(java.time.LocalDate.now().getYear()));
    browser.screenshot("console-sessions-states");

    openSession(failed);
    browser.awaitText(By.cssSelector("#session-summary .badge"), "failed");
    browser.awaitText(event("session.status_idle"), "turn failed");
    assertThat(browser.driver.findElement(event("session.status_idle")).getAttribute("class"))
        .contains("bad");
  }

  @Test
  void aToolRow_showsItsCommand_runsWithElapsedTime_andLosesItsBadgeOnceApproved()
      throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", "{\"command\":\"sleep 3\\necho slow-done\"}"),
        FakeAnthropic.text("It finished."));
    String id = session(PermissionEndToEndTest.ASK_BASH);
    logIn();
    openSession(id);
    PermissionEndToEndTest.say(id, "run the slow one");
    By tool = event("agent.tool_use");
    WebElement approve =
        browser.await(By.cssSelector("#timeline li.waiting button[data-action=approve]"));
    WebElement row = browser.driver.findElement(tool);
    assertThat(row.findElement(By.cssSelector("summary .tool-input")).getText())
        .isEqualTo("sleep 3");
    assertThat(row.findElements(By.cssSelector(".badge.ask"))).hasSize(1);
    assertThat(row.findElement(By.cssSelector(".state")).getText()).doesNotContain("running");

    approve.click();
    browser.awaitText(By.cssSelector("#timeline li[data-type='agent.tool_use'] .state"), "running");
    assertThat(browser.driver.findElements(By.cssSelector("#timeline li .badge.ask"))).isEmpty();
    assertThat(browser.driver.findElement(tool).getText()).contains("approved");
    browser.awaitTrue(
        "/running [1-9]\\d* s/.test(document.querySelector("
            + "\"#timeline li[data-type='agent.tool_use'] .state\").textContent)");
    browser.screenshot("console-tool-running");
    browser.awaitText(By.cssSelector("#timeline li[data-type='agent.tool_use'] .state"), "✓");
    assertThat(browser.driver.findElement(tool).getText()).doesNotContain("running");
    browser.awaitText(event("agent.message"), "It finished.");
  }

  @Test
  void aReadOnlyKey_seesNoButtonsItCannotUse() throws Exception {
    fake.enqueue(FakeAnthropic.toolUse("bash", "{\"command\":\"echo ro\"}"));
    String id = session(PermissionEndToEndTest.ASK_BASH);
    PermissionEndToEndTest.say(id, "ask me");
    PermissionEndToEndTest.awaitIdle(id, 1);
    String agent =
        dev.agentry.core.Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + id, null).body())
            .at("/agent/id")
            .asText();
    String readOnly = server.createKey("wrkspc_default", "read_only");
    var me = server.call("GET", "/v1/agentry/key", null, java.util.Map.of("x-api-key", readOnly));
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    assertThat(dev.agentry.core.Json.mapper().readTree(me.body()).path("role").asText())
        .isEqualTo("read_only");
    try {
      logInWith(readOnly);
      sessionRow(id, "requires_action");
      assertThat(browser.driver.findElements(By.cssSelector("main details.card"))).isEmpty();

      openSession(id);
      browser.awaitText(By.cssSelector("#timeline li.waiting"), "Waits for approval");
      browser.await(By.cssSelector("#session-summary [data-status=idle]"));
      assertThat(browser.driver.findElements(By.cssSelector("main button"))).isEmpty();
      assertThat(browser.driver.findElements(By.name("message"))).allMatch(e -> !e.isDisplayed());

      browser.open(server.baseUrl() + "/#/agents");
      browser.await(By.cssSelector("#agents tbody tr[data-id]"));
      assertThat(browser.driver.findElements(By.cssSelector("main details.card"))).isEmpty();
      browser.open(server.baseUrl() + "/#/agents/" + agent);
      browser.await(By.cssSelector("pre.definition"));
      assertThat(browser.driver.findElements(By.cssSelector("main button"))).isEmpty();
      browser.screenshot("console-read-only");
    } finally {
      // Forget the read_only key and leave the page, so the next log-in gets the form.
      browser.eval("(sessionStorage.clear(), localStorage.clear(), true)");
      browser.open(server.baseUrl() + "/");
    }
    // The same pages with a key that may write do have the buttons.
    logIn();
    browser.await(By.cssSelector("main details.card"));
    openSession(id);
    browser.await(By.cssSelector("#timeline li.waiting button[data-action=approve]"));
    browser.await(By.id("send"));
  }

  @Test
  void forkFromHere_onATimelineEvent_createsTheFork_andOpensIt() throws Exception {
    fake.enqueue(FakeAnthropic.text("first answer"), FakeAnthropic.text("second answer"));
    String id = session("[{\"type\":\"agent_toolset_20260401\"}]");
    PermissionEndToEndTest.say(id, "first question");
    PermissionEndToEndTest.awaitIdle(id, 1);
    PermissionEndToEndTest.say(id, "second question");
    PermissionEndToEndTest.awaitIdle(id, 2);
    logIn();
    openSession(id);
    browser.awaitText(event("agent.message"), "first answer");
    WebElement firstAnswer =
        browser.driver.findElements(event("agent.message")).stream()
            .filter(e -> e.getText().contains("first answer"))
            .findFirst()
            .orElseThrow();
    String forkedAt = firstAnswer.getAttribute("data-id");
    firstAnswer.findElement(By.cssSelector("button[data-action=fork]")).click();
    browser.awaitTrue(
        "document.querySelector('.error-text')?.textContent || (location.hash.startsWith("
            + "'#/sessions/') && !location.hash.endsWith('"
            + id
            + "'))");
    assertThat(browser.eval("document.querySelector('.error-text')?.textContent || ''"))
        .isEqualTo("");
    String fork = String.valueOf(browser.eval("location.hash.substring('#/sessions/'.length)"));
    browser.awaitText(event("agent.message"), "first answer");
    assertThat(browser.driver.findElements(event("agent.message"))).hasSize(1);
    var body =
        dev.agentry.core.Json.mapper()
            .readTree(server.call("GET", "/v1/sessions/" + fork, null).body());
    assertThat(body.at("/metadata/forked_from").asText()).isEqualTo(id);
    assertThat(body.at("/metadata/forked_at_event").asText()).isEqualTo(forkedAt);
  }

  @Test
  void anUnknownSessionId_showsNoActions() {
    logIn();
    browser.open(server.baseUrl() + "/#/sessions/sesn_doesnotexist");
    browser.awaitText(By.id("not-found"), "no session sesn_doesnotexist");
    assertThat(browser.driver.findElements(By.cssSelector("main button"))).isEmpty();
    assertThat(browser.driver.findElements(By.name("message"))).isEmpty();
  }
}
