package dev.agentry.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ToolDefinition;

/**
 * An Anthropic-shaped {@link ModelRequest} as an OpenAI Chat Completions request body: the system
 * prompt as a {@code system} message, tool results as {@code role: tool} messages, images as {@code
 * image_url} parts, tools as functions.
 */
final class ChatCompletionRequest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ChatCompletionRequest() {}

  static ObjectNode body(ModelRequest request, boolean maxCompletionTokens) {
    ObjectNode body = NODES.objectNode();
    body.put("model", request.model());
    body.put(
        maxCompletionTokens ? "max_completion_tokens" : "max_tokens",
        request.maxTokens() > 0 ? request.maxTokens() : 4096);
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    ArrayNode messages = body.putArray("messages");
    if (request.system() != null && !request.system().isBlank()) {
      messages.addObject().put("role", "system").put("content", request.system());
    }
    for (ModelMessage m : request.messages()) {
      if (m.role().equals("assistant")) {
        addAssistant(messages, m);
      } else {
        addUser(messages, m);
      }
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolDefinition t : request.tools()) {
        ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
        fn.put("name", t.name());
        if (t.description() != null) {
          fn.put("description", t.description());
        }
        fn.set(
            "parameters",
            t.inputSchema() == null ? NODES.objectNode().put("type", "object") : t.inputSchema());
      }
    }
    return body;
  }

  private static void addAssistant(ArrayNode messages, ModelMessage m) {
    StringBuilder text = new StringBuilder();
    ArrayNode calls = NODES.arrayNode();
    for (ContentBlock b : m.content()) {
      switch (b) {
        case ContentBlock.Text t -> text.append(t.text());
        case ContentBlock.ToolUse u -> {
          ObjectNode call = calls.addObject();
          call.put("id", u.id());
          call.put("type", "function");
          call.putObject("function")
              .put("name", u.name())
              .put("arguments", u.input() == null ? "{}" : u.input().toString());
        }
        case ContentBlock.Raw r -> text.append(describe(r.block()));
        case ContentBlock.Thinking th -> {
          // reasoning is not sent back to Chat Completions endpoints
        }
        case ContentBlock.ToolResult r -> text.append(r.text());
      }
    }
    ObjectNode msg = messages.addObject().put("role", "assistant");
    if (text.isEmpty()) {
      msg.putNull("content");
    } else {
      msg.put("content", text.toString());
    }
    if (!calls.isEmpty()) {
      msg.set("tool_calls", calls);
    }
  }

  private static void addUser(ArrayNode messages, ModelMessage m) {
    // tool results first: they must directly follow the assistant's tool_calls
    for (ContentBlock b : m.content()) {
      if (b instanceof ContentBlock.ToolResult r) {
        String content = r.text() == null ? "" : r.text();
        messages
            .addObject()
            .put("role", "tool")
            .put("tool_call_id", r.toolUseId())
            .put("content", r.isError() ? "Error: " + content : content);
      }
    }
    ArrayNode parts = NODES.arrayNode();
    boolean image = false;
    for (ContentBlock b : m.content()) {
      switch (b) {
        case ContentBlock.Text t -> {
          if (!t.text().isEmpty()) {
            parts.addObject().put("type", "text").put("text", t.text());
          }
        }
        case ContentBlock.Raw r -> {
          String url = imageUrl(r.block());
          if (url != null) {
            image = true;
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
          } else {
            parts.addObject().put("type", "text").put("text", describe(r.block()));
          }
        }
        case ContentBlock.ToolUse u ->
            parts.addObject().put("type", "text").put("text", "[tool call " + u.name() + "]");
        case ContentBlock.Thinking th -> {}
        case ContentBlock.ToolResult r -> {}
      }
    }
    if (parts.isEmpty()) {
      return;
    }
    ObjectNode msg = messages.addObject().put("role", "user");
    if (image) {
      msg.set("content", parts);
    } else {
      StringBuilder text = new StringBuilder();
      for (JsonNode p : parts) {
        if (!text.isEmpty()) {
          text.append("\n\n");
        }
        text.append(p.path("text").asText());
      }
      msg.put("content", text.toString());
    }
  }

  /** A data: or http(s) URL for an Anthropic image block, or null. */
  static String imageUrl(JsonNode block) {
    if (block == null || !block.path("type").asText().equals("image")) {
      return null;
    }
    JsonNode source = block.path("source");
    return switch (source.path("type").asText()) {
      case "base64" ->
          source.hasNonNull("data")
              ? "data:"
                  + source.path("media_type").asText("image/png")
                  + ";base64,"
                  + source.get("data").asText()
              : null;
      case "url" -> source.hasNonNull("url") ? source.get("url").asText() : null;
      default -> null;
    };
  }

  private static String describe(JsonNode block) {
    String type = block == null ? "unknown" : block.path("type").asText("unknown");
    return "[" + type + " content omitted: this model endpoint does not support it]";
  }
}
