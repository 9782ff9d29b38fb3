package dev.agentry.harness;

/**
 * How an MCP server's tool is named to the model: {@code <server>__<tool>}. Built-in and custom
 * tool names cannot contain a double underscore in a way that collides, since MCP server names are
 * unique per agent and the built-in names have none; characters the model API refuses become {@code
 * _}, and the name is cut to the API's 128 characters.
 */
final class McpNames {
  static final String SEPARATOR = "__";
  private static final int MAX = 128;

  private McpNames() {}

  static String exposed(String server, String tool) {
    String raw = clean(server) + SEPARATOR + clean(tool);
    return raw.length() <= MAX ? raw : raw.substring(0, MAX);
  }

  private static String clean(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      sb.append(ok ? c : '_');
    }
    return sb.toString();
  }
}
