package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code agentry run --agent ID [--env ID] "prompt"}: one turn of a new session, followed live.
 * Exits 0 on end_turn, 3 when a tool call waits for confirmation (or a custom tool for its result),
 * 4 when retries are exhausted or the budget is reached, 1 otherwise.
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
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

  @Option(names = "--agent", required = true, description = "The agent's id.")
  String agent;

  @Option(
      names = "--env",
      description = "The environment's id (default: a new one named run-<timestamp>).")
  String env;

  @Option(names = "--title", description = "The session's title.")
  String title;

  @Parameters(paramLabel = "PROMPT", arity = "1..*", description = "The prompt.")
  java.util.List<String> prompt;

  @Override
  int run(ApiClient api) throws IOException, InterruptedException {
    String envId = env;
    if (envId == null) {
      JsonNode created =
          api.post(
              "/v1/environments",
              ApiClient.object().put("name", "run-" + STAMP.format(Instant.now())));
      envId = created.path("id").asText();
      if (options.json) {
        out.println(created.toString());
      }
    }
    ObjectNode body = ApiClient.object().put("agent", agent).put("environment_id", envId);
    if (title != null) {
      body.put("title", title);
    }
    JsonNode session = api.post("/v1/sessions", body);
    String sessionId = session.path("id").asText();
    if (options.json) {
      out.println(session.toString());
    }
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
      for (JsonNode id : stop.path("event_ids")) {
        JsonNode use = toolUses.get(id.asText());
        String what =
            use == null
                ? ""
                : use.path("name").asText()
                    + " "
                    + SessionCommands.short_(use.path("input").toString());
        boolean custom = use != null && use.path("type").asText().equals("agent.custom_tool_use");
        out.println(
            "  "
                + id.asText()
                + "  "
                + what
                + (custom ? "  (custom tool: send user.custom_tool_result)" : ""));
      }
      out.println(
          "Answer with: agentry approve "
              + sessionId
              + " TOOL_USE_ID  |  agentry deny "
              + sessionId
              + " TOOL_USE_ID --message WHY");
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
