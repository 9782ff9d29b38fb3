package dev.agentry.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The resolved configuration of one tool of a toolset. The web tools' extra settings are null for
 * the other tools and then left out of the JSON.
 */
public record ToolConfig(
    String name,
    String type,
    boolean enabled,
    PermissionPolicy permissionPolicy,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<String> allowedDomains,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<String> blockedDomains,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxContentTokens,
    @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode urlSources,
    @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode userLocation) {

  public static ToolConfig simple(String name, boolean enabled, PermissionPolicy policy) {
    return new ToolConfig(name, name, enabled, policy, null, null, null, null, null);
  }
}
