package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Credential;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.Redactor;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SecretBox;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Store;
import dev.agentry.core.Timestamps;
import dev.agentry.sandbox.EgressCredential;
import dev.agentry.sandbox.EgressPolicy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code environment_variable} credentials of a session's vaults (vaults and credentials not
 * archived), opened with the {@link SecretBox} and handed to the session's sandbox as {@link
 * EgressCredential}s: the sandbox sees placeholders, the egress proxy substitutes the secrets.
 */
final class EgressCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(EgressCredentials.class);
  private static final int PAGE = 100;

  private EgressCredentials() {}

  /** {@code policy} with the session's credentials (none when the policy lets nothing out). */
  static EgressPolicy attach(
      EgressPolicy policy, Store store, SecretBox box, Redactor redactor, String sessionId) {
    if (policy.deniesAll()) {
      return policy;
    }
    List<EgressCredential> creds = of(store, box, redactor, sessionId);
    return creds.isEmpty() ? policy : policy.withCredentials(creds);
  }

  static List<EgressCredential> of(
      Store store, SecretBox box, Redactor redactor, String sessionId) {
    List<EgressCredential> out = new ArrayList<>();
    List<String> vaultIds =
        store.sessions().find(sessionId).map(s -> s.vaultIds()).orElse(List.of());
    Set<String> names = new LinkedHashSet<>();
    for (String vaultId : vaultIds) {
      if (store.vaults().find(vaultId).map(v -> v.archivedAt() != null).orElse(true)) {
        continue;
      }
      for (Credential c : credentials(store, vaultId)) {
        if (c.archivedAt() != null || !c.authType().equals("environment_variable")) {
          continue;
        }
        JsonNode auth = c.publicAuth();
        String name = auth.path("secret_name").asText();
        if (!names.add(name)) {
          LOG.warn(
              "session {}: credential {} repeats {}; the first vault's value is used",
              sessionId,
              c.id(),
              name);
          continue;
        }
        try {
          JsonNode secrets = Json.mapper().readTree(box.open(c.sealedSecrets(), c.id()));
          String value = secrets.path("secret_value").asText(null);
          if (value == null || value.isEmpty()) {
            continue;
          }
          JsonNode net = auth.path("networking");
          boolean any = !"limited".equals(net.path("type").asText("unrestricted"));
          List<String> hosts = new ArrayList<>();
          net.path("allowed_hosts").forEach(h -> hosts.add(h.asText()));
          JsonNode loc = auth.path("injection_location");
          out.add(
              EgressCredential.of(
                  name,
                  value,
                  any,
                  hosts,
                  loc.path("header").asBoolean(true),
                  loc.path("body").asBoolean(false),
                  redactor));
        } catch (IllegalArgumentException | java.io.IOException e) {
          LOG.warn(
              "session {}: credential {} cannot be opened: {}", sessionId, c.id(), e.getMessage());
        }
      }
    }
    return out;
  }

  private static List<Credential> credentials(Store store, String vaultId) {
    List<Credential> out = new ArrayList<>();
    PageRequest request = PageRequest.first(PAGE, SortOrder.DESC);
    while (true) {
      Page<Credential> page =
          store.vaults().listCredentials(vaultId, ResourceFilter.ACTIVE, request);
      out.addAll(page.items());
      if (!page.moreAfter() || page.items().isEmpty()) {
        return out;
      }
      Credential last = page.items().getLast();
      request =
          new PageRequest(
              PAGE,
              SortOrder.DESC,
              new PageKey(Timestamps.toMicros(last.createdAt()), last.id()),
              false);
    }
  }
}
