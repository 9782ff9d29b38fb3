package dev.agentry.core;

/** How a tool call is authorised: {@code always_allow}, {@code always_ask} or {@code auto}. */
public record PermissionPolicy(String type) {
  public static final PermissionPolicy ALWAYS_ALLOW = new PermissionPolicy("always_allow");
  public static final PermissionPolicy ALWAYS_ASK = new PermissionPolicy("always_ask");
  public static final PermissionPolicy AUTO = new PermissionPolicy("auto");

  public static boolean isKnown(String type) {
    return "always_allow".equals(type) || "always_ask".equals(type) || "auto".equals(type);
  }
}
