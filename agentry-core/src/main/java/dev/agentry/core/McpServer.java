package dev.agentry.core;

/** An MCP server the agent may use, named so that an {@code mcp_toolset} can refer to it. */
public record McpServer(String type, String name, String url) {}
