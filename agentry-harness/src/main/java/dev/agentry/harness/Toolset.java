package dev.agentry.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.AgentSpec;
import dev.agentry.core.Json;
import dev.agentry.core.ToolConfig;
import dev.agentry.core.ToolDefinition;
import dev.agentry.core.ToolObserver;
import dev.agentry.core.ToolSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The tools an agent offers the model, and which of them the client (not we) executes. */
record Toolset(List<ToolDefinition> definitions, Set<String> custom) {

  /**
   * The input schemas of {@code agent_toolset_20260401}; the web tools run in the runtime ({@link
   * RuntimeTools}).
   */
  private static final Map<String, String[]> BUILT_IN =
      Map.of(
          "bash",
          new String[] {
            "Run a shell command in the session's sandbox; the shell keeps its state between calls.",
            "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"},"
                + "\"restart\":{\"type\":\"boolean\"},\"timeout_ms\":{\"type\":\"integer\"}},"
                + "\"required\":[\"command\"]}"
          },
          "read",
          new String[] {
            "Read a file, optionally a range of lines [first, last].",
            "{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\"},"
                + "\"view_range\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}},"
                + "\"required\":[\"file_path\"]}"
          },
          "write",
          new String[] {
            "Create or overwrite a file.",
            "{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\"},"
                + "\"content\":{\"type\":\"string\"}},\"required\":[\"file_path\",\"content\"]}"
          },
          "edit",
          new String[] {
            "Replace old_string with new_string in a file (once, or everywhere with replace_all).",
            "{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\"},"
                + "\"old_string\":{\"type\":\"string\"},\"new_string\":{\"type\":\"string\"},"
                + "\"replace_all\":{\"type\":\"boolean\"}},"
                + "\"required\":[\"file_path\",\"old_string\",\"new_string\"]}"
          },
          "glob",
          new String[] {
            "List files matching a glob pattern.",
            "{\"type\":\"object\",\"properties\":{\"pattern\":{\"type\":\"string\"},"
                + "\"path\":{\"type\":\"string\"}},\"required\":[\"pattern\"]}"
          },
          "grep",
          new String[] {
            "Search file contents for a regular expression.",
            "{\"type\":\"object\",\"properties\":{\"pattern\":{\"type\":\"string\"},"
                + "\"path\":{\"type\":\"string\"}},\"required\":[\"pattern\"]}"
          },
          "web_fetch",
          new String[] {
            "Fetch an http(s) URL and return its content as readable text.",
            "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\"}},"
                + "\"required\":[\"url\"]}"
          },
          "web_search",
          new String[] {
            "Search the web; returns titles, URLs and snippets.",
            "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},"
                + "\"required\":[\"query\"]}"
          });

  /**
   * A tool name as reported to the {@link ToolObserver}: a built-in tool's own name, else {@link
   * ToolObserver#OTHER} (the model may call any name; a metric label must stay bounded).
   */
  static String observedName(String name) {
    return BUILT_IN.containsKey(name) ? name : ToolObserver.OTHER;
  }

  /** The built-in definitions, their schemas parsed once (a step builds its toolset thrice). */
  private static final Map<String, ToolDefinition> DEFINITIONS = builtInDefinitions();

  private static Map<String, ToolDefinition> builtInDefinitions() {
    Map<String, ToolDefinition> defs = new java.util.HashMap<>();
    BUILT_IN.forEach((name, d) -> defs.put(name, new ToolDefinition(name, d[0], schema(d[1]))));
    return Map.copyOf(defs);
  }

  /** Whether the model is offered a tool that runs in the session's sandbox. */
  boolean usesSandbox() {
    return definitions.stream()
        .map(ToolDefinition::name)
        .anyMatch(n -> BUILT_IN.containsKey(n) && !RuntimeTools.runs(n) && !custom.contains(n));
  }

  static Toolset of(AgentSpec spec) {
    List<ToolDefinition> defs = new ArrayList<>();
    Set<String> custom = new HashSet<>();
    for (ToolSpec tool : spec.tools()) {
      switch (tool) {
        case ToolSpec.AgentToolset set -> {
          for (ToolConfig c : set.configs()) {
            ToolDefinition builtIn = DEFINITIONS.get(c.name());
            if (c.enabled() && builtIn != null) {
              defs.add(builtIn);
            }
          }
        }
        case ToolSpec.CustomTool c -> {
          defs.add(new ToolDefinition(c.name(), c.description(), c.inputSchema()));
          custom.add(c.name());
        }
        // MCP tools need the MCP client, which is not built yet.
        case ToolSpec.McpToolset m -> {}
      }
    }
    return new Toolset(List.copyOf(defs), Set.copyOf(custom));
  }

  private static JsonNode schema(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("built-in schema", e);
    }
  }
}
