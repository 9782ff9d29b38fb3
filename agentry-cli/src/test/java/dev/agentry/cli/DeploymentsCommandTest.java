package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.model.ModelClients;
import dev.agentry.server.AgentryServer;
import dev.agentry.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentry deployments ls|run|pause|unpause} against a real server. */
class DeploymentsCommandTest {
  static final String KEY = "sk-agentry-cli-deploy-key-0123456789";
  @TempDir static Path dataDir;
  static AgentryServer server;

  record Run(int code, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> env = Map.of("AGENTRY_MODEL_CHECK", "form");
    server =
        AgentryServer.start(
            ServerConfig.builder(env).port(0).dataDir(dataDir).apiKey(KEY).build(),
            Clock.systemUTC(),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            ModelClients.fromEnv(env));
    java.nio.file.Files.writeString(dataDir.resolve("admin.key"), KEY + "\n");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Run cli(String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--url=http://127.0.0.1:" + server.port();
    all[args.length + 1] = "--data-dir=" + dataDir;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine("agentry")
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  static JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                    .header("x-api-key", KEY)
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.mapper().readTree(r.body());
  }

  @Test
  void lsRunPauseUnpause() throws Exception {
    String agent =
        post("/v1/agents", "{\"name\":\"cron\",\"model\":\"claude-sonnet-4-6\"}")
            .path("id")
            .asText();
    String env = post("/v1/environments", "{\"name\":\"cron-env\"}").path("id").asText();
    String deployment =
        post(
                "/v1/deployments",
                "{\"name\":\"hourly-digest\",\"agent\":\""
                    + agent
                    + "\",\"environment_id\":\""
                    + env
                    + "\",\"initial_events\":[{\"type\":\"user.message\",\"content\":"
                    + "[{\"type\":\"text\",\"text\":\"digest\"}]}],"
                    + "\"schedule\":{\"type\":\"cron\",\"expression\":\"0 * * * *\","
                    + "\"timezone\":\"Europe/Paris\"}}")
            .path("id")
            .asText();

    Run ls = cli("deployments", "ls");
    assertThat(ls.code()).as(ls.err()).isZero();
    assertThat(ls.out()).contains(deployment, "hourly-digest", "active", "0 * * * * Europe/Paris");

    Run run = cli("deployments", "run", deployment);
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("Run drun_").contains("started session sesn_");

    Run pause = cli("deployments", "pause", deployment);
    assertThat(pause.out().strip()).isEqualTo("Paused " + deployment);
    assertThat(cli("deployments", "ls").out()).contains("paused");

    Run unpause = cli("deployments", "unpause", deployment);
    assertThat(unpause.out()).startsWith("Unpaused " + deployment + "; next run at ");

    Run missing = cli("deployments", "run", "depl_missing");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("deployment depl_missing not found");
  }
}
