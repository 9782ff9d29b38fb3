package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Cancellation;
import dev.agentry.core.ContentBlock;
import dev.agentry.core.ModelClient;
import dev.agentry.core.ModelMessage;
import dev.agentry.core.ModelRequest;
import dev.agentry.core.ModelResponse;
import dev.agentry.core.ModelStreamListener;
import dev.agentry.core.Redactor;
import dev.agentry.core.ToolDefinition;
import java.util.List;

/**
 * Scans every request the harness builds before it is sent: the system prompt, text blocks, tool
 * calls' inputs, tool results, thinking and passed-through blocks all have known secrets replaced
 * with {@code [redacted]}. Streamed deltas, which become live previews, are redacted as a stream by
 * {@link RedactingStreamListener}, so a secret split across deltas is caught there too.
 */
final class RedactingModelClient implements ModelClient {
  private final ModelClient delegate;
  private final Redactor redactor;

  RedactingModelClient(ModelClient delegate, Redactor redactor) {
    this.delegate = delegate;
    this.redactor = redactor;
  }

  @Override
  public ModelResponse send(
      ModelRequest request, ModelStreamListener listener, Cancellation cancellation) {
    if (listener == ModelStreamListener.NONE) {
      return delegate.send(redact(request), listener, cancellation);
    }
    RedactingStreamListener redacting = new RedactingStreamListener(listener, redactor);
    ModelResponse response = delegate.send(redact(request), redacting, cancellation);
    redacting.finish();
    return response;
  }

  ModelRequest redact(ModelRequest r) {
    List<ModelMessage> messages =
        r.messages().stream()
            .map(m -> new ModelMessage(m.role(), m.content().stream().map(this::redact).toList()))
            .toList();
    List<ToolDefinition> tools =
        r.tools().stream()
            .map(
                t ->
                    new ToolDefinition(t.name(), redactor.redact(t.description()), t.inputSchema()))
            .toList();
    return new ModelRequest(
        r.model(), redactor.redact(r.system()), messages, tools, r.maxTokens(), r.effort());
  }

  private ContentBlock redact(ContentBlock block) {
    return switch (block) {
      case ContentBlock.Text t -> new ContentBlock.Text(redactor.redact(t.text()));
      case ContentBlock.ToolUse u ->
          new ContentBlock.ToolUse(u.id(), u.name(), redactor.redactTree(u.input()));
      case ContentBlock.ToolResult t ->
          new ContentBlock.ToolResult(t.toolUseId(), redactor.redact(t.text()), t.isError());
      case ContentBlock.Thinking t ->
          redactor.containsSecret(t.thinking())
              ? new ContentBlock.Thinking(redactor.redact(t.thinking()), t.signature())
              : t;
      case ContentBlock.Raw raw -> {
        JsonNode node = redactor.redactTree(raw.block());
        yield node == raw.block() ? raw : new ContentBlock.Raw(node);
      }
    };
  }
}
