package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Credential;
import dev.agentry.core.IdKind;
import dev.agentry.core.Ids;
import dev.agentry.core.Json;
import dev.agentry.core.PageKey;
import dev.agentry.core.ResourceFilter;
import dev.agentry.core.SecretBox;
import dev.agentry.core.SortOrder;
import dev.agentry.core.Timestamps;
import dev.agentry.core.Vault;
import dev.agentry.harness.McpOAuthValidation;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;

/**
 * {@code /v1/vaults} and their credentials. Secrets are sealed with the master key before they
 * reach the store and are never returned.
 */
final class VaultRoutes implements Api.Routes {
  private final Api api;
  private final SecretBox box;
  private final McpOAuthValidation validation;

  VaultRoutes(Api api, SecretBox box) {
    this.api = api;
    this.box = box;
    this.validation = McpOAuthValidation.create(api.store().vaults(), box, api.clock());
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/vaults", this::create)
        .get("/v1/vaults", this::list)
        .get("/v1/vaults/{id}", this::retrieve)
        .post("/v1/vaults/{id}", this::update)
        .post("/v1/vaults/{id}/archive", this::archive)
        .delete("/v1/vaults/{id}", this::delete)
        .post("/v1/vaults/{id}/credentials", this::createCredential)
        .get("/v1/vaults/{id}/credentials", this::listCredentials)
        .get("/v1/vaults/{id}/credentials/{cid}", this::retrieveCredential)
        .post("/v1/vaults/{id}/credentials/{cid}", this::updateCredential)
        .post("/v1/vaults/{id}/credentials/{cid}/archive", this::archiveCredential)
        .delete("/v1/vaults/{id}/credentials/{cid}", this::deleteCredential)
        .post("/v1/vaults/{id}/credentials/{cid}/mcp_oauth_validate", this::validateCredential);
  }

  private void create(ServerRequest req, ServerResponse res) {
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Instant now = api.now();
    Vault vault =
        new Vault(
            Ids.next(IdKind.VAULT),
            Fields.requiredString(body, "", "display_name", 1, 255),
            Fields.metadata(body, ""),
            now,
            now,
            null);
    Http.ok(res, Views.vault(api.store().vaults().create(Caller.workspace(req), vault)));
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "vaults", SortOrder.DESC, 20, 100, false);
    var filter = new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at"));
    var page = api.store().vaults().list(Caller.workspace(req), filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page, Views::vault, v -> new PageKey(Timestamps.toMicros(v.createdAt()), v.id())));
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, Views.vault(find(req, Api.param(req, "id"))));
  }

  private void update(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    Vault current = find(req, id);
    String name =
        body.has("display_name")
            ? Fields.requiredString(body, "", "display_name", 1, 255)
            : current.displayName();
    var metadata =
        Fields.isNullOrAbsent(body, "metadata")
            ? current.metadata()
            : Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", false);
    Instant now = api.now();
    Vault updated =
        api.store()
            .vaults()
            .update(id, v -> new Vault(v.id(), name, metadata, v.createdAt(), now, v.archivedAt()));
    Http.ok(res, Views.vault(updated));
  }

  private void archive(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(req, id);
    Http.ok(res, Views.vault(api.store().vaults().archive(id, api.now())));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    find(req, id);
    if (!api.store().vaults().delete(id)) {
      throw ApiError.notFound("vault " + id + " not found");
    }
    Http.ok(res, Views.deleted(id, "vault_deleted"));
  }

  private void createCredential(ServerRequest req, ServerResponse res) {
    String vaultId = Api.param(req, "id");
    Vault vault = find(req, vaultId);
    if (vault.archivedAt() != null) {
      throw ApiError.invalid("vault " + vaultId + " is archived", "vault_archived");
    }
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    CredentialParser.Split split = CredentialParser.create(body);
    String id = Ids.next(IdKind.CREDENTIAL);
    Instant now = api.now();
    Credential credential =
        new Credential(
            id,
            vaultId,
            Fields.optionalString(body, "", "display_name", 0, 255),
            split.publicAuth(),
            box.seal(split.secrets().toString(), id),
            Fields.metadata(body, ""),
            now,
            now,
            null);
    Http.ok(res, Views.credential(api.store().vaults().createCredential(credential)));
  }

  private void listCredentials(ServerRequest req, ServerResponse res) {
    String vaultId = Api.param(req, "id");
    find(req, vaultId);
    Query q = Api.query(req);
    Listing listing = Listing.of(q, "credentials:" + vaultId, SortOrder.DESC, 20, 100, false);
    var filter = new ResourceFilter(q.flag("include_archived"), q.timeRange("created_at"));
    var page = api.store().vaults().listCredentials(vaultId, filter, listing.request());
    Http.ok(
        res,
        listing.render(
            page, Views::credential, c -> new PageKey(Timestamps.toMicros(c.createdAt()), c.id())));
  }

  private void retrieveCredential(ServerRequest req, ServerResponse res) {
    Http.ok(res, Views.credential(findCredential(req)));
  }

  private void updateCredential(ServerRequest req, ServerResponse res) {
    Credential current = findCredential(req);
    JsonNode body = Http.objectBody(req, api.maxBodyBytes());
    ObjectNode pub = current.publicAuth();
    byte[] sealed = current.sealedSecrets();
    if (!Fields.isNullOrAbsent(body, "auth")) {
      ObjectNode secrets = openSecrets(current);
      CredentialParser.Split split = CredentialParser.update(body.get("auth"), pub, secrets);
      pub = split.publicAuth();
      sealed = box.seal(split.secrets().toString(), current.id());
    }
    String name =
        body.has("display_name")
            ? Fields.optionalString(body, "", "display_name", 0, 255)
            : current.displayName();
    var metadata =
        Fields.isNullOrAbsent(body, "metadata")
            ? current.metadata()
            : Fields.patchMetadata(current.metadata(), body.get("metadata"), "metadata", false);
    ObjectNode newPublic = pub;
    byte[] newSealed = sealed;
    Instant now = api.now();
    Credential updated =
        api.store()
            .vaults()
            .updateCredential(
                current.vaultId(),
                current.id(),
                c ->
                    new Credential(
                        c.id(),
                        c.vaultId(),
                        name,
                        newPublic,
                        newSealed,
                        metadata,
                        c.createdAt(),
                        now,
                        c.archivedAt()));
    Http.ok(res, Views.credential(updated));
  }

  private void archiveCredential(ServerRequest req, ServerResponse res) {
    Credential c = findCredential(req);
    Http.ok(
        res,
        Views.credential(api.store().vaults().archiveCredential(c.vaultId(), c.id(), api.now())));
  }

  private void deleteCredential(ServerRequest req, ServerResponse res) {
    Credential c = findCredential(req);
    api.store().vaults().deleteCredential(c.vaultId(), c.id());
    Http.ok(res, Views.deleted(c.id(), "vault_credential_deleted"));
  }

  private ObjectNode openSecrets(Credential c) {
    try {
      return (ObjectNode) Json.mapper().readTree(box.open(c.sealedSecrets(), c.id()));
    } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw ApiError.internal(
          "credential " + c.id() + " cannot be opened with the current master key");
    }
  }

  private Vault find(ServerRequest req, String id) {
    return api.store()
        .vaults()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("vault " + id + " not found"));
  }

  /** Probes the MCP server with the credential, refreshing if needed (docs/decisions/0042). */
  private void validateCredential(ServerRequest req, ServerResponse res) {
    Credential c = findCredential(req);
    if (!c.authType().equals("mcp_oauth")) {
      throw ApiError.invalid(
          "credential "
              + c.id()
              + " is a "
              + c.authType()
              + " credential; only mcp_oauth credentials can be validated");
    }
    if (c.archivedAt() != null) {
      throw ApiError.invalid("credential " + c.id() + " is archived", "credential_archived");
    }
    Http.ok(res, validation.validate(c));
  }

  private Credential findCredential(ServerRequest req) {
    String vaultId = Api.param(req, "id");
    String id = Api.param(req, "cid");
    find(req, vaultId);
    return api.store()
        .vaults()
        .findCredential(vaultId, id)
        .orElseThrow(
            () -> ApiError.notFound("credential " + id + " not found in vault " + vaultId));
  }
}
