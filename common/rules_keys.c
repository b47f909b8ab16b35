/* rule_defs: every key a rules file may set. This table is the reference of
 * the business logic: crm-rules show prints it beside the values, and
 * crm-rules(5) documents the same keys. Values live in rules/default.rules. */
#include "rules.h"

#include <stdint.h>

#define MONTHS_MAX 600

const RuleDef rule_defs[] = {
	{ "money.decimals", RK_INT, "digits", 0, 6, RF_GLOBAL, NULL,
	  "Digits after the decimal point of every amount. Amounts are exact whole "
	  "minor units (10^-decimals); an input amount with more decimals is an error." },
	{ "exclude.categories", RK_LIST, "categories", 0, 0, 0, NULL,
	  "Product categories left out of segmentation (machines, accessories). Their "
	  "lines count in other_orders/other_amount, never as orders or consumable value." },

	{ "window.frequency_months", RK_INT, "months", 1, MONTHS_MAX, 0, NULL,
	  "orders_f counts orders in this many months ending with the snapshot month." },
	{ "window.monetary_months", RK_INT, "months", 1, MONTHS_MAX, 0, NULL,
	  "value_m sums consumable value over this many months ending with the snapshot "
	  "month; avg_monthly divides it by min(this, tenure_months + 1)." },
	{ "window.activity_months", RK_INT, "months", 1, MONTHS_MAX, 0, NULL,
	  "A customer is active when they ordered in this many months ending with the "
	  "snapshot month." },

	{ "tier.order", RK_LIST, "tiers", 0, 0, 0, NULL,
	  "Value tiers from highest to lowest. An active customer gets the first tier "
	  "whose limits all hold; the last tier takes every active customer." },
	{ "tier.inactive", RK_WORD, "name", 0, 0, 0, NULL,
	  "The tier of a customer who is not active." },
	{ "tier.*.min_avg_monthly", RK_MONEY, "money/month", 0, 0, RF_NONE, "tier.order",
	  "Lowest avg_monthly (consumable value per month of the monetary window) for "
	  "the tier; none: no limit." },
	{ "tier.*.min_orders", RK_INT, "orders", 0, 1000000, RF_NONE, "tier.order",
	  "Lowest orders_f (orders in the frequency window) for the tier; none: no limit." },
	{ "tier.*.min_avg_order", RK_MONEY, "money/order", 0, 0, RF_NONE, "tier.order",
	  "Lowest avg_order (value_m / orders in the monetary window) for the tier; "
	  "none: no limit." },

	{ "churn.tiers", RK_LIST, "tiers", 0, 0, 0, NULL,
	  "Tiers whose active customers are checked for churn risk." },
	{ "churn.min_gap_days", RK_INT, "days", 0, 100000, 0, NULL,
	  "Lapse: a customer lapses when recency_days is at least this many days and "
	  "at least churn.gap_factor times their mean gap between orders." },
	{ "churn.gap_factor", RK_DEC, "ratio", 0, 0, 0, NULL,
	  "Lapse: recency_days must reach this times the customer's mean gap between "
	  "orders in the monetary window (two orders there at least)." },
	{ "churn.recent_months", RK_INT, "months", 1, MONTHS_MAX, 0, NULL,
	  "Decline: the recent months whose consumable value per month is compared "
	  "with that of the rest of the monetary window." },
	{ "churn.drop_ratio", RK_DEC, "ratio", 0, 0, 0, NULL,
	  "Decline: a customer declines when the recent value per month is below this "
	  "times the value per month of the rest of the monetary window." },

	{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};
