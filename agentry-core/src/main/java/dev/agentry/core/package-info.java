/**
 * The vocabulary every other module shares: ids, session events (stored as {@link
 * dev.agentry.core.StoredEvent}, read as the typed {@link dev.agentry.core.Event} records by {@link
 * dev.agentry.core.EventCodec}), agent/environment/session specs, the session status machine, and
 * the SPIs ({@link dev.agentry.core.EventStore}, the repositories) that implementations plug into.
 * Nothing here depends on another Agentry module.
 */
package dev.agentry.core;
