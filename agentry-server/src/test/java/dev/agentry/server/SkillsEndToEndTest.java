package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsAgentToolset20260401Params;
import com.anthropic.models.beta.agents.BetaManagedAgentsCustomSkillParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.environments.EnvironmentCreateParams;
import com.anthropic.models.beta.sessions.SessionCreateParams;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsStreamSessionEvents;
import com.anthropic.models.beta.sessions.events.BetaManagedAgentsUserMessageEventParams;
import com.anthropic.models.beta.sessions.events.EventSendParams;
import com.anthropic.models.beta.skills.SkillCreateParams;
import com.anthropic.models.beta.skills.versions.VersionCreateParams;
import dev.agentry.core.Json;
import dev.agentry.testkit.FakeAnthropic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A custom skill end to end: uploaded and attached through the official Java SDK, then seen by the
 * agent in a bubblewrap sandbox (read-only, its script runnable) and named in the system prompt of
 * the request the fake Anthropic endpoint recorded. Runs on SQLite; {@link
 * SkillsEndToEndPostgresTest} on PostgreSQL.
 */
class SkillsEndToEndTest {
  static final String SKILL_MD =
      "---\nname: greeter\ndescription: Greets people in their own language.\n---\n"
          + "# Greeter\nRun scripts/hello.sh with the person's name.\n";

  @TempDir Path dataDir;
  FakeAnthropic fake;
  TestServer server;
  AnthropicClient client;

  String databaseUrl() {
    return null;
  }

  @BeforeEach
  void start() {
    fake = FakeAnthropic.start();
    server =
        new TestServer(
            dataDir,
            databaseUrl(),
            Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-skills"));
    client = server.sdk();
  }

  @AfterEach
  void stop() {
    server.close();
    fake.close();
  }

  /** One turn in which the model runs {@code command} with bash; returns the turn's events. */
  List<BetaManagedAgentsStreamSessionEvents> bash(String session, String command) throws Exception {
    fake.enqueue(
        FakeAnthropic.toolUse("bash", Json.mapper().createObjectNode().put("command", command)),
        FakeAnthropic.text("Done."));
    try (StreamResponse<BetaManagedAgentsStreamSessionEvents> stream =
        client.beta().sessions().events().streamStreaming(session)) {
      BlockingQueue<BetaManagedAgentsStreamSessionEvents> events = new LinkedBlockingQueue<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  stream.stream().forEach(events::add);
                } catch (RuntimeException closed) {
                  // the test closed the stream
                }
              });
      SdkCompatibilityTest.awaitSubscribers(server, 1);
      client
          .beta()
          .sessions()
          .events()
          .send(
              session,
              EventSendParams.builder()
                  .addEvent(
                      BetaManagedAgentsUserMessageEventParams.builder()
                          .addTextContent("go")
                          .build())
                  .build());
      List<BetaManagedAgentsStreamSessionEvents> out = new ArrayList<>();
      while (true) {
        var e = events.poll(60, TimeUnit.SECONDS);
        assertThat(e).as("an event before the timeout; got " + out).isNotNull();
        out.add(e);
        if (e.isSessionStatusIdle()) {
          return out;
        }
      }
    }
  }

  @Test
  void anUploadedSkill_isMountedReadOnly_runs_andIsNamedInThePrompt() throws Exception {
    String skill =
        client
            .beta()
            .skills()
            .create(
                SkillCreateParams.builder()
                    .displayName("Greeter")
                    .addFile(SkillsApiTest.file("greeter/SKILL.md", SKILL_MD))
                    .addFile(
                        SkillsApiTest.file(
                            "greeter/scripts/hello.sh",
                            "#!/bin/sh\necho \"hello-from-skill $1\"\n"))
                    .build())
            .id();
    String agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("skilled")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .system("You are polite.")
                    .addTool(
                        BetaManagedAgentsAgentToolset20260401Params.builder()
                            .type(JsonValue.from("agent_toolset_20260401"))
                            .build())
                    .addSkill(
                        BetaManagedAgentsCustomSkillParams.builder()
                            .type(JsonValue.from("custom"))
                            .skillId(skill)
                            .version("latest")
                            .build())
                    .build())
            .id();
    String environment =
        client
            .beta()
            .environments()
            .create(EnvironmentCreateParams.builder().name("skills-" + System.nanoTime()).build())
            .id();
    var session =
        client
            .beta()
            .sessions()
            .create(SessionCreateParams.builder().agent(agent).environmentId(environment).build());
    assertThat(session.agent().skills().getFirst().toString())
        .as("the session pins latest to the number it was")
        .contains("version=1");

    // A later version does not reach the session that pinned version 1.
    client
        .beta()
        .skills()
        .versions()
        .create(
            skill,
            VersionCreateParams.builder()
                .addFile(
                    SkillsApiTest.file(
                        "SKILL.md", SKILL_MD.replace("Greets people", "Version two greets")))
                .build());

    String result =
        MemoryEndToEndTest.toolResult(
            bash(
                session.id(),
                "cat /workspace/skills/greeter/SKILL.md;"
                    + " /workspace/skills/greeter/scripts/hello.sh Ada;"
                    + " echo changed > /workspace/skills/greeter/SKILL.md; echo rc=$?;"
                    + " touch /workspace/skills/greeter/new.txt; echo rc2=$?;"
                    + " touch /workspace/skills/other; echo rc3=$?"));
    assertThat(result)
        .contains("Greets people in their own language.")
        .doesNotContain("Version two")
        .contains("hello-from-skill Ada")
        .contains("Read-only file system")
        .doesNotContain("rc=0")
        .doesNotContain("rc2=0")
        .doesNotContain("rc3=0");

    String system = fake.requests().getLast().body().path("system").toString();
    assertThat(system)
        .contains("You are polite.")
        .contains("# Skills")
        .contains("## greeter")
        .contains("Greets people in their own language.")
        .contains("/workspace/skills/greeter/SKILL.md")
        .doesNotContain("Version two");
  }
}
