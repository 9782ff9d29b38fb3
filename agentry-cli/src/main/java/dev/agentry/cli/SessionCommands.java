package dev.agentry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentry tail|send|approve|deny|result|interrupt|fork}: a session's events over HTTP. */
final class SessionCommands {
  private SessionCommands() {}

  /** Sends one event to a session and prints the persisted event. */
  abstract static class SendEvent extends ClientCommand {
    @Parameters(index = "0", paramLabel = "SESSION", description = "The session's id.")
    String session;

    abstract ObjectNode event();

    abstract String done(JsonNode persisted);

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      JsonNode r = send(api, session, event());
      print(r, done(r.path("data").path(0)));
      return 0;
    }
  }

  static JsonNode send(ApiClient api, String session, ObjectNode event)
      throws IOException, InterruptedException {
    ObjectNode body = ApiClient.object();
    body.putArray("events").add(event);
    return api.post(
        "/v1/sessions/" + URLEncoder.encode(session, StandardCharsets.UTF_8) + "/events", body);
  }

  static ObjectNode message(String text) {
    ObjectNode e = ApiClient.object().put("type", "user.message");
    e.putArray("content").addObject().put("type", "text").put("text", text);
    return e;
  }

  @Command(name = "send", description = "Send a user message to a session.")
  static final class Send extends SendEvent {
    @Parameters(index = "1", paramLabel = "MESSAGE", description = "The message text.")
    String text;

    @Override
    ObjectNode event() {
      return message(text);
    }

    @Override
    String done(JsonNode e) {
      return "Sent " + e.path("id").asText();
    }
  }

  @Command(name = "approve", description = "Allow a tool call waiting for confirmation.")
  static final class Approve extends SendEvent {
    @Parameters(
        index = "1",
        paramLabel = "TOOL_USE_ID",
        description = "The agent.tool_use (or agent.mcp_tool_use) event's id.")
    String toolUseId;

    @Override
    ObjectNode event() {
      return ApiClient.object()
          .put("type", "user.tool_confirmation")
          .put("tool_use_id", toolUseId)
          .put("result", "allow");
    }

    @Override
    String done(JsonNode e) {
      return "Approved " + toolUseId;
    }
  }

  @Command(name = "deny", description = "Deny a tool call waiting for confirmation.")
  static final class Deny extends SendEvent {
    @Parameters(
        index = "1",
        paramLabel = "TOOL_USE_ID",
        description = "The agent.tool_use (or agent.mcp_tool_use) event's id.")
    String toolUseId;

    @Option(names = "--message", description = "Why, shown to the model.")
    String message;

    @Override
    ObjectNode event() {
      ObjectNode e =
          ApiClient.object()
              .put("type", "user.tool_confirmation")
              .put("tool_use_id", toolUseId)
              .put("result", "deny");
      if (message != null) {
        e.put("deny_message", message);
      }
      return e;
    }

    @Override
    String done(JsonNode e) {
      return "Denied " + toolUseId;
    }
  }

  @Command(
      name = "result",
      description = {
        "Answer a custom tool call (agent.custom_tool_use) with a user.custom_tool_result.",
        "The result is TEXT, or the contents of --file (- for stdin), or empty if neither."
      })
  static final class Result extends SendEvent {
    @Parameters(
        index = "1",
        paramLabel = "TOOL_USE_ID",
        description = "The agent.custom_tool_use event's id.")
    String toolUseId;

    @Parameters(
        index = "2",
        arity = "0..1",
        paramLabel = "TEXT",
        description = "The result, as one text block.")
    String text;

    @Option(names = "--file", paramLabel = "FILE", description = "Read the result from FILE.")
    String file;

    @Option(
        names = "--error",
        description = "Mark the result as an error (is_error: true): the tool call failed.")
    boolean error;

    @Override
    ObjectNode event() {
      if (text != null && file != null) {
        throw new IllegalArgumentException("give the result as TEXT or --file, not both");
      }
      ObjectNode e =
          ApiClient.object()
              .put("type", "user.custom_tool_result")
              .put("custom_tool_use_id", toolUseId)
              .put("is_error", error);
      String result = file == null ? text : read(file);
      ArrayNode content = e.putArray("content");
      if (result != null && !result.isEmpty()) {
        content.addObject().put("type", "text").put("text", result);
      }
      return e;
    }

    static String read(String file) {
      return Problems.read(file, System.in);
    }

    @Override
    String done(JsonNode e) {
      return (error ? "Sent error result for " : "Sent result for ") + toolUseId;
    }
  }

  @Command(name = "interrupt", description = "Interrupt a session's running turn.")
  static final class Interrupt extends SendEvent {
    @Override
    ObjectNode event() {
      return ApiClient.object().put("type", "user.interrupt");
    }

    @Override
    String done(JsonNode e) {
      return "Interrupted " + session;
    }
  }

  @Command(
      name = "fork",
      description = {
        "Fork a session: a new idle session whose log is a copy of SESSION's up to an event and"
            + " whose workspace is the checkpoint taken at or before it (Agentry extension).",
        "Prints the new session's id."
      })
  static final class Fork extends ClientCommand {
    @Parameters(paramLabel = "SESSION", description = "The session to fork.")
    String session;

    @Option(
        names = "--at",
        paramLabel = "EVENT",
        description =
            "The last event the fork keeps (an event id of SESSION); default: the latest.")
    String at;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      ObjectNode body = ApiClient.object();
      if (at != null) {
        body.put("event_id", at);
      }
      JsonNode fork =
          api.post(
              "/v1/sessions/" + URLEncoder.encode(session, StandardCharsets.UTF_8) + "/fork", body);
      print(fork, fork.path("id").asText());
      return 0;
    }
  }

  @Command(
      name = "tail",
      description =
          "Follow a session's events: its history, then live ones, one line each (Ctrl-C stops)."
              + " In a multi-agent session a member thread's lines are labelled [agent].")
  static final class Tail extends ClientCommand {
    @Parameters(paramLabel = "SESSION", description = "The session's id.")
    String session;

    @Option(names = "--no-follow", description = "Print the history and stop.")
    boolean noFollow;

    @Option(
        names = "--until-idle",
        description =
            "Stop once the session is idle: after the history if it already is (its newest event"
                + " is session.status_idle), else at the next live session.status_idle.")
    boolean untilIdle;

    @Override
    int run(ApiClient api) throws IOException, InterruptedException {
      Map<String, JsonNode> uses = new HashMap<>();
      boolean idleNow = untilIdle && idleNow(api);
      new SessionTail(api, session)
          .run(
              !noFollow && !idleNow,
              (e, line, fromHistory) -> {
                String type = e.path("type").asText();
                if (type.endsWith("tool_use")) {
                  uses.put(e.path("id").asText(), e);
                }
                out.println(options.json ? e.toString() : line);
                if (!options.json
                    && type.equals("session.status_idle")
                    && e.path("stop_reason").path("type").asText().equals("requires_action")) {
                  pending(command(), session, e.path("stop_reason"), uses).forEach(out::println);
                }
                out.flush();
                return untilIdle
                    && !fromHistory
                    && e.path("type").asText().equals("session.status_idle");
              });
      return 0;
    }

    /** Whether the session's newest event is an idle: no turn runs and nothing waits to run. */
    private boolean idleNow(ApiClient api) throws IOException, InterruptedException {
      JsonNode newest =
          api.get(
                  "/v1/sessions/"
                      + java.net.URLEncoder.encode(session, java.nio.charset.StandardCharsets.UTF_8)
                      + "/events?order=desc&limit=1")
              .path("data")
              .path(0);
      return newest.path("type").asText().equals("session.status_idle");
    }
  }

  /** One line for an event: time, type and what it says. */
  static String line(JsonNode e) {
    String at = e.path("processed_at").asText("");
    String time = at.length() >= 19 ? at.substring(11, 19) : "--:--:--";
    String type = e.path("type").asText();
    String what = summary(e);
    return time + " " + type + (what.isEmpty() ? "" : "  " + what);
  }

  /**
   * For an idle with {@code requires_action}: two lines per pending call, what it is and the
   * command that answers it, run as {@code agentry}. {@code uses} holds the tool-use events seen so
   * far, by id.
   */
  static List<String> pending(
      String agentry, String session, JsonNode stop, Map<String, JsonNode> uses) {
    List<String> lines = new ArrayList<>();
    for (JsonNode idNode : stop.path("event_ids")) {
      String id = idNode.asText();
      JsonNode use = uses.get(id);
      boolean custom = use != null && use.path("type").asText().equals("agent.custom_tool_use");
      lines.add(
          "  "
              + id
              + (use == null
                  ? ""
                  : "  " + use.path("name").asText() + " " + short_(use.path("input").toString()))
              + (custom ? "  (custom tool)" : ""));
      String result = agentry + " result " + session + " " + id + " \"RESULT\" [--error]";
      String confirm =
          agentry
              + " approve "
              + session
              + " "
              + id
              + "  |  "
              + agentry
              + " deny "
              + session
              + " "
              + id
              + " --message WHY";
      lines.add("      " + (custom ? result : use == null ? confirm + "  |  " + result : confirm));
    }
    return lines;
  }

  static String summary(JsonNode e) {
    return switch (e.path("type").asText()) {
      case "user.message", "agent.message", "system.message" -> short_(text(e.path("content")));
      case "agent.tool_use", "agent.mcp_tool_use" ->
          e.path("name").asText()
              + " "
              + short_(e.path("input").toString())
              + (e.path("evaluated_permission").asText().equals("ask")
                  ? "  [awaiting confirmation: " + e.path("id").asText() + "]"
                  : "");
      case "agent.custom_tool_use" ->
          e.path("name").asText()
              + " "
              + short_(e.path("input").toString())
              + "  [custom tool, awaiting result: "
              + e.path("id").asText()
              + "]";
      case "agent.tool_result", "agent.mcp_tool_result", "user.custom_tool_result" ->
          (e.path("is_error").asBoolean() ? "error: " : "ok: ") + short_(text(e.path("content")));
      case "user.tool_confirmation" ->
          e.path("result").asText()
              + " "
              + e.path("tool_use_id").asText()
              + (e.hasNonNull("deny_message") ? " (" + e.path("deny_message").asText() + ")" : "");
      case "session.status_idle" ->
          e.path("stop_reason").path("type").asText()
              + (e.path("stop_reason").has("event_ids")
                  ? " " + e.path("stop_reason").path("event_ids")
                  : "");
      case "span.model_request_end" -> {
        JsonNode u = e.path("model_usage");
        yield u.path("input_tokens").asLong() + " in, " + u.path("output_tokens").asLong() + " out";
      }
      case "session.usage" -> cost(e.path("usage"));
      case "session.error" ->
          e.path("error").path("type").asText() + ": " + e.path("error").path("message").asText();
      default -> "";
    };
  }

  /** The text blocks of a content array, joined. */
  static String text(JsonNode content) {
    StringBuilder b = new StringBuilder();
    if (content instanceof ArrayNode a) {
      for (JsonNode block : a) {
        if (block.path("type").asText().equals("text")) {
          b.append(block.path("text").asText());
        }
      }
    } else if (content.isTextual()) {
      b.append(content.asText());
    }
    return b.toString();
  }

  static String short_(String s) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() > 160 ? one.substring(0, 159) + "…" : one;
  }

  /** A usage snapshot's list cost as {@code $1.2345}; its amount is in cents. */
  static String cost(JsonNode usage) {
    JsonNode c = usage.path("list_cost");
    if (!c.path("amount").isTextual()) {
      return "";
    }
    try {
      BigDecimal dollars =
          new BigDecimal(c.path("amount").asText())
              .movePointLeft(2)
              .setScale(4, RoundingMode.HALF_UP);
      String cur = c.path("currency").asText("USD");
      return (cur.equals("USD") ? "$" : cur + " ") + dollars.toPlainString();
    } catch (NumberFormatException ex) {
      return c.path("amount").asText();
    }
  }
}
