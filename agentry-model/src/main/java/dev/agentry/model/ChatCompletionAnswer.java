package dev.agentry.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.ModelUsage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds one Anthropic-shaped answer from a stream of OpenAI {@code chat.completion.chunk}s:
 * reasoning becomes a thinking block, content a text block and tool calls tool_use blocks, in the
 * order they began; each delta is passed on to the listener as it arrives.
 */
final class ChatCompletionAnswer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ModelStreamListener listener;
  private int nextIndex;
  private int thinkingIndex = -1;
  private int textIndex = -1;
  private final StringBuilder thinking = new StringBuilder();
  private final StringBuilder text = new StringBuilder();
  private final Map<Integer, Call> calls = new TreeMap<>();
  private String finishReason;
  private JsonNode usage;

  ChatCompletionAnswer(ModelStreamListener listener) {
    this.listener = listener;
  }

  void add(JsonNode chunk) {
    if (chunk.hasNonNull("usage") && chunk.get("usage").isObject()) {
      usage = chunk.get("usage");
    }
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue;
      }
      JsonNode delta = choice.path("delta");
      String reasoning =
          delta.hasNonNull("reasoning_content")
              ? delta.get("reasoning_content").asText()
              : delta.hasNonNull("reasoning") ? delta.get("reasoning").asText() : null;
      if (reasoning != null && !reasoning.isEmpty()) {
        if (thinkingIndex < 0) {
          thinkingIndex = nextIndex++;
        }
        thinking.append(reasoning);
        listener.onThinkingDelta(thinkingIndex, reasoning);
      }
      if (delta.hasNonNull("content") && !delta.get("content").asText().isEmpty()) {
        String t = delta.get("content").asText();
        if (textIndex < 0) {
          textIndex = nextIndex++;
        }
        text.append(t);
        listener.onTextDelta(textIndex, t);
      }
      for (JsonNode tc : delta.path("tool_calls")) {
        int i = tc.path("index").asInt(calls.size());
        Call call = calls.computeIfAbsent(i, k -> new Call(nextIndex++));
        if (tc.hasNonNull("id") && !tc.get("id").asText().isEmpty()) {
          call.id = tc.get("id").asText();
        }
        JsonNode fn = tc.path("function");
        if (fn.hasNonNull("name") && !fn.get("name").asText().isEmpty()) {
          call.name = fn.get("name").asText();
        }
        if (fn.hasNonNull("arguments")) {
          JsonNode args = fn.get("arguments");
          call.arguments.append(args.isTextual() ? args.asText() : args.toString());
        }
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
      }
    }
  }

  ModelResponse response() {
    ContentBlock[] blocks = new ContentBlock[nextIndex];
    if (thinkingIndex >= 0) {
      blocks[thinkingIndex] = new ContentBlock.Thinking(thinking.toString(), null);
    }
    if (textIndex >= 0) {
      blocks[textIndex] = new ContentBlock.Text(text.toString());
    }
    int n = 0;
    for (Call c : calls.values()) {
      String id = c.id != null ? c.id : "call_" + n;
      blocks[c.index] = new ContentBlock.ToolUse(id, c.name, parseArguments(c.arguments));
      n++;
    }
    List<ContentBlock> content = new ArrayList<>(List.of(blocks));
    String stop =
        switch (finishReason == null ? "stop" : finishReason) {
          case "tool_calls", "function_call" -> "tool_use";
          case "length" -> "max_tokens";
          case "content_filter" -> "refusal";
          default -> calls.isEmpty() ? "end_turn" : "tool_use";
        };
    long prompt = usage == null ? 0 : usage.path("prompt_tokens").asLong(0);
    long completion = usage == null ? 0 : usage.path("completion_tokens").asLong(0);
    long cached =
        usage == null ? 0 : usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    return new ModelResponse(
        content, stop, new ModelUsage(Math.max(0, prompt - cached), completion, cached, 0));
  }

  /** Whether the stream said why the answer ended. */
  boolean finished() {
    return finishReason != null;
  }

  private static final class Call {
    final int index;
    String id;
    String name = "";
    final StringBuilder arguments = new StringBuilder();

    Call(int index) {
      this.index = index;
    }
  }

  static JsonNode parseArguments(CharSequence arguments) {
    String s = arguments.toString().trim();
    if (s.isEmpty()) {
      return NODES.objectNode();
    }
    try {
      JsonNode node = JSON.readTree(s);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (IOException e) {
      // fall through
    }
    // the model produced arguments that are not a JSON object: keep them for the tool to reject
    return NODES.objectNode().put("_invalid_arguments", s);
  }
}
