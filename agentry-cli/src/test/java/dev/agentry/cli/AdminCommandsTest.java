package dev.agentry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Credential;
import dev.agentry.core.Json;
import dev.agentry.core.Redactor;
import dev.agentry.core.SecretBox;
import dev.agentry.core.Store;
import dev.agentry.model.ModelClients;
import dev.agentry.server.Admin;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real commands, in process, against a temp data dir and a real server on it. */
class AdminCommandsTest {
  @TempDir Path dataDir;

  record Run(int code, String out, String err) {}

  Run run(String... args) {
    return runAs("agentry", args);
  }

  Run runAs(String command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Main.commandLine(command)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  AgentryServer server() {
    ServerConfig config = ServerConfig.builder(Map.of()).port(0).dataDir(dataDir).build();
    return AgentryServer.start(
        config,
        Clock.systemUTC(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        ModelClients.fromEnv(Map.of("AGENTRY_MODEL_CHECK", "form")));
  }

  static HttpResponse<String> call(
      AgentryServer s, String key, String method, String path, String body) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body))
              .header("content-type", "application/json")
              .header("x-api-key", key)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  String createKey(String... extra) {
    String[] args = new String[3 + extra.length];
    args[0] = "keys";
    args[1] = "create";
    args[2] = "--data-dir=" + dataDir;
    System.arraycopy(extra, 0, args, 3, extra.length);
    Run r = run(args);
    assertThat(r.code()).as(r.err()).isZero();
    Matcher m = Pattern.compile("(sk-agentry-\\S+)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    return m.group(1);
  }

  @Test
  void create_list_authenticate_revoke() throws Exception {
    String secret = createKey("--name", "ci-bot", "--role", "admin");
    Run list = run("keys", "list", "--data-dir", dataDir.toString());
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains("ci-bot", "admin").doesNotContain(secret);
    String id = list.out().lines().filter(l -> l.contains("ci-bot")).findFirst().orElseThrow();
    id = id.split("\\s+")[0];

    try (AgentryServer s = server()) {
      assertThat(s.generatedKey()).isEmpty();
      assertThat(call(s, secret, "GET", "/v1/agents", null).statusCode()).isEqualTo(200);
      Run revoke = run("keys", "revoke", id, "--data-dir", dataDir.toString());
      assertThat(revoke.code()).as(revoke.err()).isZero();
      assertThat(call(s, secret, "GET", "/v1/agents", null).statusCode()).isEqualTo(401);
    }
    assertThat(run("keys", "list", "--data-dir", dataDir.toString()).out())
        .containsPattern("ci-bot\\s+admin\\s+\\S+\\s+\\d{4}-");
    assertThat(run("keys", "revoke", id, "--data-dir", dataDir.toString()).code()).isEqualTo(1);
    assertThat(run("keys", "create", "--role", "root", "--data-dir", dataDir.toString()).code())
        .isEqualTo(2);
  }

  @Test
  void keys_actInTheirWorkspace_withTheirRole_andWorkspacesAreListed() throws Exception {
    Run made = run("workspaces", "create", "Team Red", "--data-dir", dataDir.toString());
    assertThat(made.code()).as(made.err()).isZero();
    Matcher m = Pattern.compile("(wrkspc_\\w+)").matcher(made.out());
    assertThat(m.find()).as(made.out()).isTrue();
    String red = m.group(1);
    String redKey = createKey("--workspace", red, "--role", "member", "--name", "red-bot");
    String blueViewer =
        createKey("--workspace", "wrkspc_blue", "--create-workspace", "--role", "read_only");
    String defaultAdmin = createKey("--name", "default-admin");
    Run workspaces = run("workspaces", "list", "--data-dir", dataDir.toString());
    assertThat(workspaces.out()).contains("wrkspc_default", red, "Team Red", "wrkspc_blue");
    Run keys = run("keys", "list", "--data-dir", dataDir.toString());
    assertThat(keys.out())
        .contains("WORKSPACE")
        .containsPattern("red-bot\\s+member\\s+" + red)
        .containsPattern("default-admin\\s+admin\\s+wrkspc_default");
    assertThat(
            run("keys", "create", "--workspace", "team-x", "--data-dir", dataDir.toString()).code())
        .isEqualTo(2);

    try (AgentryServer s = server()) {
      var agent =
          call(s, redKey, "POST", "/v1/agents", "{\"name\":\"a\",\"model\":\"claude-sonnet-4-6\"}");
      assertThat(agent.statusCode()).as(agent.body()).isEqualTo(200);
      String id = Json.mapper().readTree(agent.body()).get("id").asText();
      assertThat(call(s, redKey, "GET", "/v1/agents/" + id, null).statusCode()).isEqualTo(200);
      assertThat(call(s, defaultAdmin, "GET", "/v1/agents/" + id, null).statusCode())
          .isEqualTo(404);
      assertThat(call(s, blueViewer, "GET", "/v1/agents", null).statusCode()).isEqualTo(200);
      assertThat(call(s, blueViewer, "POST", "/v1/vaults", "{\"display_name\":\"v\"}").statusCode())
          .isEqualTo(403);
    }
  }

  @Test
  void rotateMasterKey_reseals_andTheOldKeyNoLongerOpens() throws Exception {
    String admin = createKey("--role", "admin");
    String token = "tok_rotation_0123456789";
    String vault;
    try (AgentryServer s = server()) {
      vault =
          Json.mapper()
              .readTree(call(s, admin, "POST", "/v1/vaults", "{\"display_name\":\"v\"}").body())
              .get("id")
              .asText();
      var created =
          call(
              s,
              admin,
              "POST",
              "/v1/vaults/" + vault + "/credentials",
              "{\"auth\":{\"type\":\"static_bearer\",\"mcp_server_url\":\"https://m.example.com/mcp\",\"token\":\""
                  + token
                  + "\"}}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    }
    Path keyFile = dataDir.resolve("master.key");
    byte[] oldKey = Base64.getDecoder().decode(Files.readString(keyFile).trim());
    String hookSecret = "whsec_rotation0123456789abcdef";
    try (Store store = Admin.openStore(ServerConfig.builder(Map.of()).dataDir(dataDir).build())) {
      java.time.Instant now = java.time.Instant.now();
      store
          .webhooks()
          .create(
              new dev.agentry.core.WebhookEndpoint(
                  "whep_rotation",
                  "wrkspc_default",
                  "https://hooks.example.com/in",
                  List.of("agent.created"),
                  null,
                  0,
                  null,
                  null,
                  now,
                  now),
              new SecretBox(oldKey, new Redactor()).seal(hookSecret, "whep_rotation"));
    }

    Run r = run("vault", "rotate-master-key", "--data-dir", dataDir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Re-sealed 1 credential");
    byte[] newKey = Base64.getDecoder().decode(Files.readString(keyFile).trim());
    assertThat(newKey).hasSize(32).isNotEqualTo(oldKey);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    assertThat(dataDir.resolve("master.key.next")).doesNotExist();

    ServerConfig config = ServerConfig.builder(Map.of()).dataDir(dataDir).build();
    try (Store store = Admin.openStore(config)) {
      List<Credential> creds =
          store
              .vaults()
              .listCredentials(
                  vault,
                  dev.agentry.core.ResourceFilter.ACTIVE,
                  dev.agentry.core.PageRequest.first(10, dev.agentry.core.SortOrder.DESC))
              .items();
      assertThat(creds).hasSize(1);
      Credential c = creds.getFirst();
      assertThat(new SecretBox(newKey, new Redactor()).open(c.sealedSecrets(), c.id()))
          .contains(token);
      assertThatThrownBy(
              () -> new SecretBox(oldKey, new Redactor()).open(c.sealedSecrets(), c.id()))
          .isInstanceOf(IllegalArgumentException.class);
      byte[] hook = store.webhooks().sealedSecret("whep_rotation").orElseThrow();
      assertThat(new SecretBox(newKey, new Redactor()).open(hook, "whep_rotation"))
          .isEqualTo(hookSecret);

      // A credential that does not open with the current key: rotation refuses, changes nothing.
      store
          .vaults()
          .createCredential(
              new Credential(
                  "vcrd_broken",
                  vault,
                  "broken",
                  c.publicAuth(),
                  new SecretBox(new byte[32], new Redactor()).seal("{}", "vcrd_broken"),
                  Map.of(),
                  Instant.now(),
                  Instant.now(),
                  null));
    }
    String before = Files.readString(keyFile);
    Run refused =
        run(
            "vault",
            "rotate-master-key",
            "--data-dir",
            dataDir.toString(),
            "--new-key",
            Base64.getEncoder().encodeToString(new byte[32]));
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("refusing", "vcrd_broken");
    assertThat(Files.readString(keyFile)).isEqualTo(before);

    // The server still opens the re-sealed credential with the rotated key file.
    try (AgentryServer s = server()) {
      var updated =
          call(
              s,
              admin,
              "POST",
              "/v1/vaults/" + vault + "/credentials/" + latestId(s, admin, vault),
              "{\"auth\":{\"type\":\"static_bearer\",\"token\":\"tok_new_0123456789\"}}");
      assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    }
  }

  static String latestId(AgentryServer s, String key, String vault) throws Exception {
    var body =
        Json.mapper()
            .readTree(call(s, key, "GET", "/v1/vaults/" + vault + "/credentials", null).body());
    for (var c : body.get("data")) {
      if (!c.get("id").asText().equals("vcrd_broken")) {
        return c.get("id").asText();
      }
    }
    throw new AssertionError(body.toString());
  }

  @Test
  void aMistypedWorkspace_isRefused_notCreated() {
    Run made = run("workspaces", "create", "Team Red", "--data-dir", dataDir.toString());
    Matcher m = Pattern.compile("(wrkspc_\\w+)").matcher(made.out());
    assertThat(m.find()).as(made.out() + made.err()).isTrue();
    String red = m.group(1);
    Run typo = run("keys", "create", "--workspace", red + "x", "--data-dir", dataDir.toString());
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err())
        .contains("no workspace " + red + "x", "agentry workspaces list", "--create-workspace");
    assertThat(typo.out()).doesNotContain("sk-agentry-");
    assertThat(run("workspaces", "list", "--data-dir", dataDir.toString()).out())
        .contains(red)
        .doesNotContain(red + "x");
    assertThat(run("keys", "list", "--data-dir", dataDir.toString()).out()).doesNotContain(red);

    createKey("--workspace", red, "--name", "red-ok");
    createKey("--workspace", "wrkspc_new", "--create-workspace");
    assertThat(run("workspaces", "list", "--data-dir", dataDir.toString()).out())
        .contains("wrkspc_new");
  }

  @Test
  void aMistypedDataDir_isRefused_notCreated() throws Exception {
    createKey("--name", "first");
    Path typo = dataDir.resolveSibling(dataDir.getFileName() + "-typo");
    for (String[] cmd :
        List.of(
            new String[] {"keys", "list"},
            new String[] {"keys", "create"},
            new String[] {"keys", "revoke", "apikey_x"},
            new String[] {"workspaces", "list"},
            new String[] {"vault", "rotate-master-key"})) {
      String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
      args[cmd.length] = "--data-dir=" + typo;
      Run r = run(args);
      assertThat(r.code()).as(String.join(" ", cmd) + r.err()).isEqualTo(2);
      assertThat(r.err()).contains("no data directory " + typo, "--data-dir");
      assertThat(typo).doesNotExist();
    }
    // An existing directory without a database: only `keys create` and `workspaces create` may
    // provision one there (before the first `serve`).
    Path empty = Files.createDirectory(dataDir.resolveSibling(dataDir.getFileName() + "-empty"));
    Run list = run("keys", "list", "--data-dir", empty.toString());
    assertThat(list.code()).isEqualTo(2);
    assertThat(list.err()).contains("holds no Agentry database");
    assertThat(empty.resolve("agentry.db")).doesNotExist();
    assertThat(run("keys", "list", "--data-dir", dataDir.toString()).out()).contains("first");
  }

  @Test
  void anUnreachableDatabase_isOneLine_notAStackTrace() {
    Run r = run("keys", "list", "--database-url", "jdbc:postgresql://127.0.0.1:1/agentry");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("agentry: ").contains("127.0.0.1:1").doesNotContain("\tat ");
    assertThat(r.err().lines().count()).as(r.err()).isOne();
  }

  @Test
  void serve_onAPortInUse_saysSo_andExits() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run r =
          runAs(
              "./agentry",
              "serve",
              "--port",
              Integer.toString(taken.getLocalPort()),
              "--data-dir",
              dataDir.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .isEqualTo(
              "agentry: cannot listen on 127.0.0.1:"
                  + taken.getLocalPort()
                  + ": the port is in use (another `./agentry serve`? pick one with --port)"
                  + System.lineSeparator());
    }
  }
}
