package dev.agentry.core;

/** The settings a toolset applies to every tool that has no entry of its own. */
public record DefaultToolConfig(boolean enabled, PermissionPolicy permissionPolicy) {
  public static final DefaultToolConfig ALLOW_ALL =
      new DefaultToolConfig(true, PermissionPolicy.ALWAYS_ALLOW);
}
