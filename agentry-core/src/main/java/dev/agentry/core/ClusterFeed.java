package dev.agentry.core;

/**
 * What other nodes commit to session logs, as this node learns it. With one shared database
 * (PostgreSQL) several nodes append to the same logs; this feed lets a node's harness react to an
 * append made elsewhere (a message for a session it runs, a queued event no node runs) at once
 * rather than at its next sweep. A single-node store has no other nodes: {@link #NONE}.
 */
public interface ClusterFeed {
  ClusterFeed NONE =
      new ClusterFeed() {
        @Override
        public EventStore.Subscription watch(Watcher watcher) {
          return () -> {};
        }

        @Override
        public long notifications() {
          return 0;
        }

        @Override
        public long reconnects() {
          return 0;
        }
      };

  /** Calls {@code watcher} for every append another node commits, until the subscription closes. */
  EventStore.Subscription watch(Watcher watcher);

  /** Notices of other nodes' appends received since the store opened. */
  long notifications();

  /** Times the feed lost its connection and made a new one since the store opened. */
  long reconnects();

  /** Told of other nodes' appends, on the feed's thread: it must not block. */
  interface Watcher {
    /**
     * Another node committed events to the session's log, up to {@code lastSeq}; {@code queued}:
     * some of them await processing (a user's message, interrupt, tool result).
     */
    void appended(String sessionId, long lastSeq, boolean queued);

    /**
     * Notices may have been lost (the feed reconnected): whatever waits on them should look at the
     * database again.
     */
    void mayHaveMissed();
  }
}
