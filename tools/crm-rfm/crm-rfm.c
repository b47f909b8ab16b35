/* crm-rfm: recency, frequency and monetary scores and the named segments.
 *
 * Reads transactions (any order) or crm-agg's monthly rows and writes one row
 * per customer with a consumable order in the period, sorted by (brand,)
 * customer_id. Data flow: every consumable line up to the as-of date becomes
 * a (customer, day, amount) record, folded on the fly with the record before
 * it when both are of the same customer and day (an order's lines come
 * together); at the end the records are grouped by customer (counting sort),
 * each customer's period is folded, and each brand's customers are scored
 * against that brand's quantiles or cut points. */
#include "bigmem.h"
#include "brandrules.h"
#include "date.h"
#include "hash.h"
#include "json.h"
#include "money.h"
#include "opt.h"
#include "out.h"
#include "products.h"
#include "progress.h"
#include "rfm.h"
#include "rules.h"
#include "filteropt.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-rfm [--rules FILE] [--products FILE] [--as-of YYYY-MM-DD]\n"
	"               [--cuts FILE] [--summary | --thresholds | --json | --values] [--stats]\n"
	"               [--progress] [-o FILE] [FILE ...]\n"
	"       crm-rfm [--rules FILE] --combine [-o FILE] FILE ...";

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *products_path = NULL;
	int summary = 0, thresholds = 0, json = 0, values = 0, combine = 0;
	const char *cuts_path = NULL;
	static Ctx X; /* static: reachable until exit */
	memset(&X, 0, sizeof X);
	X.as_of = INT32_MIN;
	X.has_brand = X.monthly = -1;
	X.max_day = INT32_MIN;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "products", 0, "FILE", opt_str, &products_path, 0, "categories from a sku, category file" },
		{ "as-of", 0, "YYYY-MM-DD", opt_date, &X.as_of, 0,
		  "the day the scores describe (default: the latest date)" },
		{ "summary", 0, NULL, NULL, &summary, 1, "write per segment counts, shares and medians" },
		{ "thresholds", 0, NULL, NULL, &thresholds, 1, "write the score bounds instead of customers" },
		{ "json", 0, NULL, NULL, &json, 1, "write the document crm-report reads" },
		{ "values", 0, NULL, NULL, &values, 1, "write each measure's values and their customers" },
		{ "combine", 0, NULL, NULL, &combine, 1, "add up --values files into quantile cut points" },
		{ "cuts", 0, "FILE", opt_str, &cuts_path, 0, "score with the cut points of --combine" },
		OPT_STATS(&c, "report rows read, used and left out on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (summary + thresholds + json + values + combine > 1)
		usage_fail(usage_text, "--summary, --thresholds, --json, --values and --combine exclude each other");
	if (combine && (cuts_path || products_path || X.as_of != INT32_MIN))
		usage_fail(usage_text, "--combine reads --values files only");
	if (combine && first == argc)
		usage_fail(usage_text, "--combine needs the --values files");
	X.as_of_given = X.as_of != INT32_MIN;
	X.values_only = values;
	rules_cache_open(&X.rc, c.rules);
	X.rules = X.rc.rules;
	X.decimals = X.rc.money.decimals;
	static Products products; /* static: reachable until exit */
	if (products_path) {
		products_load(&products, products_path);
		X.products = &products;
	}
	Out o;
	out_create(&o, c.output);
	if (combine) {
		combine_values(&X, &o, argv + first, argc - first);
		out_close(&o);
		return 0;
	}
	if (cuts_path)
		read_cuts(&X, cuts_path);
	progress_init(&X.pg, c.progress);
	if (first == argc)
		read_file(&X, "-");
	for (int i = first; i < argc; i++)
		read_file(&X, argv[i]);
	progress_end(&X.pg);
	if (!X.as_of_given) {
		if (X.max_day == INT32_MIN)
			die("no rows to score, and no --as-of");
		X.as_of = X.max_day;
	}
	fold(&X);
	score_all(&X);
	uint32_t *order = xmalloc((X.nbr ? X.nbr : 1) * sizeof *order);
	for (size_t i = 0; i < X.nbr; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, X.nbr, sizeof *order, cmp_brand, &X);
	if (summary)
		write_summary(&X, &o, order);
	else if (thresholds)
		write_thresholds(&X, &o, order);
	else if (json)
		write_json(&X, &o, order);
	else if (values)
		write_values(&X, &o, order);
	else
		write_rows(&X, &o, order);
	out_close(&o);
	free(order);
	if (c.stats) {
		uint64_t scored = 0;
		for (size_t i = 0; i < X.nbr; i++)
			scored += X.br[i].n;
		char asof[11];
		date_fmt(asof, X.as_of);
		asof[10] = 0;
		fprintf(stderr, "crm-rfm: as of %s: %llu rows read: %llu used, %llu of excluded categories, "
			"%llu after the as-of date; %llu customers, %llu scored (a consumable order in the "
			"period), %llu not\n", asof, (unsigned long long)X.rows, (unsigned long long)X.used,
			(unsigned long long)X.excluded, (unsigned long long)X.later,
			(unsigned long long)X.ncust, (unsigned long long)scored,
			(unsigned long long)(X.ncust - scored));
	}
	return 0;
}
