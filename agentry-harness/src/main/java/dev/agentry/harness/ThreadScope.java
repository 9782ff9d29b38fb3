package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.agentry.core.Event;
import dev.agentry.core.EventCodec;
import dev.agentry.core.EventDraft;
import dev.agentry.core.Json;
import dev.agentry.core.LogEntry;
import dev.agentry.core.PreviewSink;
import dev.agentry.core.Roster;
import dev.agentry.core.Session;
import dev.agentry.core.SessionStatus;
import dev.agentry.core.StoredEvent;
import dev.agentry.core.ThreadView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One thread of a multi-agent session as its runner sees the shared log (docs/decisions/0033): the
 * events it owns, in the shapes the one-thread agent loop folds, and its writes tagged with its id.
 * A child thread's {@code session.thread_status_*} events read as {@code session.status_*}, and a
 * message sent to a thread reads as a {@code user.message} queued for it (until the thread takes
 * it, its {@code processed_at} is null); a child's own status writes become {@code
 * session.thread_status_*}, and the idle that ends its turn carries its reply to the coordinator in
 * the same commit. Confirmations and custom tool results belong to the thread whose call they
 * answer, found by tool-use id.
 */
final class ThreadScope {
  final String sessionId;
  final String threadId;

  /** The member a child runs as; null for the primary thread, which runs the session's agent. */
  final Roster.Member member;

  private final String primaryId;

  /** The owning thread of each event seen ("" for the primary), and of each tool call. */
  private final Map<String, String> ownerById = new HashMap<>();

  private final Map<String, String> toolOwner = new HashMap<>();

  /** The child's last message of its current turn: its reply when the turn ends. */
  private JsonNode lastMessage;

  /** An interrupt ends the turn: the coordinator is not sent a reply (it was interrupted too). */
  private boolean quiet;

  private ThreadScope(String sessionId, String threadId, Roster.Member member) {
    this.sessionId = sessionId;
    this.threadId = threadId;
    this.member = member;
    this.primaryId = ThreadView.primaryId(sessionId);
  }

  static ThreadScope primary(String sessionId) {
    return new ThreadScope(sessionId, ThreadView.primaryId(sessionId), null);
  }

  static ThreadScope child(String sessionId, String threadId, Roster.Member member) {
    return new ThreadScope(sessionId, threadId, member);
  }

  boolean primary() {
    return member == null;
  }

  /** The model of a member's requests, priced as its own (docs/decisions/0033); null: primary. */
  String ownModel() {
    if (primary() || member.agent().spec() == null || member.agent().spec().model() == null) {
      return null;
    }
    return member.agent().spec().model().id();
  }

  /**
   * The session as this thread runs it: on its member's agent, whose web tools reach no further
   * than the coordinator's (ADR 0047).
   */
  Session session(Session s) {
    return s == null || primary()
        ? s
        : s.withAgent(WebDomainLayers.layered(member.agent(), s.agent().spec()));
  }

  /** Where this thread's previews go: a child's only to its own stream. */
  PreviewSink previews(PreviewSink sink) {
    return primary() ? sink : (sid, of, json) -> sink.publish(sid, threadId, of, json);
  }

  /** The log as this thread's fold reads it, and how many of those events are committed. */
  record View(List<LogEntry> entries, int committed) {}

  /**
   * The view of the log's base: its longest committed prefix without an event still unprocessed
   * (only those change, when processed), each event seen once across the run's steps, so a step
   * sees only what came after it.
   */
  private final List<LogEntry> baseView = new ArrayList<>();

  /** How many events of the log the base covers, and the id of its last: the log extends it. */
  private int based;

  private String baseLastId;

  /** {@link #lastMessage} as of the end of the base. */
  private JsonNode baseLastMessage;

  View view(List<LogEntry> log, int committed) {
    if (based > log.size() || (based > 0 && !log.get(based - 1).id().equals(baseLastId))) {
      baseView.clear(); // a guard: the log always extends what was read of it
      based = 0;
      baseLastMessage = null;
    }
    lastMessage = baseLastMessage;
    int end = Math.min(committed, log.size());
    while (based < end && log.get(based).processedAt() != null) {
      LogEntry seen = see(log.get(based++));
      if (seen != null) {
        baseView.add(seen);
      }
    }
    baseLastId = based == 0 ? null : log.get(based - 1).id();
    baseLastMessage = lastMessage;
    List<LogEntry> out = new ArrayList<>(baseView);
    int durable = baseView.size();
    for (int i = based; i < log.size(); i++) {
      LogEntry seen = see(log.get(i));
      if (seen != null) {
        out.add(seen);
        durable += i < committed ? 1 : 0;
      }
    }
    return new View(out, durable);
  }

  private LogEntry see(LogEntry e) {
    String owner = owner(e);
    if (primary()) {
      if (!owner.isEmpty()) {
        return null;
      }
      return e.event() instanceof Event.AgentThreadMessageReceived m
          ? asUserMessage(e, fromMember(m))
          : e;
    }
    if (!threadId.equals(owner)) {
      return null;
    }
    return switch (e.event()) {
      case Event.SessionThreadStatusRunning r -> retype(e, new Event.SessionStatusRunning());
      case Event.SessionThreadStatusRescheduled r ->
          retype(e, new Event.SessionStatusRescheduled());
      case Event.SessionThreadStatusTerminated t -> retype(e, new Event.SessionStatusTerminated());
      case Event.SessionThreadStatusIdle i ->
          retype(e, new Event.SessionStatusIdle(i.stopReason(), i.stopDetails()));
      case Event.SessionThreadCreated c -> null;
      case Event.AgentThreadMessageSent m -> null; // its reply: the agent.message before it
      case Event.AgentThreadMessageReceived m -> {
        lastMessage = null;
        yield asUserMessage(e, m.content());
      }
      case Event.AgentMessage m -> {
        lastMessage = m.content();
        yield e;
      }
      default -> e;
    };
  }

  /** The thread that owns {@code e}: "" for the primary. */
  private String owner(LogEntry e) {
    String known = ownerById.get(e.id());
    if (known != null) {
      return known;
    }
    String owner =
        switch (e.event()) {
          case Event.UserToolConfirmation c -> toolOwner.getOrDefault(c.toolUseId(), "");
          case Event.UserCustomToolResult r -> toolOwner.getOrDefault(r.customToolUseId(), "");
          case Event.UserToolResult r -> toolOwner.getOrDefault(r.toolUseId(), "");
          default -> {
            String tag = e.tag();
            yield tag == null || tag.equals(primaryId) ? "" : tag;
          }
        };
    if (e.event() instanceof Event.ToolCall || e.event() instanceof Event.AgentCustomToolUse) {
      toolOwner.put(e.id(), owner);
    }
    ownerById.put(e.id(), owner);
    return owner;
  }

  private LogEntry retype(LogEntry e, Event as) {
    StoredEvent s = e.stored();
    return new LogEntry(
        new StoredEvent(
            s.sessionId(),
            s.seq(),
            s.id(),
            as.type(),
            EventCodec.write(as),
            s.createdAt(),
            s.processedAt()),
        as);
  }

  private LogEntry asUserMessage(LogEntry e, JsonNode content) {
    return retype(e, new Event.UserMessage(content));
  }

  /** A member's reply as the coordinator's model reads it: who sent it, then what it said. */
  private static JsonNode fromMember(Event.AgentThreadMessageReceived m) {
    ArrayNode content = Json.mapper().createArrayNode();
    content
        .addObject()
        .put("type", "text")
        .put(
            "text",
            "Message from agent "
                + m.fromAgentName()
                + " (session_thread_id "
                + m.fromSessionThreadId()
                + "):");
    m.content().forEach(content::add);
    return content;
  }

  /** The status the session moves to when this thread moves to {@code status}; null: none. */
  SessionStatus sessionStatus(SessionStatus status) {
    if (primary()) {
      return status;
    }
    // The coordinator waits for its members, so the session runs while any of them does; a
    // member's stop does not stop the session, the coordinator's end of turn does.
    return status == SessionStatus.RUNNING ? SessionStatus.RUNNING : null;
  }

  /** The turn this thread is in ends without a reply to the coordinator (an interrupt). */
  void quietly(Runnable write) {
    quiet = true;
    try {
      write.run();
    } finally {
      quiet = false;
    }
  }

  /** {@code drafts} as this thread writes them. */
  List<EventDraft> tag(List<EventDraft> drafts) {
    if (primary() || drafts.isEmpty()) {
      return drafts;
    }
    List<EventDraft> out = new ArrayList<>(drafts.size() + 2);
    for (EventDraft d : drafts) {
      Event e = EventCodec.read(d.type(), d.payload());
      String name = member.name();
      switch (e) {
        case Event.SessionStatusRunning r ->
            out.add(as(d, new Event.SessionThreadStatusRunning(threadId, name)));
        case Event.SessionStatusRescheduled r ->
            out.add(as(d, new Event.SessionThreadStatusRescheduled(threadId, name)));
        case Event.SessionStatusIdle i -> {
          out.add(
              as(
                  d,
                  new Event.SessionThreadStatusIdle(
                      threadId, name, i.stopReason(), i.stopDetails())));
          if (!quiet && !i.stopReason().type().equals("requires_action")) {
            out.addAll(reply(i.stopReason().type(), d.processedAt()));
          }
        }
        case Event.AgentMessage m -> {
          lastMessage = m.content();
          out.add(tagged(d));
        }
        default -> out.add(tagged(d));
      }
    }
    return out;
  }

  /** The reply that ends a member's turn: sent on its stream, received on the coordinator's. */
  private List<EventDraft> reply(String stop, Instant at) {
    JsonNode content = lastMessage;
    if (content == null || !stop.equals("end_turn")) {
      content =
          Events.textContent(
              lastMessage == null
                  ? "(agent " + member.name() + " stopped without a reply: " + stop + ")"
                  : Events.text(lastMessage)
                      + "\n(agent "
                      + member.name()
                      + " stopped: "
                      + stop
                      + ")");
    }
    lastMessage = null;
    return List.of(
        tagged(EventCodec.draft(new Event.AgentThreadMessageSent(primaryId, null, content), at)),
        EventCodec.draft(
            new Event.AgentThreadMessageReceived(threadId, member.name(), content), null));
  }

  private EventDraft as(EventDraft d, Event e) {
    return new EventDraft(d.id(), e.type(), EventCodec.write(e), d.processedAt());
  }

  private EventDraft tagged(EventDraft d) {
    return new EventDraft(
        d.id(), d.type(), ThreadView.withTag(d.payload(), threadId), d.processedAt());
  }
}
