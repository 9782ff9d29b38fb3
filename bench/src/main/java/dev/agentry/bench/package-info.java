/**
 * Load drivers for Agentry: {@link dev.agentry.bench.StoreAppendBench} measures durable appends on
 * SQLite and PostgreSQL, {@link dev.agentry.bench.SseDeliveryBench} measures event delivery from
 * {@code POST /v1/sessions/{id}/events} to 100 SSE subscribers of the real server, {@link
 * dev.agentry.bench.SandboxBench} measures bubblewrap sandbox cold start, shell round trips and
 * concurrent starts. Run them with {@code bench/run.sh} ({@link dev.agentry.bench.Main}); they are
 * not part of the test suite.
 */
package dev.agentry.bench;
