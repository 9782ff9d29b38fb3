package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import java.time.Instant;
import java.util.List;

/**
 * Splits a credential's {@code auth} into the part the API may show and the secrets that are sealed
 * and never shown again ({@code token}, {@code access_token}, {@code refresh_token}, {@code
 * client_secret}, {@code secret_value}).
 */
final class CredentialParser {
  static final List<String> TYPES = List.of("static_bearer", "mcp_oauth", "environment_variable");

  /** {@code publicAuth} is safe to return; {@code secrets} must be sealed. */
  record Split(ObjectNode publicAuth, ObjectNode secrets) {}

  private CredentialParser() {}

  static Split create(JsonNode body) {
    if (Fields.isNullOrAbsent(body, "auth")) {
      throw ApiError.invalid("auth: is required");
    }
    JsonNode auth = body.get("auth");
    String type = Fields.type(auth, "auth", TYPES);
    ObjectNode pub = Json.mapper().createObjectNode().put("type", type);
    ObjectNode secrets = Json.mapper().createObjectNode();
    switch (type) {
      case "static_bearer" -> {
        pub.put("mcp_server_url", url(auth, "auth", "mcp_server_url"));
        secrets.put("token", Fields.requiredString(auth, "auth", "token", 1, 16_384));
      }
      case "mcp_oauth" -> {
        pub.put("mcp_server_url", url(auth, "auth", "mcp_server_url"));
        secrets.put("access_token", Fields.requiredString(auth, "auth", "access_token", 1, 16_384));
        pub.put("expires_at", expiresAt(auth));
        if (!Fields.isNullOrAbsent(auth, "refresh")) {
          refresh(auth.get("refresh"), pub.putObject("refresh"), secrets, true);
        }
      }
      default -> {
        String name = Fields.requiredString(auth, "auth", "secret_name", 1, 256);
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw ApiError.invalid("auth.secret_name: must be an environment variable name");
        }
        pub.put("secret_name", name);
        secrets.put("secret_value", Fields.requiredString(auth, "auth", "secret_value", 1, 65_536));
        pub.set("networking", credentialNetworking(auth));
        if (!Fields.isNullOrAbsent(auth, "injection_location")) {
          JsonNode loc = Fields.object(auth.get("injection_location"), "auth.injection_location");
          pub.putObject("injection_location")
              .put("header", Fields.optionalBoolean(loc, "auth.injection_location", "header", true))
              .put("body", Fields.optionalBoolean(loc, "auth.injection_location", "body", false));
        }
      }
    }
    return new Split(pub, secrets);
  }

  /**
   * Applies an update's {@code auth} to the current parts. The type, {@code mcp_server_url}, {@code
   * client_id} and {@code secret_name} cannot change; secrets given replace the sealed ones.
   */
  static Split update(JsonNode auth, ObjectNode currentPublic, ObjectNode currentSecrets) {
    String type = Fields.type(auth, "auth", TYPES);
    if (!type.equals(currentPublic.path("type").asText())) {
      throw ApiError.invalid(
          "auth.type: cannot change (was " + currentPublic.path("type").asText() + ")");
    }
    ObjectNode pub = currentPublic.deepCopy();
    ObjectNode secrets = currentSecrets.deepCopy();
    immutable(auth, pub, "mcp_server_url");
    immutable(auth, pub, "secret_name");
    switch (type) {
      case "static_bearer" -> replaceSecret(auth, "auth", "token", secrets);
      case "mcp_oauth" -> {
        replaceSecret(auth, "auth", "access_token", secrets);
        if (auth.has("expires_at")) {
          pub.put("expires_at", expiresAt(auth));
        }
        if (!Fields.isNullOrAbsent(auth, "refresh")) {
          JsonNode refresh = Fields.object(auth.get("refresh"), "auth.refresh");
          ObjectNode current = pub.has("refresh") ? (ObjectNode) pub.get("refresh") : null;
          if (current != null
              && refresh.has("client_id")
              && !refresh.get("client_id").asText().equals(current.path("client_id").asText())) {
            throw ApiError.invalid("auth.refresh.client_id: cannot change");
          }
          refresh(refresh, pub.putObject("refresh"), secrets, current == null);
          if (current != null) {
            ObjectNode merged = current.deepCopy();
            merged.setAll((ObjectNode) pub.get("refresh"));
            pub.set("refresh", merged);
          }
        }
      }
      default -> {
        replaceSecret(auth, "auth", "secret_value", secrets);
        if (auth.has("networking")) {
          pub.set("networking", credentialNetworking(auth));
        }
      }
    }
    return new Split(pub, secrets);
  }

  private static void immutable(JsonNode auth, ObjectNode pub, String field) {
    if (auth.has(field) && !auth.get(field).asText().equals(pub.path(field).asText())) {
      throw ApiError.invalid("auth." + field + ": cannot change");
    }
  }

  private static void replaceSecret(JsonNode auth, String path, String field, ObjectNode secrets) {
    String v = Fields.optionalString(auth, path, field, 1, 65_536);
    if (v != null) {
      secrets.put(field, v);
    }
  }

  private static void refresh(JsonNode node, ObjectNode pub, ObjectNode secrets, boolean creating) {
    String p = "auth.refresh";
    Fields.object(node, p);
    if (creating || node.has("refresh_token")) {
      secrets.put("refresh_token", Fields.requiredString(node, p, "refresh_token", 1, 16_384));
    }
    if (creating || node.has("client_id")) {
      pub.put("client_id", Fields.requiredString(node, p, "client_id", 1, 1024));
    }
    if (creating || node.has("token_endpoint")) {
      pub.put("token_endpoint", url(node, p, "token_endpoint"));
    }
    String scope = Fields.optionalString(node, p, "scope", 0, 4096);
    if (scope != null) {
      pub.put("scope", scope);
    }
    String resource = Fields.optionalString(node, p, "resource", 0, 4096);
    if (resource != null) {
      pub.put("resource", resource);
    }
    if (!Fields.isNullOrAbsent(node, "token_endpoint_auth")) {
      String ap = p + ".token_endpoint_auth";
      JsonNode a = node.get("token_endpoint_auth");
      String type =
          Fields.type(a, ap, List.of("none", "client_secret_basic", "client_secret_post"));
      pub.putObject("token_endpoint_auth").put("type", type);
      if (!type.equals("none")) {
        secrets.put("client_secret", Fields.requiredString(a, ap, "client_secret", 1, 4096));
      } else {
        secrets.remove("client_secret");
      }
    } else if (creating) {
      pub.putObject("token_endpoint_auth").put("type", "none");
    }
  }

  private static JsonNode credentialNetworking(JsonNode auth) {
    if (Fields.isNullOrAbsent(auth, "networking")) {
      throw ApiError.invalid("auth.networking: is required");
    }
    String p = "auth.networking";
    JsonNode n = auth.get("networking");
    ObjectNode out = Json.mapper().createObjectNode();
    if (Fields.type(n, p, List.of("unrestricted", "limited")).equals("unrestricted")) {
      return out.put("type", "unrestricted");
    }
    out.put("type", "limited");
    List<String> hosts = Fields.stringArray(n, p, "allowed_hosts", 16, 260);
    if (hosts.isEmpty()) {
      throw ApiError.invalid(p + ".allowed_hosts: must name at least one host");
    }
    hosts.forEach(out.putArray("allowed_hosts")::add);
    return out;
  }

  private static String url(JsonNode node, String path, String field) {
    String url = Fields.requiredString(node, path, field, 1, 2048);
    if (!url.startsWith("https://") && !url.startsWith("http://")) {
      throw ApiError.invalid(path + "." + field + ": must be an http or https URL");
    }
    return url;
  }

  private static String expiresAt(JsonNode auth) {
    String v = Fields.optionalString(auth, "auth", "expires_at", 1, 64);
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v).toString();
    } catch (java.time.format.DateTimeParseException e) {
      throw ApiError.invalid("auth.expires_at: must be an RFC 3339 timestamp");
    }
  }
}
