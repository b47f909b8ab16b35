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
	{ "money.currency", RK_CURRENCY, "code", 0, 0, 0, NULL,
	  "The ISO 4217 code of the currency of every amount (EUR, USD), shown with "
	  "the amounts of crm-json and the dashboard; XXX: not set." },
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
	{ "period.max_months", RK_INT, "months", 1, 120000, RF_GLOBAL, NULL,
	  "The longest period, from the earliest purchase month to the period end, that "
	  "crm-agg accepts and crm-tier writes months for: one date far from the others "
	  "(9999-12-31 among 2024 dates) is an error, not millions of empty months. "
	  "crm-agg --from/--to cut a longer history." },

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

	{ "clean.column.customer_id", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the customer id." },
	{ "clean.column.date", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the purchase date (time of day dropped)." },
	{ "clean.column.sku", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the product code." },
	{ "clean.column.category", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the category; without it the "
	  "category comes from --products." },
	{ "clean.column.qty", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the quantity." },
	{ "clean.column.amount", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the line's amount; without it "
	  "amount = qty x unit price." },
	{ "clean.column.unit_price", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the unit price." },
	{ "clean.column.order_id", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the order (invoice) id." },
	{ "clean.column.brand", RK_TEXT, "column", 0, 0, 0, NULL,
	  "crm-clean: the export's column holding the brand." },
	{ "clean.date_format", RK_ENUM, "format", 0, 0, 0, "auto|iso|mdy|dmy|dmy-dot|ymd",
	  "crm-clean: how dates are written: iso YYYY-MM-DD, mdy M/D/YYYY, dmy "
	  "D/M/YYYY, dmy-dot D.M.YYYY, ymd YYYYMMDD (a time of day may follow); auto "
	  "takes the format that reads the most dates of the first 1000 rows (a tie is an error)." },
	{ "clean.price_decimals", RK_INT, "digits", 0, 6, RF_GLOBAL, NULL,
	  "crm-clean: most decimals of a unit price; qty x price is rounded half away "
	  "from zero to money.decimals." },
	{ "clean.id_drop_zero_decimals", RK_ENUM, "yes/no", 0, 0, 0, "yes|no",
	  "crm-clean: yes turns a customer id exported as a number, 17850.0, into 17850." },
	{ "clean.cancel_prefix", RK_TEXT, "text", 0, 0, 0, NULL,
	  "crm-clean: an order id starting with this marks a cancellation, rejected as "
	  "cancelled; empty: none." },
	{ "clean.returns", RK_ENUM, "policy", 0, 0, 0, "keep|drop|net",
	  "crm-clean: lines with a negative quantity: keep them (crm-agg nets them), "
	  "drop them (rejected as return), or net: keep those that follow a purchase "
	  "of the same customer and product in the input, reject the others as "
	  "unmatched_return." },
	{ "clean.zero_price", RK_ENUM, "policy", 0, 0, 0, "keep|drop",
	  "crm-clean: lines with a zero unit price or amount (samples, adjustments): "
	  "keep, or drop as zero_price." },
	{ "clean.max_amount", RK_MONEY, "money", 0, 0, RF_NONE, NULL,
	  "crm-clean: a line whose amount is above this is rejected as outlier; none: "
	  "no limit." },
	{ "clean.max_qty", RK_INT, "units", 0, 1000000000, RF_NONE, NULL,
	  "crm-clean: a line whose quantity is above this is rejected as outlier; "
	  "none: no limit." },
	{ "clean.dedup", RK_ENUM, "policy", 0, 0, 0, "exact|off",
	  "crm-clean: exact rejects a record identical, byte for byte, to an earlier "
	  "one as duplicate (memory: 16 bytes a distinct record); off keeps them." },
	{ "clean.encoding", RK_ENUM, "policy", 0, 0, 0, "pass|utf8",
	  "crm-clean: pass leaves bytes as they are; utf8 rejects records that are "
	  "not valid UTF-8 as bad_encoding." },
	{ "clean.max_record_lines", RK_INT, "lines", 1, 10000, 0, NULL,
	  "crm-clean: a quoted field may span lines; a record longer than this is "
	  "taken as an unbalanced quote: its first line is rejected as malformed and "
	  "the rest read again." },

	{ "rfm.period_days", RK_INT, "days", 1, 36600, 0, NULL,
	  "crm-rfm: frequency and monetary count the days (as-of - period_days, as-of]; "
	  "with crm-agg's monthly rows, the period_days x 12 / 365 whole months (rounded) "
	  "ending with the as-of month." },
	{ "rfm.bins", RK_INT, "scores", 2, 9, 0, NULL,
	  "crm-rfm: scores run from 1 to this (5: quintiles, 4: quartiles); higher is better." },
	{ "rfm.recency.cuts", RK_LIST, "days", 0, 0, 0, NULL,
	  "crm-rfm: quantile, or rfm.bins - 1 ascending day counts: the inclusive upper "
	  "bounds of recency scores bins, bins - 1, ... (recency scores in reverse)." },
	{ "rfm.frequency.cuts", RK_LIST, "orders", 0, 0, 0, NULL,
	  "crm-rfm: quantile, or rfm.bins - 1 ascending order counts: the inclusive upper "
	  "bounds of frequency scores 1, 2, ..." },
	{ "rfm.monetary.cuts", RK_LIST, "money", 0, 0, 0, NULL,
	  "crm-rfm: quantile, or rfm.bins - 1 ascending amounts: the inclusive upper "
	  "bounds of monetary scores 1, 2, ..." },
	{ "rfm.weight.r", RK_DEC, "weight", 0, 0, 0, NULL,
	  "crm-rfm: weight of r_score in rfm_score, the weighted mean of the three scores." },
	{ "rfm.weight.f", RK_DEC, "weight", 0, 0, 0, NULL,
	  "crm-rfm: weight of f_score in rfm_score." },
	{ "rfm.weight.m", RK_DEC, "weight", 0, 0, 0, NULL,
	  "crm-rfm: weight of m_score in rfm_score." },
	{ "rfm.segments", RK_LIST, "segments", 0, 0, 0, NULL,
	  "crm-rfm: segments in the order they are tried; a customer gets the first whose "
	  "three score ranges hold; the last must take every score." },
	{ "rfm.segment.*.r", RK_RANGE, "scores", 1, 9, 0, "rfm.segments",
	  "crm-rfm: the r_score range (LO-HI) of the segment." },
	{ "rfm.segment.*.f", RK_RANGE, "scores", 1, 9, 0, "rfm.segments",
	  "crm-rfm: the f_score range (LO-HI) of the segment." },
	{ "rfm.segment.*.m", RK_RANGE, "scores", 1, 9, 0, "rfm.segments",
	  "crm-rfm: the m_score range (LO-HI) of the segment." },
	{ "rfm.segment.*.label", RK_TEXT, "text", 0, 0, 0, "rfm.segments",
	  "crm-rfm: the segment's name as people read it." },
	{ "rfm.segment.*.action", RK_TEXT, "text", 0, 0, 0, "rfm.segments",
	  "crm-rfm: the recommendation written beside each customer of the segment." },

	{ "kmeans.features", RK_LIST, "columns", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: the numeric columns clustered (--features overrides)." },
	{ "kmeans.log1p", RK_ENUM, "yes/no", 0, 0, RF_GLOBAL, "yes|no",
	  "crm-kmeans: yes takes log(1 + x) of every feature before standardizing." },
	{ "kmeans.k", RK_INT, "clusters", 1, 1000, RF_GLOBAL, NULL,
	  "crm-kmeans: the number of clusters (-k overrides)." },
	{ "kmeans.n_init", RK_INT, "runs", 1, 1000, RF_GLOBAL, NULL,
	  "crm-kmeans: runs from different k-means++ starts; the lowest inertia is kept." },
	{ "kmeans.max_iter", RK_INT, "iterations", 1, 1000000, RF_GLOBAL, NULL,
	  "crm-kmeans: most Lloyd iterations of one run." },
	{ "kmeans.tol", RK_DEC, "distance", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: a run stops when the centres move less than this in all (sum of "
	  "squared shifts, in standardized units)." },
	{ "kmeans.seed", RK_INT, "seed", 0, 4294967295LL, RF_GLOBAL, NULL,
	  "crm-kmeans: the seed of the k-means++ starts (--seed overrides)." },
	{ "kmeans.silhouette_sample", RK_INT, "rows", 2, 1000000, RF_GLOBAL, NULL,
	  "crm-kmeans: --elbow computes the silhouette exactly up to this many rows, on "
	  "a seeded sample of this many beyond." },
	{ "kmeans.recent_max_z", RK_DEC, "z-score", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: a cluster is recent when its mean standardized recency is at most "
	  "this (0: more recent than the average customer)." },
	{ "kmeans.engaged_min_z", RK_DEC, "z-score", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: a cluster is engaged when its mean standardized frequency plus "
	  "monetary is above this." },
	{ "kmeans.name.champions", RK_TEXT, "name", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: the name of the best recent and engaged cluster." },
	{ "kmeans.name.loyal", RK_TEXT, "name", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: the name of the other recent and engaged clusters (numbered from 2)." },
	{ "kmeans.name.new", RK_TEXT, "name", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: the name of a recent cluster that is not engaged." },
	{ "kmeans.name.at_risk", RK_TEXT, "name", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: the name of an engaged cluster that is not recent." },
	{ "kmeans.name.lost", RK_TEXT, "name", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: the name of a cluster neither recent nor engaged." },
	{ "kmeans.name.other", RK_TEXT, "name", 0, 0, RF_GLOBAL, NULL,
	  "crm-kmeans: clusters of features without recency, frequency and monetary are "
	  "named this and their number." },

	{ "model.max_depth", RK_INT, "levels", 1, 32, RF_GLOBAL, NULL,
	  "crm-model: the deepest a tree grows (XGBoost max_depth)." },
	{ "model.eta", RK_DEC, "rate", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the learning rate, each tree's weight (XGBoost eta), above 0 and at most 1." },
	{ "model.rounds", RK_INT, "trees", 1, 100000, RF_GLOBAL, NULL,
	  "crm-model: the most boosting rounds (trees) train runs." },
	{ "model.early_stopping_rounds", RK_INT, "rounds", 0, 100000, RF_GLOBAL, NULL,
	  "crm-model: training stops when the validation loss has not improved for this many "
	  "rounds, and the model keeps the best round; 0 runs every round." },
	{ "model.min_child_weight", RK_DEC, "hessian", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the least sum of instance weight (hessian) in a leaf (XGBoost min_child_weight)." },
	{ "model.subsample", RK_DEC, "share", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the share of training rows each tree sees, drawn with model.seed; above 0 and at most 1." },
	{ "model.colsample", RK_DEC, "share", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the share of features each tree sees (XGBoost colsample_bytree); above 0 and at most 1." },
	{ "model.imbalance", RK_ENUM, "method", 0, 0, RF_GLOBAL, "none|balanced|weight",
	  "crm-model: class imbalance: none; balanced weighs churners by non-churners / churners "
	  "of the training rows; weight uses model.scale_pos_weight." },
	{ "model.scale_pos_weight", RK_DEC, "weight", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the weight of a churner against a non-churner when model.imbalance = weight." },
	{ "model.seed", RK_INT, "seed", 0, 2147483647, RF_GLOBAL, NULL,
	  "crm-model: the seed of row and feature sampling: the same data, seed and threads give "
	  "the same model bytes." },
	{ "model.nthread", RK_INT, "threads", 1, 256, RF_GLOBAL, NULL,
	  "crm-model: XGBoost's threads, fixed so that the model does not depend on the machine." },
	{ "model.max_bin", RK_INT, "bins", 2, 65535, RF_GLOBAL, NULL,
	  "crm-model: the most histogram bins of a feature (XGBoost hist max_bin)." },
	{ "model.valid_months", RK_INT, "snapshots", 1, 120, RF_GLOBAL, NULL,
	  "crm-model: the latest labelled snapshots (distinct as_of days) are the validation set; "
	  "the earlier ones are trained on." },
	{ "model.contact_cost", RK_MONEY, "money", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the cost of contacting one customer with a retention offer." },
	{ "model.saved_value", RK_MONEY, "money", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the value kept by contacting a customer who would have churned; with "
	  "model.contact_cost it sets the decision threshold of largest profit." },
	{ "model.explain_top", RK_INT, "features", 1, 1000, RF_GLOBAL, NULL,
	  "crm-model: predict --explain names this many features of largest contribution per row." },
	{ "model.revenue_objective", RK_ENUM, "objective", 0, 0, RF_GLOBAL, "tweedie|squarederror",
	  "crm-model: the loss of the revenue model (train --target revenue): reg:tweedie or "
	  "reg:squarederror." },
	{ "model.tweedie_power", RK_DEC, "power", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the variance power of reg:tweedie, above 1 and below 2." },
	{ "model.logit_rounds", RK_INT, "rounds", 1, 100000, RF_GLOBAL, NULL,
	  "crm-model: the most Newton steps of the logistic-regression baseline." },
	{ "model.logit_lambda", RK_DEC, "penalty", 0, 0, RF_GLOBAL, NULL,
	  "crm-model: the L2 penalty per training row of the logistic-regression baseline." },
	{ "target.campaigns", RK_LIST, "campaigns", 0, 0, 0, NULL,
	  "crm-target: the retention campaigns that may be offered." },
	{ "target.baseline_campaign", RK_WORD, "campaign", 0, 0, 0, NULL,
	  "crm-target: the campaign of target.campaigns that the naive baselines (top by "
	  "churn probability, by CLV, the top tier) offer with the plan's budget." },
	{ "target.budget", RK_MONEY, "money", 0, 0, RF_NONE, NULL,
	  "crm-target: the most expected spend (contact costs and incentives) of the "
	  "plan, per brand; none: every campaign worth offering." },
	{ "target.curve_points", RK_INT, "points", 2, 1000, 0, NULL,
	  "crm-target: budgets of the budget curve, evenly spaced up to the budget (or "
	  "the spend of every worthwhile offer when it is none)." },
	{ "campaign.*.cost", RK_MONEY, "money", 0, 0, 0, "target.campaigns",
	  "crm-target: the cost of contacting one customer with the campaign." },
	{ "campaign.*.incentive", RK_MONEY, "money", 0, 0, 0, "target.campaigns",
	  "crm-target: the incentive paid to a customer who accepts the offer." },
	{ "campaign.*.accept_rate", RK_DEC, "ratio", 0, 0, 0, "target.campaigns",
	  "crm-target: the share of would-be churners the campaign retains (0 to 1)." },
	{ "campaign.*.stayer_accept_rate", RK_DEC, "ratio", 0, 0, 0, "target.campaigns",
	  "crm-target: the share of customers who would have stayed anyway and still take "
	  "the incentive (0 to 1)." },
	{ "campaign.*.eligible", RK_LIST, "tiers", 0, 0, 0, "target.campaigns",
	  "crm-target: the tiers or RFM segments (names of tier.order, tier.inactive, "
	  "rfm.segments) offered the campaign; all: every customer." },
	{ "clv.model", RK_ENUM, "model", 0, 0, RF_GLOBAL, "bgnbd|pareto|mbgnbd",
	  "crm-clv: the transaction model: BG/NBD, Pareto/NBD or MBG/NBD." },
	{ "clv.time_unit", RK_ENUM, "unit", 0, 0, RF_GLOBAL, "day|week|month",
	  "crm-clv: the unit of t_x, T and the parameters: a day, 7 days or 365.2425/12 days." },
	{ "clv.horizon_months", RK_INT, "months", 1, MONTHS_MAX, RF_GLOBAL, NULL,
	  "crm-clv: exp_purchases, p_no_purchase and clv look this many months ahead." },
	{ "clv.discount_rate", RK_DEC, "rate/month", 0, 0, RF_GLOBAL, NULL,
	  "crm-clv: clv discounts month i's expected value by (1 + this)^i." },
	{ "clv.penalty", RK_DEC, "weight", 0, 0, RF_GLOBAL, NULL,
	  "crm-clv: the L2 penalty times the sum of squared parameters added to the mean "
	  "negative log-likelihood (0: plain maximum likelihood)." },
	{ "clv.max_iter", RK_INT, "iterations", 1, 1000000, RF_GLOBAL, NULL,
	  "crm-clv: the most iterations of the optimizer in one fit." },
	{ "clv.max_param", RK_INT, "value", 2, 1000000000, RF_GLOBAL, NULL,
	  "crm-clv: a fitted parameter above this or below its inverse lies on the boundary: "
	  "the model is reported as the limit it reduces to, without standard errors." },
	{ "clv.max_spend_correlation", RK_DEC, "correlation", 0, 0, RF_GLOBAL, NULL,
	  "crm-clv: a correlation of frequency and mean spend beyond this (either sign) is "
	  "warned of: Gamma-Gamma assumes them independent." },
	{ "churn.label_days", RK_INT, "days", 1, 36500, RF_GLOBAL, NULL,
	  "crm-features: label_churn is 1 when no consumable purchase follows the as-of "
	  "day within this many days; a snapshot whose data end sooner is unlabelled." },
	{ "model.revenue_days", RK_INT, "days", 1, 36500, RF_GLOBAL, NULL,
	  "crm-features: label_revenue sums the consumable spend of the months that "
	  "begin within this many days after the as-of day (180: the next six months)." },
	{ "features.snapshot_step", RK_ENUM, "months", 0, 0, RF_GLOBAL, "1|2|3|4|6|12",
	  "crm-features: a snapshot at the end of every month whose number (1-12) is a "
	  "multiple of this (3: March, June, September, December; 1: every month)." },
	{ "features.population", RK_ENUM, "policy", 0, 0, RF_GLOBAL, "active|all",
	  "crm-features: active writes a snapshot row for the customers active at the "
	  "snapshot (as crm-tier's active); all for every customer with a row there." },

	{ NULL, 0, NULL, 0, 0, 0, NULL, NULL },
};
