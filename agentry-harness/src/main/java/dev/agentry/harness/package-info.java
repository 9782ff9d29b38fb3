/**
 * The brain: a stateless loop that rebuilds a session from its log, calls the model, journals every
 * step as an event before acting on it, routes tool calls, and can die at any point without losing
 * or repeating anything.
 */
package dev.agentry.harness;
