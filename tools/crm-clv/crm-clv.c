/* crm-clv: customer lifetime value with BG/NBD, MBG/NBD or Pareto/NBD and
 * Gamma-Gamma.
 *
 * Reads crm-agg's monthly rows, sorted by (brand,) customer_id, month, and
 * folds each customer into x (repeat purchase days), t_x (first to last
 * purchase day) and T (first purchase day to the as-of day, or to the
 * calibration end) in the time unit of clv.time_unit, with the mean value
 * of the repeat purchases. The models are fitted by maximum likelihood on
 * the compressed table of distinct summaries (common/btyd) and each
 * customer is scored; or the tables (--counts), the parameters document
 * (--fit-only) or the value document (--json) are written instead. */
#include "brandrules.h"
#include "clv.h"
#include "date.h"
#include "opt.h"
#include "out.h"
#include "progress.h"
#include "rules.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-clv [--rules FILE] [--calibration-end YYYY-MM-DD] [--params FILE]\n"
	"               [--json [--tiers FILE] [--segments FILE] | --fit-only |\n"
	"               --counts | --loglik] [--explain] [--stats] [-o FILE] [FILE]\n"
	"       crm-clv --from-counts (--fit-only | --loglik --params FILE)\n"
	"               [--rules FILE] [-o FILE] FILE ...";

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	static Ctx X; /* static: reachable until exit */
	memset(&X, 0, sizeof X);
	X.cal_end = X.start_day = INT32_MIN;
	const char *params_path = NULL, *tiers_path = NULL, *segs_path = NULL;
	int fit_only = 0, counts = 0, from_counts = 0, loglik = 0, json = 0;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "calibration-end", 0, "DATE", opt_date, &X.cal_end, 0, "fit up to this month's end, compare after" },
		{ "params", 0, "FILE", opt_str, &params_path, 0, "score with a --fit-only document" },
		{ "fit-only", 0, NULL, NULL, &fit_only, 1, "write the parameters document" },
		{ "counts", 0, NULL, NULL, &counts, 1, "write the compressed tables a fit reads" },
		{ "from-counts", 0, NULL, NULL, &from_counts, 1, "read tables of crm-clv --counts" },
		{ "loglik", 0, NULL, NULL, &loglik, 1, "log-likelihood and gradient at --params" },
		{ "json", 0, NULL, NULL, &json, 1, "write the value document crm-report reads" },
		{ "tiers", 0, "FILE", opt_str, &tiers_path, 0, "--json: CLV by crm-tier's last tier" },
		{ "segments", 0, "FILE", opt_str, &segs_path, 0, "--json: CLV by crm-rfm's segment" },
		{ "explain", 0, NULL, NULL, &X.explain, 1, "add clv_explain: parameters and inputs" },
		OPT_STATS(&c, "report rows and customers on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (fit_only + counts + loglik + json > 1)
		usage_fail(usage_text, "--fit-only, --counts, --loglik and --json exclude each other");
	if (from_counts && !fit_only && !loglik)
		usage_fail(usage_text, "--from-counts needs --fit-only or --loglik");
	if (from_counts && (X.cal_end != INT32_MIN || first == argc))
		usage_fail(usage_text, "--from-counts takes files of tables and no --calibration-end");
	if (loglik && !params_path)
		usage_fail(usage_text, "--loglik needs --params");
	if ((tiers_path || segs_path) && !json)
		usage_fail(usage_text, "--tiers and --segments need --json");
	if (params_path && (fit_only || counts))
		usage_fail(usage_text, "--params scores: not with --fit-only or --counts");
	if (!from_counts && argc - first > 1)
		usage_fail(usage_text, "one input file at most");
	if (X.cal_end != INT32_MIN && X.cal_end != month_last_day(month_of_day(X.cal_end)))
		usage_fail(usage_text, "--calibration-end: monthly rows end on a month's last day");

	rules_cache_open(&X.rc, c.rules);
	X.rules = X.rc.rules;
	X.decimals = X.rc.money.decimals;
	X.currency = X.rc.def->currency;
	X.warmup_months = X.rc.def->win.activity;
	rules_id(X.rules, X.rid);
	clv_rules_load(&X.cr, X.rules);
	if (params_path) {
		char err[300];
		if (btyd_params_read(params_path, &X.par, err, sizeof err))
			die("%s", err);
		if (strcmp(X.par.rules, X.rid) != 0)
			die("%s: made with rules %s, not the rules in effect (%s)", params_path, X.par.rules, X.rid);
		X.params_given = 1;
	}

	Out o;
	out_create(&o, c.output);
	progress_init(&X.pg, c.progress);
	if (from_counts) {
		for (int i = first; i < argc; i++)
			read_counts(&X, argv[i]);
		sort_tables(&X);
	} else {
		read_agg(&X, first < argc ? argv[first] : "-");
		make_tables(&X);
	}
	progress_end(&X.pg);
	if (tiers_path)
		read_labels(&X, tiers_path, "tier", 0);
	if (segs_path)
		read_labels(&X, segs_path, "segment", 1);

	if (counts) {
		write_counts(&X, &o);
	} else if (loglik) {
		write_loglik(&X, &o);
	} else {
		if (!X.params_given)
			fit_models(&X);
		if (fit_only) {
			write_params(&X, &o);
		} else {
			score_all(&X);
			if (json)
				write_doc(&X, &o);
			else
				write_rows(&X, &o);
		}
	}
	out_close(&o);
	if (c.stats) {
		if (from_counts)
			fprintf(stderr, "crm-clv: %llu table rows read: %zu distinct summaries, %zu distinct "
				"repeat spends\n", (unsigned long long)X.rows, X.ntx, X.ngg);
		else
			fprintf(stderr, "crm-clv: %llu rows read: %zu customers scored, %llu without a "
				"consumable purchase%s, %llu first buying after the calibration end; %zu "
				"distinct summaries, %.0f repeat customers with a mean spend not above 0 "
				"left out of gamma-gamma\n", (unsigned long long)X.rows, X.ncust,
				(unsigned long long)X.no_purchase, X.cal_end != INT32_MIN ? " in the period" : "",
				(unsigned long long)X.holdout_only, X.ntx, X.gg_left_out);
	}
	return 0;
}
