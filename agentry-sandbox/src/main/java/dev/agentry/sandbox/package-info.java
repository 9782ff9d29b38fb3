/**
 * The hands: bubblewrap sandboxes over per-session workspaces, the limits they enforce, their
 * lifecycle (lazy, reused, reclaimed, recreated), and the built-in toolset that runs in them.
 */
package dev.agentry.sandbox;
