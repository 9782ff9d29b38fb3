/**
 * Model clients behind {@link dev.agentry.core.ModelClient}: Anthropic's Messages API (its JSON and
 * event stream over OkHttp, see docs/decisions/0026), OpenAI-compatible Chat Completions, and a
 * scripted replay for demos and tests; {@link dev.agentry.model.ModelClients#fromEnv} routes by
 * model id and says at save time which ids it cannot serve.
 */
package dev.agentry.model;
