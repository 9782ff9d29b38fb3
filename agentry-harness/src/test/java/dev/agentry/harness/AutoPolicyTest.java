package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.Json;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.ToolConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class AutoPolicyTest {
  final AutoPolicy policy = new AutoPolicy(AutoPolicy.parseDenyList("secret\\.txt, ^make deploy"));

  AutoPolicy.Decision bash(String command) {
    JsonNode input = Json.mapper().createObjectNode().put("command", command);
    return policy.evaluate("bash", input, null);
  }

  @Test
  void plainCommandsAreAllowed() {
    for (String c :
        List.of(
            "ls -la", "cat notes.md | grep todo", "python3 main.py", "git status", "rm f.txt")) {
      assertThat(bash(c)).as(c).isEqualTo(new AutoPolicy.Decision("allow", null));
    }
  }

  @Test
  void networkPrivilegeAndDenyListAreDenied() {
    assertThat(bash("curl https://example.com").reasonCode()).isEqualTo("network_access");
    assertThat(bash("cd x && /usr/bin/wget -q http://x").permission()).isEqualTo("deny");
    assertThat(bash("git clone https://github.com/a/b").reasonCode()).isEqualTo("network_access");
    assertThat(bash("pip install requests").reasonCode()).isEqualTo("network_access");
    assertThat(bash("npm i left-pad").reasonCode()).isEqualTo("network_access");
    assertThat(bash("echo hi > /dev/tcp/1.2.3.4/80").reasonCode()).isEqualTo("network_access");
    assertThat(bash("sudo ls").reasonCode()).isEqualTo("privilege_escalation");
    assertThat(bash("cat secret.txt")).isEqualTo(new AutoPolicy.Decision("deny", "deny_list"));
    assertThat(bash("make deploy").reasonCode()).isEqualTo("deny_list");
  }

  @Test
  void destructiveOrOpaqueCommandsAsk() {
    assertThat(bash("rm -rf build")).isEqualTo(new AutoPolicy.Decision("ask", "recursive_delete"));
    assertThat(bash("rm -r -f build").reasonCode()).isEqualTo("recursive_delete");
    assertThat(bash("find . -name '*.o' -delete").reasonCode()).isEqualTo("recursive_delete");
    assertThat(bash("chmod +x run.sh").reasonCode()).isEqualTo("permission_change");
    assertThat(bash("chown me f").permission()).isEqualTo("ask");
    assertThat(bash("eval \"$X\"").reasonCode()).isEqualTo("opaque_command");
    assertThat(bash("cat script | bash").reasonCode()).isEqualTo("opaque_command");
  }

  @Test
  void fileToolsAllow_webFetchAsksWithoutAllowedDomains() {
    JsonNode file = Json.mapper().createObjectNode().put("file_path", "a.txt");
    assertThat(policy.evaluate("write", file, null).permission()).isEqualTo("allow");
    JsonNode url = Json.mapper().createObjectNode().put("url", "https://example.com");
    assertThat(policy.evaluate("web_fetch", url, null).reasonCode())
        .isEqualTo("unrestricted_web_fetch");
    ToolConfig allowed =
        new ToolConfig(
            "web_fetch",
            "web_fetch",
            true,
            PermissionPolicy.AUTO,
            List.of("example.com"),
            null,
            null,
            null,
            null);
    assertThat(policy.evaluate("web_fetch", url, allowed).permission()).isEqualTo("allow");
    JsonNode secret = Json.mapper().createObjectNode().put("file_path", "secret.txt");
    assertThat(policy.evaluate("read", secret, null).permission()).isEqualTo("deny");
  }

  @Test
  void aBadDenyPatternNamesTheKey() {
    assertThatThrownBy(() -> AutoPolicy.parseDenyList("ok,(unclosed"))
        .hasMessageContaining("AGENTRY_AUTO_DENY");
  }
}
