package dev.agentry.harness;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An event a client sends to a session, as the API parsed it: its type, the payload to store (the
 * known fields only), and whether it is processed on receipt (a tool result or an outcome is; a
 * message waits for the agent loop).
 */
public record UserEvent(String type, ObjectNode payload, boolean processedOnReceipt) {
  public static final String MESSAGE = "user.message";
  public static final String INTERRUPT = "user.interrupt";
  public static final String TOOL_CONFIRMATION = "user.tool_confirmation";
  public static final String CUSTOM_TOOL_RESULT = "user.custom_tool_result";
  public static final String TOOL_RESULT = "user.tool_result";
  public static final String DEFINE_OUTCOME = "user.define_outcome";
  public static final String SYSTEM_MESSAGE = "system.message";
}
