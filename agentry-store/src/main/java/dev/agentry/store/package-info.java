/**
 * The persistence of Agentry on SQLite (one file, for a single node) or PostgreSQL (shared by
 * several nodes), behind the SPIs of {@code dev.agentry.core}. {@link dev.agentry.store.Stores} is
 * the only entry point.
 *
 * <p>Writes go through group-commit writers: each writer thread runs many queued writes in one
 * transaction (a savepoint each) and commits once, so concurrent appenders share an fsync. On
 * SQLite one writer owns the only write connection and numbers events from an in-memory last-seq
 * cache. On PostgreSQL several writers split the sessions among them; an append is one statement
 * that bumps {@code sessions.last_seq} under the row lock (which keeps numbering gapless across
 * nodes too) and inserts the events, and since a savepoint would cost a round trip per write, a
 * batch runs without them and is replayed write by write in the rare case that one write fails.
 *
 * <p>Subscribers are notified after commit, in seq order. On PostgreSQL every append also sends a
 * {@code NOTIFY} in its own transaction, one listening connection per process ({@code
 * PostgresFeed}) hears the other nodes' appends, and {@code SequencedFanout} merges them with this
 * process's own by seq, reading the log to fill what a notice announces, so subscribers on any node
 * get every node's events without gap or duplicate (docs/decisions/0034-listen-notify.md).
 */
package dev.agentry.store;
