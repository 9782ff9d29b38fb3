package dev.agentry.store;

import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import dev.agentry.core.WebhookDelivery;
import dev.agentry.core.WebhookEndpoint;
import dev.agentry.core.WebhookEvent;
import dev.agentry.core.WebhookRepository;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Webhook endpoints, outbox and deliveries (V15). The outbox is written by triggers in the
 * transactions of the changes it reports; fan-out and claims run in transactions of their own, with
 * {@code SKIP LOCKED} on PostgreSQL so that nodes never take the same rows.
 */
final class SqlWebhooks implements WebhookRepository {
  private static final String ENDPOINT_COLUMNS =
      "id, workspace_id, url, types, description, consecutive_failures, disabled_at,"
          + " disabled_reason, created_at, updated_at";
  private static final RowMapper<WebhookEndpoint> ENDPOINT =
      rs ->
          new WebhookEndpoint(
              rs.getString(1),
              rs.getString(2),
              rs.getString(3),
              Arrays.asList(Json.read(rs.getString(4), String[].class)),
              rs.getString(5),
              rs.getInt(6),
              Rows.instant(rs, 7),
              rs.getString(8),
              Rows.instant(rs, 9),
              Rows.instant(rs, 10));

  private record OutboxRow(long seq, WebhookEvent event) {}

  private final Database db;

  SqlWebhooks(Database db) {
    this.db = db;
  }

  @Override
  public WebhookEndpoint create(WebhookEndpoint e, byte[] sealedSecret) {
    return db.write(
        null,
        tx -> {
          long count =
              tx.one(
                      "SELECT COUNT(*) FROM webhook_endpoints WHERE workspace_id = ?",
                      rs -> rs.getLong(1),
                      e.workspaceId())
                  .orElse(0L);
          if (count >= MAX_ENDPOINTS) {
            throw new StoreException.Conflict(
                "a workspace may register at most " + MAX_ENDPOINTS + " webhook endpoints");
          }
          tx.update(
              "INSERT INTO webhook_endpoints (id, workspace_id, url, types, description,"
                  + " sealed_secret, consecutive_failures, disabled_at, disabled_reason,"
                  + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              e.id(),
              e.workspaceId(),
              e.url(),
              Json.write(e.types()),
              e.description(),
              sealedSecret,
              e.consecutiveFailures(),
              Rows.micros(e.disabledAt()),
              e.disabledReason(),
              Rows.micros(e.createdAt()),
              Rows.micros(e.updatedAt()));
          return find(tx, e.id()).orElseThrow();
        });
  }

  @Override
  public Optional<WebhookEndpoint> find(String workspaceId, String id) {
    return db.read(
        tx ->
            tx.one(
                "SELECT "
                    + ENDPOINT_COLUMNS
                    + " FROM webhook_endpoints WHERE workspace_id = ?"
                    + " AND id = ?",
                ENDPOINT,
                workspaceId,
                id));
  }

  @Override
  public Optional<WebhookEndpoint> find(String id) {
    return db.read(tx -> find(tx, id));
  }

  @Override
  public List<WebhookEndpoint> list(String workspaceId) {
    return db.read(
        tx ->
            tx.query(
                "SELECT "
                    + ENDPOINT_COLUMNS
                    + " FROM webhook_endpoints WHERE workspace_id = ?"
                    + " ORDER BY created_at, id",
                ENDPOINT,
                workspaceId));
  }

  @Override
  public WebhookEndpoint update(String id, UnaryOperator<WebhookEndpoint> change) {
    return db.write(
        null,
        tx -> {
          WebhookEndpoint current =
              tx.one(
                      "SELECT "
                          + ENDPOINT_COLUMNS
                          + " FROM webhook_endpoints WHERE id = ?"
                          + tx.dialect().forUpdate(),
                      ENDPOINT,
                      id)
                  .orElseThrow(() -> new StoreException.NotFound("no webhook endpoint " + id));
          WebhookEndpoint next = change.apply(current);
          if (!id.equals(next.id()) || !current.workspaceId().equals(next.workspaceId())) {
            throw new IllegalArgumentException("an update cannot move a webhook endpoint");
          }
          write(tx, next);
          return find(tx, id).orElseThrow();
        });
  }

  @Override
  public boolean delete(String id) {
    return db.write(null, tx -> tx.update("DELETE FROM webhook_endpoints WHERE id = ?", id) > 0);
  }

  @Override
  public Optional<byte[]> sealedSecret(String id) {
    return db.read(
        tx ->
            tx.one(
                "SELECT sealed_secret FROM webhook_endpoints WHERE id = ?",
                rs -> rs.getBytes(1),
                id));
  }

  @Override
  public Map<String, byte[]> sealedSecrets() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    db.read(
            tx ->
                tx.query(
                    "SELECT id, sealed_secret FROM webhook_endpoints ORDER BY id",
                    rs -> Map.entry(rs.getString(1), rs.getBytes(2))))
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  @Override
  public void reseal(String id, byte[] sealedSecret) {
    int n =
        db.write(
            null,
            tx ->
                tx.update(
                    "UPDATE webhook_endpoints SET sealed_secret = ? WHERE id = ?",
                    sealedSecret,
                    id));
    if (n == 0) {
      throw new StoreException.NotFound("no webhook endpoint " + id);
    }
  }

  @Override
  public void publish(WebhookEvent event) {
    db.write(
        null,
        tx -> {
          if (tx.exists("SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL LIMIT 1")) {
            tx.update(
                "INSERT INTO webhook_outbox (type, resource_id, workspace_id, related_id,"
                    + " created_at) VALUES (?, ?, ?, ?, ?)",
                event.type(),
                event.resourceId(),
                event.workspaceId(),
                event.relatedId(),
                Rows.micros(event.createdAt()));
          }
          return null;
        });
  }

  @Override
  public boolean anythingToDeliver() {
    return db.read(
        tx ->
            tx.exists(
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)"
                    + " OR EXISTS (SELECT 1 FROM webhook_outbox)"));
  }

  @Override
  public int fanOut(int max, Instant now, Renderer render) {
    long nowMicros = Timestamps.toMicros(now);
    // A read first, so that an idle poll never queues behind the writers.
    if (!db.read(tx -> tx.exists("SELECT 1 FROM webhook_outbox LIMIT 1"))) {
      return 0;
    }
    return db.transact(
        tx -> {
          List<OutboxRow> rows =
              tx.query(
                  "SELECT seq, type, resource_id, workspace_id, related_id, created_at"
                      + " FROM webhook_outbox ORDER BY seq LIMIT ?"
                      + tx.dialect().skipLocked(),
                  rs ->
                      new OutboxRow(
                          rs.getLong(1),
                          new WebhookEvent(
                              rs.getString(2),
                              rs.getString(3),
                              rs.getString(4),
                              rs.getString(5),
                              Rows.instant(rs, 6))),
                  max);
          for (OutboxRow row : rows) {
            List<WebhookEndpoint> endpoints =
                tx.query(
                    "SELECT "
                        + ENDPOINT_COLUMNS
                        + " FROM webhook_endpoints"
                        + " WHERE workspace_id = ? AND disabled_at IS NULL",
                    ENDPOINT,
                    row.event().workspaceId());
            String eventId = null;
            String payload = null;
            for (WebhookEndpoint endpoint : endpoints) {
              if (!endpoint.wants(row.event().type())) {
                continue;
              }
              if (eventId == null) {
                eventId = Ids.next(IdKind.WEBHOOK_EVENT);
                payload = render.render(eventId, row.event());
              }
              tx.update(
                  "INSERT INTO webhook_deliveries (event_id, endpoint_id, payload, attempts,"
                      + " next_attempt_at) VALUES (?, ?, ?, 0, ?)",
                  eventId,
                  endpoint.id(),
                  payload,
                  nowMicros);
            }
            tx.update("DELETE FROM webhook_outbox WHERE seq = ?", row.seq());
          }
          return rows.size();
        });
  }

  @Override
  public List<WebhookDelivery> claim(int max, Instant now, Duration hold) {
    long nowMicros = Timestamps.toMicros(now);
    long until = Timestamps.toMicros(now.plus(hold));
    if (!db.read(
        tx ->
            tx.exists(
                "SELECT 1 FROM webhook_deliveries WHERE next_attempt_at <= ? LIMIT 1",
                nowMicros))) {
      return List.of();
    }
    return db.transact(
        tx -> {
          List<WebhookDelivery> due =
              tx.query(
                  "SELECT d.event_id, d.endpoint_id, d.payload, d.attempts"
                      + " FROM webhook_deliveries d"
                      + " WHERE d.next_attempt_at <= ? AND EXISTS (SELECT 1 FROM"
                      + " webhook_endpoints e WHERE e.id = d.endpoint_id AND e.disabled_at IS NULL)"
                      + " ORDER BY d.next_attempt_at LIMIT ?"
                      + tx.dialect().skipLocked(),
                  rs ->
                      new WebhookDelivery(
                          rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4)),
                  nowMicros,
                  max);
          List<WebhookDelivery> claimed = new ArrayList<>();
          for (WebhookDelivery d : due) {
            tx.update(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?"
                    + " WHERE event_id = ? AND endpoint_id = ?",
                until,
                d.eventId(),
                d.endpointId());
            claimed.add(
                new WebhookDelivery(d.eventId(), d.endpointId(), d.payload(), d.attempts() + 1));
          }
          return claimed;
        });
  }

  @Override
  public void succeeded(WebhookDelivery d) {
    db.write(
        null,
        tx -> {
          tx.update(
              "DELETE FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?",
              d.eventId(),
              d.endpointId());
          tx.update(
              "UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = ?", d.endpointId());
          return null;
        });
  }

  @Override
  public Optional<WebhookEndpoint> failed(
      WebhookDelivery d, String error, Instant retryAt, Instant now) {
    return db.write(
        null,
        tx -> {
          if (retryAt == null) {
            tx.update(
                "DELETE FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?",
                d.eventId(),
                d.endpointId());
          } else {
            tx.update(
                "UPDATE webhook_deliveries SET next_attempt_at = ?, last_error = ?"
                    + " WHERE event_id = ? AND endpoint_id = ?",
                Timestamps.toMicros(retryAt),
                error,
                d.eventId(),
                d.endpointId());
          }
          tx.update(
              "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1"
                  + " WHERE id = ?",
              d.endpointId());
          tx.update(
              "UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason ="
                  + " 'consecutive_failures', updated_at = ? WHERE id = ? AND disabled_at IS NULL"
                  + " AND consecutive_failures >= ?",
              Rows.micros(now),
              Rows.micros(now),
              d.endpointId(),
              WebhookEndpoint.MAX_CONSECUTIVE_FAILURES);
          return find(tx, d.endpointId());
        });
  }

  @Override
  public void disable(String id, String reason, Instant now) {
    db.write(
        null,
        tx ->
            tx.update(
                "UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ?,"
                    + " updated_at = ? WHERE id = ? AND disabled_at IS NULL",
                Rows.micros(now),
                reason,
                Rows.micros(now),
                id));
  }

  @Override
  public int pending(String id) {
    return db.read(
        tx ->
            tx.one(
                    "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ?",
                    rs -> rs.getInt(1),
                    id)
                .orElse(0));
  }

  private static Optional<WebhookEndpoint> find(Tx tx, String id) throws SQLException {
    return tx.one(
        "SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE id = ?", ENDPOINT, id);
  }

  private static void write(Tx tx, WebhookEndpoint e) throws SQLException {
    tx.update(
        "UPDATE webhook_endpoints SET url = ?, types = ?, description = ?,"
            + " consecutive_failures = ?, disabled_at = ?, disabled_reason = ?, updated_at = ?"
            + " WHERE id = ?",
        e.url(),
        Json.write(e.types()),
        e.description(),
        e.consecutiveFailures(),
        Rows.micros(e.disabledAt()),
        e.disabledReason(),
        Rows.micros(e.updatedAt()),
        e.id());
  }
}
