package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentry.core.AgentSpec;
import dev.agentry.core.DefaultToolConfig;
import dev.agentry.core.ModelConfig;
import dev.agentry.core.PermissionPolicy;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolsetTest {
  @Test
  void anyEnabledSandboxTool_usesTheSandbox() {
    assertThat(Toolset.of(spec(toolset("bash"))).usesSandbox()).isTrue();
    assertThat(Toolset.of(spec(toolset("read"))).usesSandbox()).isTrue();
  }

  @Test
  void webToolsDisabledToolsAndCustomTools_doNotUseTheSandbox() {
    assertThat(Toolset.of(spec(toolset("web_fetch", "web_search"))).usesSandbox()).isFalse();
    assertThat(
            Toolset.of(
                    spec(
                        new ToolSpec.AgentToolset(
                            DefaultToolConfig.ALLOW_ALL,
                            List.of(
                                ToolConfig.simple("bash", false, PermissionPolicy.ALWAYS_ALLOW)))))
                .usesSandbox())
        .isFalse();
    assertThat(
            Toolset.of(
                    spec(
                        new ToolSpec.CustomTool(
                            "bash", "the client's own", FakeModel.json("{\"type\":\"object\"}"))))
                .usesSandbox())
        .isFalse();
  }

  @Test
  void theBuiltInSchemas_areParsedOnce_andSharedByEveryToolset() {
    assertThat(Toolset.of(spec(toolset("bash"))).definitions().getFirst().inputSchema())
        .isSameAs(Toolset.of(spec(toolset("bash"))).definitions().getFirst().inputSchema());
  }

  private static ToolSpec toolset(String... enabled) {
    return new ToolSpec.AgentToolset(
        DefaultToolConfig.ALLOW_ALL,
        java.util.Arrays.stream(enabled)
            .map(n -> ToolConfig.simple(n, true, PermissionPolicy.ALWAYS_ALLOW))
            .toList());
  }

  private static AgentSpec spec(ToolSpec tool) {
    return new AgentSpec(
        "tester",
        "",
        "You are a test.",
        new ModelConfig("claude-test", null, null, null),
        List.of(tool),
        List.of(),
        List.of(),
        Map.of(),
        null,
        null);
  }
}
