/**
 * The vocabulary every other module shares: ids, session events, agent/environment/session specs,
 * the session status machine, and the SPIs ({@link dev.agentry.core.EventStore}, the repositories)
 * that implementations plug into. Nothing here depends on another Agentry module.
 */
package dev.agentry.core;
