package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code agentry run (--agent ID | --model MODEL) [--env ID] "prompt"}: one turn of a new session,
 * followed live. The session's id goes to stderr first, the final answer to stdout. Exits 0 on
 * end_turn, 3 when a tool call waits for confirmation (or a custom tool for its result), 4 when
 * retries are exhausted or the budget is reached, 1 otherwise.
 *
 * <p>Without {@code --env} (or with {@code --model}) it reuses one resource per server rather than
 * creating one per run: the environment named {@value #RUN_NAME}, and an agent named {@value
 * #RUN_NAME} per model id. Both are found by listing and created on first use, so repeated runs
 * leave nothing behind but their sessions.
 */
@Command(
    name = "run",
    description = {
      "Run a prompt in a new session and print the agent's final answer.",
      "Exit status: 0 end_turn, 3 requires_action (pending calls are printed), 4"
          + " retries_exhausted or budget_reached, 1 other errors."
    })
final class RunCommand extends ClientCommand {
  static final int REQUIRES_ACTION = 3;
  static final int STOPPED = 4;
  static final String RUN_NAME = "agentry-run";

  @Option(names = "--agent", description = "The agent's id (or give --model instead).")
  String agent;

  @Option(
      names = "--model",
      description = {
        "Instead of --agent: run with this model id (e.g. claude-sonnet-4-5, or"
            + " scripted:examples/scripted-turn.json) and the built-in toolset under the auto"
            + " permission policy, as the agent named "
            + RUN_NAME
            + " for that model, created on"
            + " first use and reused after. A relative scripted: path that exists here is made"
            + " absolute."
      })
  String model;

  @Option(
      names = "--env",
      description =
          "The environment's id (default: the environment named "
              + RUN_NAME
              + ", created on first use with the default config, i.e. no network, and reused"
              + " by every later run).")
  String env;

  @Option(names = "--title", description = "The session's title.")
  String title;

  @Option(
      names = {"-v", "--verbose"},
      description = "Also print every event as one line on stderr, as `agentry tail` does.")
  boolean verbose;

  @Parameters(paramLabel = "PROMPT", arity = "1..*", description = "The prompt.")
  java.util.List<String> prompt;

  @Override
  int run(ApiClient api) throws IOException, InterruptedException {
    if ((agent == null) == (model == null)) {
      throw new IllegalArgumentException("give one of --agent ID or --model MODEL");
    }
    String agentId = agent == null ? runAgent(api) : agent;
    String envId = env == null ? runEnvironment(api) : env;
    ObjectNode body = ApiClient.object().put("agent", agentId).put("environment_id", envId);
    if (title != null) {
      body.put("title", title);
    }
    JsonNode session = api.post("/v1/sessions", body);
    String sessionId = session.path("id").asText();
    if (options.json) {
      out.println(session.toString());
    }
    // On stderr, so that stdout stays the answer alone (for $(…) and pipes).
    err.println(
        "Session " + sessionId + " (follow it with: " + command() + " tail " + sessionId + ")");
    err.flush();
    Turn turn = new Turn(sessionId, new Progress(err, terminal()));
    new EventFollower(api, sessionId, !options.json)
        .follow(
            true,
            true,
            () -> {
              JsonNode sent =
                  SessionCommands.send(api, sessionId, SessionCommands.message(prompt()));
              turn.messageId = sent.path("data").path(0).path("id").asText();
            },
            turn::onEvent);
    turn.progress.clear();
    return turn.exit;
  }

  /**
   * The environment named {@value #RUN_NAME}, created if there is none. Names are unique per
   * workspace, so a concurrent first run that loses the race finds the winner's.
   */
  String runEnvironment(ApiClient api) throws IOException, InterruptedException {
    Optional<JsonNode> found = find(api, "/v1/environments", e -> true);
    if (found.isEmpty()) {
      try {
        return created(
            api.post(
                "/v1/environments",
                ApiClient.object()
                    .put("name", RUN_NAME)
                    .put("description", "Used by `agentry run` when no --env is given.")));
      } catch (ApiClient.ApiException e) {
        if (e.status != 409) {
          throw e;
        }
        found = find(api, "/v1/environments", x -> true);
      }
    }
    JsonNode e =
        found.orElseThrow(
            () -> new IllegalArgumentException("cannot create the environment " + RUN_NAME));
    if (e.hasNonNull("archived_at")) {
      throw new IllegalArgumentException(
          "the environment "
              + RUN_NAME
              + " ("
              + e.path("id").asText()
              + ") is archived; delete it ("
              + command()
              + " environments delete "
              + e.path("id").asText()
              + ") or pass --env");
    }
    return e.path("id").asText();
  }

  /** The active agent named {@value #RUN_NAME} with this model, created if there is none. */
  String runAgent(ApiClient api) throws IOException, InterruptedException {
    String id = modelId(model);
    Optional<JsonNode> found =
        find(
            api,
            "/v1/agents",
            a -> !a.hasNonNull("archived_at") && a.path("model").path("id").asText().equals(id));
    if (found.isPresent()) {
      return found.get().path("id").asText();
    }
    ObjectNode body =
        ApiClient.object()
            .put("name", RUN_NAME)
            .put("description", "Used by `agentry run --model " + id + "`.")
            .put("model", id)
            .put(
                "system",
                "You are a capable assistant with a sandboxed Linux workspace. Use the tools to"
                    + " check your work, and answer concisely.");
    body.putArray("tools")
        .addObject()
        .put("type", "agent_toolset_20260401")
        .putObject("default_config")
        .putObject("permission_policy")
        .put("type", "auto");
    return created(api.post("/v1/agents", body));
  }

  /** A {@code scripted:} path that exists relative to here, made absolute for the server. */
  static String modelId(String model) {
    String prefix = "scripted:";
    if (model.startsWith(prefix)) {
      Path script = Path.of(model.substring(prefix.length()));
      if (!script.isAbsolute() && Files.isRegularFile(script)) {
        return prefix + script.toAbsolutePath().normalize();
      }
    }
    return model;
  }

  private String created(JsonNode r) {
    if (options.json) {
      out.println(r.toString());
    }
    return r.path("id").asText();
  }

  /** The newest resource named {@value #RUN_NAME} that {@code matches}, archived ones included. */
  static Optional<JsonNode> find(ApiClient api, String path, Predicate<JsonNode> matches)
      throws IOException, InterruptedException {
    String page = null;
    do {
      JsonNode r =
          api.get(
              path
                  + "?limit=100&include_archived=true"
                  + (page == null
                      ? ""
                      : "&page=" + URLEncoder.encode(page, StandardCharsets.UTF_8)));
      for (JsonNode x : r.path("data")) {
        if (x.path("name").asText().equals(RUN_NAME) && matches.test(x)) {
          return Optional.of(x);
        }
      }
      page = r.path("next_page").isTextual() ? r.path("next_page").asText() : null;
    } while (page != null && !page.isEmpty());
    return Optional.empty();
  }

  String prompt() {
    return String.join(" ", prompt);
  }

  /** Whether stderr is a terminal (Console.isTerminal on JDK 22+, else a console at all). */
  static boolean terminal() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** The state of the turn being followed. */
  final class Turn {
    final String sessionId;
    final Progress progress;
    final Map<String, JsonNode> toolUses = new HashMap<>();
    String messageId;
    boolean started;
    String lastText = "";
    int exit = 1;

    Turn(String sessionId, Progress progress) {
      this.sessionId = sessionId;
      this.progress = progress;
    }

    boolean onEvent(JsonNode e, boolean fromHistory) {
      String type = e.path("type").asText();
      if (options.json && !type.equals("event_start") && !type.equals("event_delta")) {
        out.println(e.toString());
        out.flush();
      }
      if (verbose && !type.equals("event_start") && !type.equals("event_delta")) {
        progress.clear();
        err.println(SessionCommands.line(e));
        err.flush();
      }
      switch (type) {
        case "user.message" -> {
          if (e.path("id").asText().equals(messageId)) {
            started = true;
          }
        }
        case "session.status_running" -> started = true;
        case "span.model_request_start" -> progress.status("thinking");
        case "event_delta" -> progress.status("writing");
        case "agent.message" -> lastText = SessionCommands.text(e.path("content"));
        case "agent.tool_use", "agent.mcp_tool_use", "agent.custom_tool_use" -> {
          toolUses.put(e.path("id").asText(), e);
          progress.status("running " + e.path("name").asText());
        }
        case "agent.tool_result", "agent.mcp_tool_result" -> progress.status("thinking");
        case "span.model_request_end" -> {
          JsonNode u = e.path("model_usage");
          progress.tokens +=
              u.path("input_tokens").asLong()
                  + u.path("output_tokens").asLong()
                  + u.path("cache_read_input_tokens").asLong()
                  + u.path("cache_creation_input_tokens").asLong();
          progress.draw();
        }
        case "session.usage" -> {
          progress.cost = SessionCommands.cost(e.path("usage"));
          progress.draw();
        }
        case "session.error" -> {
          progress.clear();
          err.println("agentry: " + SessionCommands.summary(e));
          err.flush();
        }
        case "session.status_terminated", "session.deleted" -> {
          progress.clear();
          err.println("agentry: session " + sessionId + " ended (" + type + ")");
          exit = 1;
          return true;
        }
        case "session.status_idle" -> {
          if (!started) {
            return false;
          }
          return idle(e.path("stop_reason"));
        }
        default -> {}
      }
      return false;
    }

    boolean idle(JsonNode stop) {
      progress.clear();
      String reason = stop.path("type").asText();
      if (!options.json && !lastText.isEmpty()) {
        out.println(lastText);
      }
      switch (reason) {
        case "end_turn" -> exit = 0;
        case "requires_action" -> {
          exit = REQUIRES_ACTION;
          if (!options.json) {
            pending(stop);
          }
        }
        case "retries_exhausted", "budget_reached" -> {
          exit = STOPPED;
          err.println("agentry: session " + sessionId + " stopped: " + reason);
        }
        default -> {
          exit = 1;
          err.println("agentry: session " + sessionId + " stopped: " + reason);
        }
      }
      return true;
    }

    void pending(JsonNode stop) {
      out.println("Session " + sessionId + " is waiting on:");
      SessionCommands.pending(command(), sessionId, stop, toolUses).forEach(out::println);
      out.println("Follow the session with: " + command() + " tail " + sessionId);
    }
  }

  /** The one-line live indicator on a terminal's stderr. */
  static final class Progress {
    final PrintWriter err;
    final boolean enabled;
    String status = "starting";
    long tokens;
    String cost = "";
    boolean shown;

    Progress(PrintWriter err, boolean enabled) {
      this.err = err;
      this.enabled = enabled;
    }

    void status(String s) {
      status = s;
      draw();
    }

    void draw() {
      if (!enabled) {
        return;
      }
      err.print(
          "\r\033[K… "
              + status
              + " · "
              + tokens
              + " tokens"
              + (cost.isEmpty() ? "" : " · " + cost));
      err.flush();
      shown = true;
    }

    void clear() {
      if (enabled && shown) {
        err.print("\r\033[K");
        err.flush();
        shown = false;
      }
    }
  }
}
