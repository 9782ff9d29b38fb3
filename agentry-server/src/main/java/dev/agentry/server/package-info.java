/**
 * The HTTP face of Agentry and its composition root: the Managed Agents REST/SSE routes, API-key
 * auth, the mapping of every failure to the Anthropic error envelope, and the one place that picks
 * implementations (SQLite or PostgreSQL) from the configuration.
 */
package dev.agentry.server;
