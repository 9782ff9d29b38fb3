package dev.agentry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.MultipartField;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.beta.agents.AgentCreateParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsCustomSkillParams;
import com.anthropic.models.beta.agents.BetaManagedAgentsModel;
import com.anthropic.models.beta.skills.BetaSkill;
import com.anthropic.models.beta.skills.SkillCreateParams;
import com.anthropic.models.beta.skills.versions.BetaSkillVersion;
import com.anthropic.models.beta.skills.versions.VersionCreateParams;
import com.anthropic.models.beta.skills.versions.VersionDeleteParams;
import com.anthropic.models.beta.skills.versions.VersionDownloadParams;
import com.anthropic.models.beta.skills.versions.VersionRetrieveParams;
import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Skills API through the official Java SDK (and raw multipart for what it would not send):
 * create, versions, content, delete, the agent references, and every refused upload. This class
 * runs on embedded SQLite; {@link SkillsApiPostgresTest} on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SkillsApiTest {
  static final String SKILL_MD =
      "---\nname: pdf-tools\ndescription: Fills and merges PDF forms.\n---\n# PDF tools\nRun"
          + " scripts/fill.sh.\n";

  @TempDir static Path dataRoot;
  TestServer server;
  AnthropicClient client;

  String databaseUrl() {
    return null;
  }

  @BeforeAll
  void start() {
    server = new TestServer(dataRoot.resolve(getClass().getSimpleName()), databaseUrl());
    client = server.sdk();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  static MultipartField<InputStream> file(String path, String content) {
    return MultipartField.<InputStream>builder()
        .value(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)))
        .filename(path)
        .build();
  }

  BetaSkill createSkill(String displayName) {
    return client
        .beta()
        .skills()
        .create(
            SkillCreateParams.builder()
                .displayName(displayName)
                .addFile(file("pdf-tools/SKILL.md", SKILL_MD))
                .addFile(file("pdf-tools/scripts/fill.sh", "#!/bin/sh\necho filled\n"))
                .build());
  }

  @Test
  void aSkill_roundTripsThroughTheSdk_withVersionsAndContent() throws IOException {
    BetaSkill skill = createSkill("PDF tools");
    assertThat(skill.id()).startsWith("skill_");
    assertThat(skill.displayName()).isEqualTo("PDF tools");
    assertThat(skill.latestVersionId()).isEqualTo("1");
    assertThat(skill.source().toString()).contains("custom");
    assertThat(client.beta().skills().retrieve(skill.id()).id()).isEqualTo(skill.id());
    assertThat(client.beta().skills().list().data()).extracting(BetaSkill::id).contains(skill.id());

    BetaSkillVersion v1 =
        client
            .beta()
            .skills()
            .versions()
            .retrieve("1", VersionRetrieveParams.builder().skillId(skill.id()).build());
    assertThat(v1.name()).isEqualTo("pdf-tools");
    assertThat(v1.description()).isEqualTo("Fills and merges PDF forms.");
    assertThat(v1.skillId()).isEqualTo(skill.id());

    BetaSkillVersion v2 =
        client
            .beta()
            .skills()
            .versions()
            .create(
                skill.id(),
                VersionCreateParams.builder()
                    .addFile(
                        file(
                            "SKILL.md",
                            SKILL_MD.replace("Fills and merges", "Fills, merges and splits")))
                    .build());
    assertThat(v2.id()).isEqualTo("2");
    assertThat(client.beta().skills().retrieve(skill.id()).latestVersionId()).isEqualTo("2");
    assertThat(client.beta().skills().versions().list(skill.id()).data())
        .extracting(BetaSkillVersion::id)
        .containsExactly("2", "1");

    Map<String, String> archive;
    try (var content =
        client
            .beta()
            .skills()
            .versions()
            .download("1", VersionDownloadParams.builder().skillId(skill.id()).build())) {
      archive = unzip(content.body());
    }
    assertThat(archive)
        .containsEntry("pdf-tools/SKILL.md", SKILL_MD)
        .containsEntry("pdf-tools/scripts/fill.sh", "#!/bin/sh\necho filled\n")
        .hasSize(2);

    // A skill goes only once its versions have.
    HttpResponse<String> refused = server.call("DELETE", "/v1/skills/" + skill.id(), null);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("still has versions");
    for (String v : List.of("2", "1")) {
      assertThat(
              client
                  .beta()
                  .skills()
                  .versions()
                  .delete(v, VersionDeleteParams.builder().skillId(skill.id()).build())
                  .id())
          .isEqualTo(v);
      if (v.equals("2")) {
        assertThat(client.beta().skills().retrieve(skill.id()).latestVersionId()).isEqualTo("1");
      }
    }
    assertThat(client.beta().skills().delete(skill.id()).id()).isEqualTo(skill.id());
    assertThatThrownBy(() -> client.beta().skills().retrieve(skill.id()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void aZipArchive_isUnpackedIntoTheSkill_andItsTopFolderStripped() throws IOException {
    byte[] zip =
        zip(
            Map.of(
                "my-zip/SKILL.md", SKILL_MD.replace("pdf-tools", "zipped"), "my-zip/a.txt", "A"));
    HttpResponse<String> res =
        post("/v1/skills", List.of(new Part("files[]", "my-zip.zip", "application/zip", zip)));
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    String id = Json.mapper().readTree(res.body()).path("id").asText();
    JsonNode version = json(server.call("GET", "/v1/skills/" + id + "/versions/latest", null));
    assertThat(version.path("name").asText()).isEqualTo("zipped");
    assertThat(json(server.call("GET", "/v1/skills/" + id, null)).path("display_name").asText())
        .as("the display name defaults to the front matter's name")
        .isEqualTo("zipped");
  }

  @Test
  void badUploads_are400s_naming_theRule() {
    expect400(List.of(text("files[]", "README.md", "hi")), "SKILL.md is required");
    expect400(
        List.of(text("files[]", "s/SKILL.md", SKILL_MD), text("files[]", "s/../../etc/x", "x")),
        "outside the skill's root");
    expect400(List.of(text("files[]", "/etc/SKILL.md", SKILL_MD)), "relative path");
    expect400(List.of(text("files[]", "SKILL.md", "no front matter")), "front matter");
    expect400(
        List.of(text("files[]", "SKILL.md", "---\nname: Bad Name!\ndescription: d\n---\n")),
        "lowercase letters");
    expect400(List.of(text("files[]", "SKILL.md", "---\nname: ok\n---\n")), "needs a description");
    expect400(
        List.of(
            text("files[]", "SKILL.md", SKILL_MD),
            new Part("files[]", "big.bin", null, new byte[8 * 1024 * 1024])),
        "at most 8388608 bytes");
    expect400(
        List.of(text("files[]", "SKILL.md", SKILL_MD), text("color", null, "blue")),
        "color: is not a field");
    // zip slip: an archive entry that climbs out of the skill
    expect400(
        List.of(
            new Part(
                "files[]",
                "evil.zip",
                "application/zip",
                zip(Map.of("s/SKILL.md", SKILL_MD, "s/../../evil.sh", "x")))),
        "outside the skill's root");
    expect400(
        List.of(
            new Part(
                "files[]",
                "abs.zip",
                "application/zip",
                zip(Map.of("SKILL.md", SKILL_MD, "/tmp/evil.sh", "x")))),
        "relative path");
    // a zip bomb is cut off at the limit, not unpacked
    expect400(
        List.of(
            new Part(
                "files[]",
                "bomb.zip",
                "application/zip",
                zip(Map.of("SKILL.md", SKILL_MD, "zeros", "\0".repeat(9 * 1024 * 1024))))),
        "at most 8388608 bytes");
    assertThat(json(server.call("GET", "/v1/skills?limit=100", null)).path("data").toString())
        .doesNotContain("evil")
        .doesNotContain("\"ok\"");
  }

  @Test
  void aRosterMemberWithSkills_isRefusedAtSessionCreate_notRunWithoutThem() {
    BetaSkill skill = createSkill("for a member");
    String member =
        json(server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"member\",\"model\":\"claude-sonnet-4-6\",\"skills\":"
                    + "[{\"type\":\"custom\",\"skill_id\":\""
                    + skill.id()
                    + "\"}]}"))
            .path("id")
            .asText();
    String coordinator =
        json(server.call(
                "POST",
                "/v1/agents",
                "{\"name\":\"lead\",\"model\":\"claude-sonnet-4-6\",\"multiagent\":"
                    + "{\"type\":\"coordinator\",\"agents\":[\""
                    + member
                    + "\"]}}"))
            .path("id")
            .asText();
    String env =
        json(server.call("POST", "/v1/environments", "{\"name\":\"e\"}")).path("id").asText();

    HttpResponse<String> refused =
        server.call(
            "POST",
            "/v1/sessions",
            "{\"agent\":\"" + coordinator + "\",\"environment_id\":\"" + env + "\"}");

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("unsupported_feature").contains("member");
  }

  @Test
  void agents_referenceCustomSkills_andUnknownOrAnthropicOnesAreRefusedAtSave() {
    BetaSkill skill = createSkill("for agents");
    var agent =
        client
            .beta()
            .agents()
            .create(
                AgentCreateParams.builder()
                    .name("skilled")
                    .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                    .addSkill(
                        BetaManagedAgentsCustomSkillParams.builder()
                            .type(com.anthropic.core.JsonValue.from("custom"))
                            .skillId(skill.id())
                            .build())
                    .build());
    assertThat(agent.skills()).hasSize(1);
    assertThat(agent.skills().getFirst().toString()).contains(skill.id()).contains("latest");

    assertThatThrownBy(
            () ->
                client
                    .beta()
                    .agents()
                    .create(
                        AgentCreateParams.builder()
                            .name("unknown")
                            .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                            .addCustomSkill("skill_doesnotexist")
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("skills[0].skill_id: no skill skill_doesnotexist");
    assertThatThrownBy(
            () ->
                client
                    .beta()
                    .agents()
                    .create(
                        AgentCreateParams.builder()
                            .name("prebuilt")
                            .model(BetaManagedAgentsModel.of("claude-sonnet-4-6"))
                            .addAnthropicSkill("xlsx")
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("upload the skill as a custom one");
    HttpResponse<String> badVersion =
        server.call(
            "POST",
            "/v1/agents/" + agent.id(),
            "{\"skills\":[{\"type\":\"custom\",\"skill_id\":\""
                + skill.id()
                + "\",\"version\":\"7\"}]}");
    assertThat(badVersion.statusCode()).isEqualTo(400);
    assertThat(badVersion.body()).contains("skills[0].version").contains("has no version 7");
  }

  void expect400(List<Part> parts, String message) {
    HttpResponse<String> res = post("/v1/skills", parts);
    assertThat(res.statusCode()).as(res.body()).isEqualTo(400);
    assertThat(res.body()).contains("\"type\":\"error\"").contains(message);
  }

  static JsonNode json(HttpResponse<String> res) {
    try {
      return Json.mapper().readTree(res.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Part(String name, String filename, String type, byte[] content) {}

  static Part text(String name, String filename, String content) {
    return new Part(name, filename, null, content.getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> post(String path, List<Part> parts) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Part p : parts) {
      StringBuilder head = new StringBuilder("--" + RawUploads.BOUNDARY + "\r\n");
      head.append("Content-Disposition: form-data; name=\"").append(p.name()).append('"');
      if (p.filename() != null) {
        head.append("; filename=\"").append(p.filename()).append('"');
      }
      head.append("\r\n");
      if (p.type() != null) {
        head.append("Content-Type: ").append(p.type()).append("\r\n");
      }
      head.append("\r\n");
      body.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
      body.writeBytes(p.content());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + RawUploads.BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .header("content-type", RawUploads.FORM_TYPE)
            .header("x-api-key", TestServer.KEY)
            .build();
    try {
      return server.http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static byte[] zip(Map<String, String> files) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (var e : new TreeMap<>(files).entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Map<String, String> unzip(InputStream in) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        out.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
