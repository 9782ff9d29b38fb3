package dev.agentry.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelException;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Replays recorded assistant turns from a JSON script: for demos and tests, never a default. Model
 * id {@code scripted:<path>}. The script:
 *
 * <pre>{@code
 * {"turns": [
 *   {"content": [{"type": "text", "text": "Let me look."},
 *                {"type": "tool_use", "name": "bash", "input": {"command": "ls"}}],
 *    "stop_reason": "tool_use",
 *    "usage": {"input_tokens": 10, "output_tokens": 5},
 *    "delay_ms": 200},
 *   {"content": [{"type": "text", "text": "Done."}]}
 * ]}
 * }</pre>
 *
 * <ul>
 *   <li>The n-th request (n counted from 0) gets turn n, where n is the number of assistant
 *       messages already in the request; a restarted server therefore replays deterministically
 *       from the event log.
 *   <li>Block types: {@code text}, {@code tool_use} ({@code name}, {@code input}; an {@code id} is
 *       generated as {@code toolu_scripted_<n>_<i>}, i = the block's position in the turn), {@code
 *       thinking} ({@code thinking}, optional {@code signature}); other blocks are passed through
 *       raw.
 *   <li>{@code stop_reason} defaults to {@code tool_use} when the turn calls a tool, else {@code
 *       end_turn}; {@code usage} (also {@code cache_read_input_tokens}, {@code
 *       cache_creation_input_tokens}) defaults to zeros; {@code delay_ms} waits before answering
 *       (cancellable).
 *   <li>Text is streamed to the listener in a few chunks.
 *   <li>Past the last turn: an {@code end_turn} with the text {@code (script finished)}.
 * </ul>
 *
 * The script is re-read on every request; nothing is written anywhere.
 */
final class ScriptedModelClient implements ModelClient {
  static final String FINISHED = "(script finished)";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path script;
  private final Path root;

  ScriptedModelClient(Path script) {
    this(script, null);
  }

  /**
   * A client for {@code script} that reads it only if it lies inside {@code root} (symbolic links
   * resolved): API callers name the path, so a script elsewhere, such as a session's workspace
   * under the data directory, is refused without being read. A null root reads any path.
   */
  ScriptedModelClient(Path script, Path root) {
    this.script = script;
    this.root = root;
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    if (cancellation.isCancelled()) {
      throw new ModelException.Cancelled();
    }
    JsonNode root = read();
    int n = (int) request.messages().stream().filter(m -> m.role().equals("assistant")).count();
    JsonNode turns = root.path("turns");
    if (!turns.isArray()) {
      throw invalid("it has no \"turns\" array");
    }
    if (n >= turns.size()) {
      stream(listener, 0, FINISHED);
      return new ModelResponse(
          List.of(new ContentBlock.Text(FINISHED)), "end_turn", ModelUsage.ZERO);
    }
    JsonNode turn = turns.get(n);
    long delay = turn.path("delay_ms").asLong(0);
    if (delay > 0) {
      CountDownLatch cancelled = new CountDownLatch(1);
      cancellation.onCancel(cancelled::countDown);
      try {
        if (cancelled.await(delay, TimeUnit.MILLISECONDS)) {
          throw new ModelException.Cancelled();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelException.Cancelled();
      }
    }
    List<ContentBlock> content = new ArrayList<>();
    boolean toolUse = false;
    int i = 0;
    for (JsonNode b : turn.path("content")) {
      switch (b.path("type").asText()) {
        case "text" -> {
          String text = b.path("text").asText();
          stream(listener, i, text);
          content.add(new ContentBlock.Text(text));
        }
        case "tool_use" -> {
          toolUse = true;
          JsonNode input =
              b.path("input").isObject() ? b.get("input") : JsonNodeFactory.instance.objectNode();
          content.add(
              new ContentBlock.ToolUse(
                  "toolu_scripted_" + n + "_" + i, b.path("name").asText(), input));
        }
        case "thinking" -> {
          String thinking = b.path("thinking").asText();
          if (!cancellation.isCancelled()) {
            listener.onThinkingDelta(i, thinking);
          }
          content.add(
              new ContentBlock.Thinking(
                  thinking, b.hasNonNull("signature") ? b.get("signature").asText() : null));
        }
        default -> content.add(new ContentBlock.Raw(b));
      }
      i++;
    }
    if (cancellation.isCancelled()) {
      throw new ModelException.Cancelled();
    }
    String stop =
        turn.hasNonNull("stop_reason")
            ? turn.get("stop_reason").asText()
            : toolUse ? "tool_use" : "end_turn";
    JsonNode u = turn.path("usage");
    ModelUsage usage =
        new ModelUsage(
            u.path("input_tokens").asLong(0),
            u.path("output_tokens").asLong(0),
            u.path("cache_read_input_tokens").asLong(0),
            u.path("cache_creation_input_tokens").asLong(0));
    return new ModelResponse(content, stop, usage);
  }

  private static void stream(ModelStreamListener listener, int index, String text) {
    if (text.isEmpty()) {
      return;
    }
    int chunks = Math.min(3, text.length());
    int size = (text.length() + chunks - 1) / chunks;
    for (int at = 0; at < text.length(); at += size) {
      listener.onTextDelta(index, text.substring(at, Math.min(text.length(), at + size)));
    }
  }

  private JsonNode read() {
    try {
      if (root != null && !inside(script.toRealPath(), root)) {
        throw invalid(
            "scripts are read only from AGENTRY_SCRIPTS_DIR ("
                + root.toAbsolutePath().normalize()
                + ") and this one is outside it");
      }
      return JSON.readTree(Files.readAllBytes(script));
    } catch (NoSuchFileException e) {
      throw invalid("the file does not exist");
    } catch (IOException e) {
      // no file content in the message: the path may be anything a client named
      throw invalid("it is not readable JSON");
    }
  }

  private static boolean inside(Path file, Path root) throws IOException {
    return Files.isDirectory(root) && file.startsWith(root.toRealPath());
  }

  private ModelException invalid(String why) {
    return new ModelException(
        "model_request_failed_error",
        "scripted model " + script + " cannot be replayed: " + why,
        false,
        0,
        null);
  }
}
