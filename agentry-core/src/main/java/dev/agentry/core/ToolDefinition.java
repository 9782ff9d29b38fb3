package dev.agentry.core;

import com.fasterxml.jackson.databind.JsonNode;

/** A tool offered to the model: its name, what it does, and the JSON schema of its input. */
public record ToolDefinition(String name, String description, JsonNode inputSchema) {}
