package dev.agentry.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.InternalAddresses;
import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

class WebhookTargetsTest {
  @Test
  void onlyAbsoluteHttpUrls_areAccepted() {
    assertThat(WebhookTargets.parse("https://hooks.example.com/x?y=1").getHost())
        .isEqualTo("hooks.example.com");
    for (String bad :
        new String[] {
          "ftp://example.com/",
          "file:///etc/passwd",
          "example.com/hook",
          "https:///x",
          "https://u:p@example.com/",
          "not a url",
          "javascript:alert(1)"
        }) {
      assertThatThrownBy(() -> WebhookTargets.parse(bad))
          .as(bad)
          .isInstanceOf(WebhookTargets.InvalidUrl.class);
    }
  }

  @Test
  void internalAddresses_areRecognised() throws Exception {
    for (String internal :
        new String[] {
          "127.0.0.1",
          "10.1.2.3",
          "172.16.0.1",
          "192.168.1.1",
          "169.254.169.254",
          "0.0.0.0",
          "100.64.0.1",
          "::1",
          "fe80::1",
          "fd00::1",
          "::ffff:10.0.0.1"
        }) {
      assertThat(InternalAddresses.isInternal(InetAddress.getByName(internal)))
          .as(internal)
          .isTrue();
    }
    for (String external : new String[] {"8.8.8.8", "1.1.1.1", "2606:4700::1111"}) {
      assertThat(InternalAddresses.isInternal(InetAddress.getByName(external)))
          .as(external)
          .isFalse();
    }
  }

  @Test
  void aLoopbackHost_isRefused_unlessPrivateTargetsAreAllowed() {
    URI loopback = WebhookTargets.parse("http://localhost:9/hook");
    assertThatThrownBy(() -> WebhookTargets.check(loopback, false))
        .isInstanceOf(WebhookTargets.PrivateAddress.class)
        .hasMessageContaining("AGENTRY_WEBHOOK_ALLOW_PRIVATE");
    WebhookTargets.check(loopback, true);
  }
}
