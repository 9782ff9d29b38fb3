package dev.agentry.core;

/**
 * A session's spending cap (the session's {@code budget} field): {@code {type:"limit",
 * max_list_cost:{amount, currency}}}. Stored inside the session's JSON body; sessions written
 * before budgets existed load with none.
 *
 * @param type always {@code "limit"}
 * @param maxListCost the cap at list price, in minor units (cents) as a decimal string
 */
public record SessionBudget(String type, Money maxListCost) {
  public static final String LIMIT = "limit";

  /**
   * An amount of money as the API writes it: minor units (cents for USD) as a decimal integer
   * string, e.g. {@code "2500"} is $25.00.
   */
  public record Money(String amount, String currency) {}

  public static SessionBudget limit(String amountMinorUnits, String currency) {
    return new SessionBudget(LIMIT, new Money(amountMinorUnits, currency));
  }
}
