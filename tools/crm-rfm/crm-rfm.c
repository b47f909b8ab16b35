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
#include "help.h"
#include "json.h"
#include "money.h"
#include "out.h"
#include "products.h"
#include "rfm.h"
#include "rules.h"
#include "filteropt.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-rfm [--rules FILE] [--products FILE] [--as-of YYYY-MM-DD]\n"
	"               [--summary | --thresholds | --json] [--stats] [-o FILE] [FILE ...]";

static const HelpOpt help[] = {
	{ "--rules FILE", "rules over the built-in defaults" },
	{ "--products FILE", "categories from a sku, category file" },
	{ "--as-of YYYY-MM-DD", "the day the scores describe (default: the latest date)" },
	{ "--summary", "write per segment counts, shares and medians" },
	{ "--thresholds", "write the score bounds instead of customers" },
	{ "--json", "write the document crm-report reads" },
	{ "--stats", "report rows read, used and left out on stderr" },
	{ "-o FILE", "write to FILE (a temporary file renamed at the end)" },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	const char *rules_path = NULL, *output = "-", *products_path = NULL;
	int mode = 0, stats = 0;
	static Ctx X; /* static: reachable until exit */
	memset(&X, 0, sizeof X);
	X.as_of = INT32_MIN;
	X.has_brand = X.monthly = -1;
	X.max_day = INT32_MIN;
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "products", required_argument, NULL, 'p' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "summary", no_argument, NULL, 'S' },
		{ "thresholds", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'J' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': rules_path = optarg; break;
		case 'p': products_path = optarg; break;
		case 'a':
			if (date_parse(optarg, strlen(optarg), &X.as_of))
				usage_fail(usage_text, "--as-of: '%s' is not a date (YYYY-MM-DD)", optarg);
			X.as_of_given = 1;
			break;
		case 'S':
		case 'T':
		case 'J':
			if (mode && mode != ch)
				usage_fail(usage_text, "--summary, --thresholds and --json exclude each other");
			mode = ch;
			break;
		case 's': stats = 1; break;
		case 'o': output = optarg; break;
		case 'h':
			help_exit(usage_text, help);
		case 'V':
			printf("crm-rfm %s\n", CRM_VERSION);
			return 0;
		default:
			usage_fail(usage_text, NULL);
		}
	}
	rules_cache_open(&X.rc, rules_path);
	X.rules = X.rc.rules;
	X.decimals = X.rc.money.decimals;
	static Products products; /* static: reachable until exit */
	if (products_path) {
		products_load(&products, products_path);
		X.products = &products;
	}
	Out o;
	out_create(&o, output);
	if (optind == argc)
		read_file(&X, "-");
	for (int i = optind; i < argc; i++)
		read_file(&X, argv[i]);
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
	if (mode == 'S')
		write_summary(&X, &o, order);
	else if (mode == 'T')
		write_thresholds(&X, &o, order);
	else if (mode == 'J')
		write_json(&X, &o, order);
	else
		write_rows(&X, &o, order);
	out_close(&o);
	free(order);
	if (stats) {
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
