package dev.agentry.webhooks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * One signed POST. Redirects are not followed: a 3xx is a failed attempt, like any answer but a
 * 2xx. The error recorded for a failure names the status or the kind of I/O failure, never the URL
 * (which may carry a token) or the secret.
 */
final class WebhookSender {
  /** What one attempt came to: a 2xx, or why not. */
  record Outcome(boolean success, Integer status, String error) {
    static Outcome status(int status) {
      boolean ok = status >= 200 && status < 300;
      return new Outcome(ok, status, ok ? null : "HTTP " + status);
    }

    static Outcome error(String error) {
      return new Outcome(false, null, error);
    }
  }

  private final HttpClient http;
  private final Duration timeout;

  WebhookSender(Duration timeout) {
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(timeout)
            .build();
  }

  Outcome send(URI url, String secret, String eventId, long timestampSeconds, String payload) {
    String signature;
    try {
      signature = new Webhook(secret).sign(eventId, timestampSeconds, payload);
    } catch (EmptyWebhookSecretException | WebhookSigningException | RuntimeException e) {
      return Outcome.error("signing failed");
    }
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("user-agent", "Agentry-Webhooks/1")
            .header("webhook-id", eventId)
            .header("webhook-timestamp", Long.toString(timestampSeconds))
            .header("webhook-signature", signature)
            .POST(HttpRequest.BodyPublishers.ofString(payload))
            .build();
    try {
      // The answer's body is not read: closing it at once bounds an attempt by the timeouts,
      // however slowly a receiver would send one.
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      response.body().close();
      return Outcome.status(response.statusCode());
    } catch (HttpTimeoutException e) {
      return Outcome.error("timed out");
    } catch (IOException e) {
      return Outcome.error("connection failed (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Outcome.error("interrupted");
    }
  }
}
