package dev.agentry.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentry.core.Json;
import dev.agentry.core.Page;
import dev.agentry.core.PageKey;
import dev.agentry.core.Skill;
import dev.agentry.core.SkillService;
import dev.agentry.core.SkillVersion;
import dev.agentry.core.SortOrder;
import dev.agentry.core.StoreException;
import dev.agentry.core.Timestamps;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayInputStream;
import java.util.List;

/**
 * {@code /v1/skills} ({@code skills-2025-10-02}): create, list, retrieve, delete; versions (create,
 * list, retrieve, delete) and a version's content, within the caller's workspace. A version's id is
 * its number as a string, which is what agents pin ({@code "latest"} or a number). A skill is
 * deleted only once its versions are, as on the hosted API.
 */
final class SkillRoutes implements Api.Routes {
  private final Api api;
  private final SkillService skills;

  SkillRoutes(Api api, SkillService skills) {
    this.api = api;
    this.skills = skills;
  }

  @Override
  public void register(HttpRules r) {
    r.post("/v1/skills", this::create)
        .get("/v1/skills", this::list)
        .get("/v1/skills/{id}", this::retrieve)
        .delete("/v1/skills/{id}", this::delete)
        .post("/v1/skills/{id}/versions", this::createVersion)
        .get("/v1/skills/{id}/versions", this::versions)
        .get("/v1/skills/{id}/versions/{vid}", this::retrieveVersion)
        .delete("/v1/skills/{id}/versions/{vid}", this::deleteVersion)
        .get("/v1/skills/{id}/versions/{vid}/content", this::content);
  }

  private void create(ServerRequest req, ServerResponse res) {
    SkillUpload.Form form = SkillUpload.read(req, true);
    SkillArchive.Packed packed = SkillArchive.pack(form.files());
    String displayName = form.displayName() != null ? form.displayName() : packed.name();
    Skill skill = skills.create(Caller.workspace(req), displayName, content(packed));
    Http.ok(res, view(skill));
  }

  private void list(ServerRequest req, ServerResponse res) {
    Query q = Api.query(req);
    String source = q.first("source");
    if (source != null && !source.isEmpty()) {
      Fields.oneOf(source, "source", List.of("custom", "anthropic"));
    }
    Listing listing = Listing.of(q, "skills", SortOrder.DESC, 20, 100, false);
    // Anthropic's own skills are not served here, so that filter is always empty.
    Page<Skill> page =
        "anthropic".equals(source)
            ? new Page<>(List.of(), false, false)
            : skills.records().list(Caller.workspace(req), listing.request());
    ObjectNode out = listing.render(page, SkillRoutes::view, SkillRoutes::key);
    out.put("has_more", page.moreAfter());
    Http.ok(res, out);
  }

  private void retrieve(ServerRequest req, ServerResponse res) {
    Http.ok(res, view(find(req)));
  }

  private void delete(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    try {
      skills
          .records()
          .delete(Caller.workspace(req), id)
          .orElseThrow(() -> ApiError.notFound("skill " + id + " not found"));
    } catch (StoreException.Conflict e) {
      throw ApiError.invalid(
          "skill " + id + " still has versions; delete each of them first", "skill_has_versions");
    }
    Http.ok(res, Views.deleted(id, "skill_deleted"));
  }

  private void createVersion(ServerRequest req, ServerResponse res) {
    Skill skill = find(req);
    SkillUpload.Form form = SkillUpload.read(req, false);
    SkillArchive.Packed packed = SkillArchive.pack(form.files());
    try {
      Http.ok(res, view(skills.addVersion(Caller.workspace(req), skill.id(), content(packed))));
    } catch (StoreException.NotFound e) {
      throw ApiError.notFound("skill " + skill.id() + " not found");
    }
  }

  private void versions(ServerRequest req, ServerResponse res) {
    Skill skill = find(req);
    Listing listing =
        Listing.of(Api.query(req), "skill_versions:" + skill.id(), SortOrder.DESC, 20, 100, false);
    Page<SkillVersion> page =
        skills.records().versions(Caller.workspace(req), skill.id(), listing.request());
    ObjectNode out = listing.render(page, SkillRoutes::view, v -> new PageKey(v.version(), ""));
    out.put("has_more", page.moreAfter());
    Http.ok(res, out);
  }

  private void retrieveVersion(ServerRequest req, ServerResponse res) {
    Http.ok(res, view(SkillContent.version(skills, req)));
  }

  private void deleteVersion(ServerRequest req, ServerResponse res) {
    String id = Api.param(req, "id");
    String version = Api.param(req, "vid");
    int number = SkillContent.number(id, version);
    skills
        .deleteVersion(Caller.workspace(req), id, number)
        .orElseThrow(() -> SkillContent.noVersion(id, version));
    Http.ok(res, Views.deleted(version, "skill_version_deleted"));
  }

  private void content(ServerRequest req, ServerResponse res) {
    SkillContent.send(skills, SkillContent.version(skills, req), res);
  }

  private Skill find(ServerRequest req) {
    String id = Api.param(req, "id");
    return skills
        .records()
        .find(Caller.workspace(req), id)
        .orElseThrow(() -> ApiError.notFound("skill " + id + " not found"));
  }

  private static SkillService.Content content(SkillArchive.Packed packed) {
    return new SkillService.Content(
        packed.name(), packed.description(), new ByteArrayInputStream(packed.zip()));
  }

  static ObjectNode view(Skill s) {
    ObjectNode n = Json.mapper().createObjectNode().put("id", s.id()).put("type", "skill");
    n.put("display_name", s.displayName());
    n.put("latest_version_id", s.latestVersion() == 0 ? null : Integer.toString(s.latestVersion()));
    n.putObject("source").put("type", s.source());
    n.put("created_at", Timestamps.format(s.createdAt()));
    n.put("updated_at", Timestamps.format(s.updatedAt()));
    return n;
  }

  static ObjectNode view(SkillVersion v) {
    String number = Integer.toString(v.version());
    ObjectNode n = Json.mapper().createObjectNode().put("id", number).put("type", "skill_version");
    n.put("skill_id", v.skillId()).put("version", number);
    n.put("name", v.name()).put("description", v.description());
    n.put("created_at", Timestamps.format(v.createdAt()));
    return n;
  }

  private static PageKey key(Skill s) {
    return new PageKey(Timestamps.toMicros(s.createdAt()), s.id());
  }
}
