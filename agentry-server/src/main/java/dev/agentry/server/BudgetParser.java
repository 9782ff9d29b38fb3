package dev.agentry.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentry.core.SessionBudget;
import dev.agentry.harness.PriceTable;

/**
 * A session's {@code budget}: {@code {type:"limit", max_list_cost:{amount:"<minor units>",
 * currency:"USD"}}}; the amount is a non-negative integer string (cents).
 */
final class BudgetParser {
  private static final int MAX_DIGITS = 18;

  private BudgetParser() {}

  /** The budget in {@code body}, or null when absent or null. */
  static SessionBudget parse(JsonNode body) {
    if (Fields.isNullOrAbsent(body, "budget")) {
      return null;
    }
    JsonNode b = body.get("budget");
    if (!b.isObject()) {
      throw ApiError.invalid("budget: must be an object {type:\"limit\", max_list_cost} or null");
    }
    JsonNode type = b.get("type");
    if (type != null && !type.isNull() && !(type.isTextual() && type.asText().equals("limit"))) {
      throw ApiError.invalid("budget.type: must be \"limit\"");
    }
    JsonNode max = b.get("max_list_cost");
    if (max == null || !max.isObject()) {
      throw ApiError.invalid(
          "budget.max_list_cost: is required, as {amount:\"<minor units>\", currency:\"USD\"}");
    }
    JsonNode amount = max.get("amount");
    if (amount == null
        || !amount.isTextual()
        || amount.asText().isEmpty()
        || amount.asText().length() > MAX_DIGITS
        || !amount.asText().chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ApiError.invalid(
          "budget.max_list_cost.amount: must be a non-negative integer string in minor units"
              + " (cents), e.g. \"2500\" for $25.00");
    }
    JsonNode currency = max.get("currency");
    if (currency == null
        || !currency.isTextual()
        || !currency.asText().equals(PriceTable.CURRENCY)) {
      throw ApiError.invalid("budget.max_list_cost.currency: must be \"USD\"");
    }
    String normalized = amount.asText().replaceFirst("^0+(?=.)", "");
    return SessionBudget.limit(normalized, PriceTable.CURRENCY);
  }
}
