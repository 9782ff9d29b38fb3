package dev.agentry.harness;

import dev.agentry.core.ContentBlock;
import dev.agentry.core.EventDraft;
import dev.agentry.core.ModelResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The events a model response is journalled as, before its span's end: its thinking and text (with
 * the ids their previews had), then its tool calls, each sorted by who runs it (an MCP server, the
 * client for a custom tool, else the harness) and carrying its permission.
 */
record ResponseEvents(List<EventDraft> drafts, boolean hasText, boolean hasCalls) {

  static ResponseEvents of(
      ModelResponse r,
      Toolset toolset,
      Permissions permissions,
      McpConnections.Offer mcpOffer,
      Previews preview,
      Clock clock) {
    List<EventDraft> drafts = new ArrayList<>();
    if (r.content().stream().anyMatch(b -> b instanceof ContentBlock.Thinking)) {
      drafts.add(preview.persisted(Events.thinking(clock.instant())));
    }
    List<String> texts = new ArrayList<>();
    List<ContentBlock.ToolUse> builtIn = new ArrayList<>();
    List<ContentBlock.ToolUse> custom = new ArrayList<>();
    List<ContentBlock.ToolUse> mcpUses = new ArrayList<>();
    for (ContentBlock b : r.content()) {
      switch (b) {
        case ContentBlock.Text t -> {
          if (!t.text().isEmpty()) {
            texts.add(t.text());
          }
        }
        case ContentBlock.ToolUse u ->
            (mcpOffer.targets().containsKey(u.name())
                    ? mcpUses
                    : toolset.custom().contains(u.name()) ? custom : builtIn)
                .add(u);
        default -> {}
      }
    }
    if (!texts.isEmpty()) {
      drafts.add(preview.persisted(Events.message(texts, clock.instant())));
    }
    builtIn.forEach(
        u ->
            drafts.add(
                Delegation.handles(u.name()) // delegating asks no one (docs/decisions/0033)
                    ? Events.toolUse(u.name(), u.input(), clock.instant())
                    : permissions.toolUse(u.name(), u.input(), clock.instant())));
    custom.forEach(u -> drafts.add(Events.customToolUse(u.name(), u.input(), clock.instant())));
    mcpUses.forEach(
        u -> drafts.add(mcpOffer.use(u.name(), u.input(), permissions, clock.instant())));
    boolean hasCalls = !builtIn.isEmpty() || !custom.isEmpty() || !mcpUses.isEmpty();
    return new ResponseEvents(drafts, !texts.isEmpty(), hasCalls);
  }
}
