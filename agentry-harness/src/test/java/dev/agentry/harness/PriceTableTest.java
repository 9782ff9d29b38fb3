package dev.agentry.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentry.core.Json;
import dev.agentry.core.Session;
import dev.agentry.core.SessionBudget;
import dev.agentry.core.SessionUsage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceTableTest {
  @TempDir Path dir;

  static SessionUsage tokens(long in, long out, long read, long write) {
    return new SessionUsage(in, out, read, write, 0);
  }

  @Test
  void defaults_matchTheLongestModelPrefix_andPriceCacheFromInput() {
    PriceTable t = PriceTable.defaults();
    assertThat(t.price("claude-opus-4-1").input()).isEqualByComparingTo("15");
    assertThat(t.price("claude-opus-4-1").output()).isEqualByComparingTo("75");
    assertThat(t.price("claude-sonnet-4-6").input()).isEqualByComparingTo("3");
    assertThat(t.price("claude-sonnet-4-6").cacheWrite()).isEqualByComparingTo("3.75");
    assertThat(t.price("claude-sonnet-4-6").cacheRead()).isEqualByComparingTo("0.3");
    assertThat(t.price("claude-haiku-4-5").output()).isEqualByComparingTo("5");
    assertThat(t.price("scripted:hello")).isEqualTo(PriceTable.ModelPrice.FREE);
    assertThat(t.price("llama3")).isEqualTo(PriceTable.ModelPrice.FREE);
    assertThat(t.price(null)).isEqualTo(PriceTable.ModelPrice.FREE);
    assertThat(t.runtimePerHour()).isEqualByComparingTo("0.08");
  }

  @Test
  void tokensOnAMembersModel_arePricedAtThatModel_theRestAtTheSessions() {
    // A million input tokens in all: 400k the coordinator's (sonnet, $3/M), 600k a member's
    // (haiku, $1/M), and 100k output of the member's ($5/M).
    SessionUsage u =
        tokens(400_000, 0, 0, 0)
            .plusOn("claude-haiku-4-5", new dev.agentry.core.ModelUsage(600_000, 100_000, 0, 0));
    assertThat(u.inputTokens()).isEqualTo(1_000_000);
    assertThat(PriceTable.defaults().listCostMinorUnits("claude-sonnet-4-6", u))
        .isEqualTo("230"); // 120 + 60 + 50 cents
    // Stored and read back, it still prices each model at its own.
    SessionUsage read = Json.read(Json.write(u), SessionUsage.class);
    assertThat(read).isEqualTo(u);
    assertThat(Json.read("{\"input_tokens\":5}", SessionUsage.class).otherModels()).isEmpty();
  }

  @Test
  void tokenCost_inCents() {
    PriceTable t = PriceTable.defaults();
    // 1M input at $3 + 1M output at $15 = $18 = 1800 cents
    assertThat(t.listCostMinorUnits("claude-sonnet-4-6", tokens(1_000_000, 1_000_000, 0, 0)))
        .isEqualTo("1800");
    // cache: 1M written at $3.75 + 1M read at $0.30 = $4.05
    assertThat(t.listCostMinorUnits("claude-sonnet-4-6", tokens(0, 0, 1_000_000, 1_000_000)))
        .isEqualTo("405");
    // opus: 100k in ($1.50) + 10k out ($0.75) = 225 cents
    assertThat(t.listCostMinorUnits("claude-opus-4", tokens(100_000, 10_000, 0, 0)))
        .isEqualTo("225");
    // 1000 in + 500 out on sonnet = 0.3 + 0.75 = 1.05 cents: rounded half up to 1
    assertThat(t.costCents("claude-sonnet-4-6", tokens(1000, 500, 0, 0)))
        .isEqualByComparingTo("1.05");
    assertThat(t.listCostMinorUnits("claude-sonnet-4-6", tokens(1000, 500, 0, 0))).isEqualTo("1");
    assertThat(t.listCostMinorUnits("scripted:x", tokens(1_000_000, 1_000_000, 0, 0)))
        .isEqualTo("0");
  }

  @Test
  void runtime_costs8CentsPerActiveHour_forEveryModel() {
    PriceTable t = PriceTable.defaults();
    assertThat(t.listCostMinorUnits("scripted:x", new SessionUsage(0, 0, 0, 0, 3600)))
        .isEqualTo("8");
    assertThat(t.listCostMinorUnits("scripted:x", new SessionUsage(0, 0, 0, 0, 36_000)))
        .isEqualTo("80");
    // half an hour = 4 cents, plus 1M sonnet input = 300 cents
    assertThat(t.listCostMinorUnits("claude-sonnet-4", new SessionUsage(1_000_000, 0, 0, 0, 1800)))
        .isEqualTo("304");
    assertThat(t.costCents("x", new SessionUsage(0, 0, 0, 0, 45)))
        .isEqualByComparingTo(new BigDecimal("0.1"));
  }

  @Test
  void overrideFile_layersOverTheDefaults() throws Exception {
    Path f = dir.resolve("prices.json");
    Files.writeString(
        f,
        """
        {"runtime_per_session_hour": 1.0,
         "models": {"claude-sonnet-4-6": {"input": 2, "output": 10, "cache_read": 0.5},
                    "local-": {"input": 0.5, "output": 1}}}
        """);
    PriceTable t = PriceTable.load(f);
    assertThat(t.price("claude-sonnet-4-6-20260101").input()).isEqualByComparingTo("2");
    assertThat(t.price("claude-sonnet-4-6").cacheWrite()).isEqualByComparingTo("2.5");
    assertThat(t.price("claude-sonnet-4-6").cacheRead()).isEqualByComparingTo("0.5");
    assertThat(t.price("claude-sonnet-4-5").input()).isEqualByComparingTo("3");
    assertThat(t.price("local-llama").output()).isEqualByComparingTo("1");
    assertThat(t.listCostMinorUnits("x", new SessionUsage(0, 0, 0, 0, 3600))).isEqualTo("100");
  }

  @Test
  void badOverrideFile_isAnErrorNamingTheKey() throws Exception {
    Path f = dir.resolve("bad.json");
    Files.writeString(f, "{\"models\":{\"claude-x\":{\"input\":\"three\",\"output\":1}}}");
    assertThatThrownBy(() -> PriceTable.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AGENTRY_PRICES_FILE")
        .hasMessageContaining("models.claude-x.input");
    Files.writeString(f, "{\"models\":{\"claude-x\":{\"input\":1,\"outptu\":1}}}");
    assertThatThrownBy(() -> PriceTable.load(f)).hasMessageContaining("models.claude-x.outptu");
    Files.writeString(f, "{\"models\":{\"claude-x\":{\"input\":1}}}");
    assertThatThrownBy(() -> PriceTable.load(f)).hasMessageContaining("models.claude-x.output");
    Files.writeString(f, "{\"runtime_per_session_hour\":-1}");
    assertThatThrownBy(() -> PriceTable.load(f)).hasMessageContaining("runtime_per_session_hour");
    Files.writeString(f, "{\"modles\":{}}");
    assertThatThrownBy(() -> PriceTable.load(f)).hasMessageContaining("modles");
    Files.writeString(f, "{not json");
    assertThatThrownBy(() -> PriceTable.load(f)).hasMessageContaining("AGENTRY_PRICES_FILE");
    assertThatThrownBy(() -> PriceTable.load(dir.resolve("missing.json")))
        .hasMessageContaining("missing.json");
  }

  @Test
  void stopReason_budgetAndCaps() {
    Session s = HarnessTestBase.session().withUsage(new SessionUsage(100, 50, 0, 0, 10));
    SpendLimits none = SpendLimits.defaults();
    assertThat(Spend.stopReason(s, none)).isEmpty();
    assertThat(Spend.stopReason(s, new SpendLimits(PriceTable.defaults(), 150, 0)))
        .get()
        .asString()
        .contains("AGENTRY_MAX_SESSION_TOKENS");
    assertThat(Spend.stopReason(s, new SpendLimits(PriceTable.defaults(), 151, 0))).isEmpty();
    assertThat(Spend.stopReason(s, new SpendLimits(PriceTable.defaults(), 0, 10)))
        .get()
        .asString()
        .contains("AGENTRY_MAX_ACTIVE_SECONDS");
    // claude-test is not priced; runtime 10 s rounds to 0 cents
    Session zero = s.withBudget(SessionBudget.limit("0", "USD"), Instant.now());
    assertThat(Spend.stopReason(zero, none)).get().asString().contains("budget");
    Session one = s.withBudget(SessionBudget.limit("1", "USD"), Instant.now());
    assertThat(Spend.stopReason(one, none)).isEmpty();
    var payload = Spend.usagePayload(one, none);
    assertThat(payload.at("/usage/list_cost/amount").asText()).isEqualTo("0");
    assertThat(payload.at("/usage/list_cost/currency").asText()).isEqualTo("USD");
    assertThat(payload.at("/budget/max_list_cost/amount").asText()).isEqualTo("1");
    assertThat(payload.at("/budget/type").asText()).isEqualTo("limit");
  }

  @Test
  void storedSessions_withoutABudget_stillLoad_andBudgetsRoundTrip() throws Exception {
    Session s = HarnessTestBase.session();
    var json = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().valueToTree(s);
    json.remove("budget");
    Session old = Json.read(json.toString(), Session.class);
    assertThat(old.budget()).isNull();
    assertThat(old.id()).isEqualTo(s.id());
    Session withBudget = s.withBudget(SessionBudget.limit("2500", "USD"), Instant.now());
    Session back = Json.read(Json.write(withBudget), Session.class);
    assertThat(back.budget()).isEqualTo(withBudget.budget());
    assertThat(Json.write(withBudget))
        .contains("\"budget\":{\"type\":\"limit\",\"max_list_cost\":{\"amount\":\"2500\"");
  }
}
