package dev.agentry.server;

import dev.agentry.core.Credential;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.PageRequest;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SecretBox;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Store;
import dev.agentry.core.TimeRange;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Vault;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Walks every credential of every vault, archived ones included. */
final class Credentials {
  private static final Logger LOG = LoggerFactory.getLogger(Credentials.class);
  private static final ResourceFilter ALL = new ResourceFilter(true, TimeRange.ALL);
  private static final int PAGE = 100;

  private Credentials() {}

  static List<Credential> all(Store store) {
    List<Credential> out = new ArrayList<>();
    for (Vault v : pages((f, p) -> store.vaults().list(f, p), Vault::createdAt, Vault::id)) {
      out.addAll(
          pages(
              (f, p) -> store.vaults().listCredentials(v.id(), f, p),
              Credential::createdAt,
              Credential::id));
    }
    return out;
  }

  /**
   * Opens every credential once so that its secrets are registered with the redactor (the box does
   * that) before any session runs; returns how many did not open.
   */
  static int registerSecrets(Store store, SecretBox box) {
    int failed = 0;
    for (Credential c : all(store)) {
      try {
        box.open(c.sealedSecrets(), c.id());
      } catch (IllegalArgumentException e) {
        failed++;
        LOG.warn("credential {} does not open with the current master key", c.id());
      }
    }
    return failed;
  }

  private static <T> List<T> pages(
      BiFunction<ResourceFilter, PageRequest, Page<T>> list,
      Function<T, java.time.Instant> created,
      Function<T, String> id) {
    List<T> out = new ArrayList<>();
    PageRequest request = PageRequest.first(PAGE, SortOrder.DESC);
    while (true) {
      Page<T> page = list.apply(ALL, request);
      out.addAll(page.items());
      if (!page.moreAfter() || page.items().isEmpty()) {
        return out;
      }
      T last = page.items().getLast();
      request =
          new PageRequest(
              PAGE,
              SortOrder.DESC,
              new PageKey(Timestamps.toMicros(created.apply(last)), id.apply(last)),
              false);
    }
  }
}
