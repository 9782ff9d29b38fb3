/**
 * The brain: a stateless loop that rebuilds a session from its log, calls the model, journals every
 * step as an event before acting on it, routes tool calls, and can die at any point without losing
 * or repeating anything. Its next step is a table ({@code AgentLoop}, docs/agent-loop.md) over the
 * facts folded from the log.
 */
package dev.agentry.harness;
