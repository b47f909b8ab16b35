/* crm-target: spend a retention budget where it saves the most value.
 *
 * Reads crm-clv's per-customer values (sorted by (brand,) customer_id),
 * merged on the key with crm-model's churn scores, crm-tier's tiers and
 * crm-rfm's segments when given; offers each customer at most one campaign
 * of target.campaigns so that the expected profit is highest within
 * target.budget (a multiple-choice knapsack: greedy over each customer's
 * convex hull of offers, with its LP bound and gap; --exact for small
 * instances), brand by brand; writes the targeted customers, and with
 * --json the summary: spend, value saved, ROI, bound, campaigns, the budget
 * curve and the naive baselines with the same budget. */
#include "brandrules.h"
#include "date.h"
#include "money.h"
#include "opt.h"
#include "out.h"
#include "progress.h"
#include "rules.h"
#include "target.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-target [--rules FILE] [--scores FILE] [--tiers FILE] [--segments FILE]\n"
	"                  [--as-of YYYY-MM-DD] [--budget AMOUNT] [--exact] [--json FILE]\n"
	"                  [--partial] [--stats] [-o FILE] [FILE]\n"
	"       crm-target --combine [--rules FILE] [--json FILE] [--stats] [-o FILE] PARTIAL...";

int64_t brand_budget(const Ctx *X, const BrandRules *br)
{
	if (X->combine)
		return X->budget_part;
	int none = X->budget_given ? X->budget_none : !br->target.has_budget;
	int64_t b = X->budget_given ? X->budget_opt : br->target.budget;
	if (none)
		return INT64_MAX;
	if (b > INT64_MAX / MICRO)
		die("the budget %lld is too large", (long long)b);
	return b * MICRO;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *score_path = NULL, *tier_path = NULL, *seg_path = NULL, *budget = NULL;
	int combine = 0;
	static Ctx X; /* static: reachable until exit */
	memset(&X, 0, sizeof X);
	X.as_of = NO_DAY;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "scores", 0, "FILE", opt_str, &score_path, 0, "p_churn from crm-model predict (else 1 - p_alive)" },
		{ "tiers", 0, "FILE", opt_str, &tier_path, 0, "tiers from crm-tier or crm-churn" },
		{ "segments", 0, "FILE", opt_str, &seg_path, 0, "RFM segments from crm-rfm" },
		{ "as-of", 0, "YYYY-MM-DD", opt_date, &X.as_of, 0,
		  "scores and tiers as of this day (default: the latest)" },
		{ "budget", 0, "AMOUNT", opt_str, &budget, 0, "the budget of every brand, or none (target.budget)" },
		{ "exact", 0, NULL, NULL, &X.exact, 1, "solve exactly by branch and bound (small instances)" },
		{ "json", 0, "FILE", opt_str, &X.json_path, 0, "write the summary document to FILE" },
		{ "partial", 0, NULL, NULL, &X.partial, 1,
		  "write what a plan of all partitions needs, for --combine" },
		{ "combine", 0, NULL, NULL, &combine, 1, "plan from the partials given (--partial)" },
		OPT_STATS(&c, "report customers read, targeted and not on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (combine) {
		if (first == argc)
			usage_fail(usage_text, "--combine: give the partials");
		if (score_path || tier_path || seg_path || budget || X.exact || X.as_of != NO_DAY || X.partial)
			usage_fail(usage_text, "--combine takes the inputs, as-of day and budget of the partials: "
				   "no --scores, --tiers, --segments, --as-of, --budget, --exact or --partial");
		X.combine = argv + first;
	} else if (argc - first > 1) {
		usage_fail(usage_text, "one input at most");
	}
	if (X.partial && X.json_path)
		usage_fail(usage_text, "--partial writes no summary: --json goes with --combine");
	rules_cache_open(&X.rc, c.rules);
	rules_id(X.rc.rules, X.rid);
	X.decimals = X.rc.money.decimals;
	if (budget) {
		X.budget_given = 1;
		X.budget_none = strcmp(budget, "none") == 0;
		const char *why = X.budget_none ? NULL : fixed_parse(budget, strlen(budget), X.decimals, &X.budget_opt);
		if (!why && X.budget_opt < 0)
			why = "is below 0";
		if (why)
			usage_fail(usage_text, "--budget: '%s' %s (money.decimals = %d)", budget, why, X.decimals);
	}
	if (X.combine)
		combine_open(&X);
	else
		read_open(&X, first < argc ? argv[first] : "-", score_path, tier_path, seg_path);
	Out o, js;
	out_create(&o, c.output);
	if (X.json_path)
		out_create(&js, X.json_path);
	if (X.partial)
		partial_header(&X, &o);
	else
		write_header(&X, &o);
	progress_init(&X.pg, c.progress);
	for (;;) {
		char *brand;
		size_t bn;
		uint64_t unscored = X.unscored;
		const BrandRules *br = X.combine ? combine_brand(&X, &brand, &bn, &unscored)
						 : read_brand(&X, &brand, &bn);
		if (!br)
			break;
		X.plans = xrealloc(X.plans, (X.nplans + 1) * sizeof *X.plans);
		Plan *pl = &X.plans[X.nplans++];
		memset(pl, 0, sizeof *pl);
		pl->brand = brand;
		pl->brand_n = bn;
		pl->br = br;
		pl->unscored = X.combine ? unscored : X.unscored - unscored;
		pl->budget = X.budget;
		if (X.partial) {
			partial_rows(&X, pl, &o);
			continue;
		}
		plan_brand(&X, pl);
		pl->base_budget = pl->budget == INT64_MAX ? pl->plan.spend : pl->budget;
		plan_baselines(&X, pl);
		write_rows(&X, pl, &o);
		X.targeted += pl->plan.targeted;
		X.candidates += pl->candidates;
	}
	progress_end(&X.pg);
	if (X.combine)
		combine_close(&X);
	else
		read_close(&X);
	out_close(&o);
	if (X.json_path) {
		write_json(&X, &js);
		out_close(&js);
	}
	rules_warn_unseen_brands(X.rc.rules);
	if (c.stats)
		fprintf(stderr, "crm-target: %llu customers read: %llu targeted, %llu not (%llu of them with an "
			"offer worth making), %llu without a score\n", (unsigned long long)X.rows,
			(unsigned long long)X.targeted,
			(unsigned long long)(X.rows - X.unscored - X.targeted),
			(unsigned long long)(X.candidates - X.targeted), (unsigned long long)X.unscored);
	return 0;
}
