/* crm-json: publish the monthly signals as one JSON document, or as one
 * JSON object per row (--ndjson).
 *
 * Reads crm-churn's rows, sorted by (brand,) customer_id, month, and adds
 * them up per brand and month: memory grows with months x brands x tiers,
 * never with customers. The layout is documented in crm-json(1) and in
 * man/crm-json.schema.json.
 *
 * The period ends on the as-of day of period_end: a month that day does not
 * complete is partial, and says so with the days it covers. Warm-up months
 * (crm-tier's warmup) lack the history before the data: comparisons with
 * them (yoy) are null unless --keep-warmup. */
#include "publish.h"
#include "date.h"
#include "opt.h"
#include "out.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-json [--rules FILE] [--at-risk N] [--keep-warmup] [-o FILE] [FILE]\n"
	"       crm-json [--rules FILE] [--at-risk N] --partial I/N [-o FILE] [FILE]\n"
	"       crm-json [--rules FILE] [--at-risk N] [--keep-warmup] --merge [-o FILE] PARTIAL...\n"
	"       crm-json --ndjson [-o FILE] [FILE]";

/* ctx_open settles X for a document: the rules' tiers (the defaults'
 * first, then each brand's), the series of all customers, TOP at-risk
 * customers per series. */
static void ctx_open(Ctx *x, size_t top)
{
	x->top = top;
	add_tiers(x, &x->rc.def->tier);
	for (size_t i = 0; i < x->rules->nbrands; i++)
		add_tiers(x, &brand_rules_section(&x->rc, x->rules->brands[i])->tier);
	x->inactive = x->rc.def->tier.inactive;
	x->s = xcalloc(1, sizeof *x->s);
	x->ns = 1;
	series_init(&x->s[0], NULL, x->top);
}

/* ctx_close frees what X holds. */
static void ctx_close(Ctx *x)
{
	for (size_t i = 0; i < x->ns; i++)
		series_free(&x->s[i]);
	free(x->s);
	for (size_t k = 0; k < x->ntiers; k++)
		free(x->tiers[k]);
	rules_cache_close(&x->rc);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	int nd = 0, merge = 0;
	OptPart part = { 0, 0 };
	OptUint top = { 0, 100000, 0, 0 };
	Ctx x;
	memset(&x, 0, sizeof x);
	x.as_of = x.start = NO_DAY;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "at-risk", 0, "N", opt_uint, &top, 0, "list the N customers most at risk" },
		{ "keep-warmup", 0, NULL, NULL, &x.keep_warmup, 1, "compare warm-up months in yoy too" },
		{ "ndjson", 0, NULL, NULL, &nd, 1, "one object per row" },
		{ "partial", 0, "I/N", opt_hash_part, &part, 0, "write partition I of N's sufficient statistics" },
		{ "merge", 0, NULL, NULL, &merge, 1, "the document of every partition's partial" },
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (nd + merge + (part.n > 0) > 1)
		usage_fail(usage_text, "--ndjson, --partial and --merge exclude one another");
	if (merge && argc - first < 1)
		usage_fail(usage_text, "--merge needs the partials");
	if (!merge && argc - first > 1)
		usage_fail(usage_text, "one input at most");
	rules_cache_open(&x.rc, c.rules);
	x.rules = x.rc.rules;
	x.decimals = x.rc.money.decimals;
	if (merge) {
		ctx_open(&x, (size_t)top.v);
		merge_partials(&x, argv + first, (size_t)(argc - first), top.given);
		Out o;
		out_create(&o, c.output);
		write_doc(&x, &o);
		out_close(&o);
		ctx_close(&x);
		return 0;
	}
	Tsv t;
	tsv_open(&t, first < argc ? argv[first] : "-");
	Out o;
	out_create(&o, c.output);
	if (part.n) {
		ctx_open(&x, (size_t)top.v);
		read_rows(&x, &t);
		partial_write(&x, &o, part.i, part.n);
	} else if (nd) {
		ndjson(&t, &o, x.decimals);
	} else {
		ctx_open(&x, (size_t)top.v);
		read_rows(&x, &t);
		write_doc(&x, &o);
	}
	out_close(&o);
	tsv_close(&t);
	ctx_close(&x);
	return 0;
}
