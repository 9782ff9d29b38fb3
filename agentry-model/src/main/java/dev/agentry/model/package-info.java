/**
 * Model clients behind {@link dev.agentry.core.ModelClient}: Anthropic's Messages API through the
 * official SDK, OpenAI-compatible Chat Completions, and a scripted replay for demos and tests.
 */
package dev.agentry.model;
