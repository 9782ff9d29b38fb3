/**
 * Agentry's own self-hosted worker: it polls a {@code self_hosted} environment's work queue with
 * the environment key, claims each item by its first heartbeat, and answers the session's waiting
 * built-in tool calls from a bubblewrap sandbox on this machine, with the server's sandbox, limits
 * and tools (the protocol of {@code cma-later-surfaces.md} §1.8, as the official SDKs drive it). It
 * brings the session's memory stores (synced through the memories API) and skills into that sandbox
 * at the paths the server's sandbox uses (docs/decisions/0048).
 */
package dev.agentry.worker;
