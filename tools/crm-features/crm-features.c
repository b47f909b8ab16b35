/* crm-features: a feature row per customer and snapshot month, for churn
 * and revenue models.
 *
 * Reads the signal stream (crm-agg | crm-tier, with crm-lifecycle and
 * crm-churn columns when present), sorted by (brand,) customer and month,
 * one customer at a time. A snapshot's features come only from the months
 * up to it, measured on its as-of day (the month's last day, or the data's
 * as-of day in a partial month); its labels come from the months after it
 * and are empty when the data do not reach far enough. */
#include "feat.h"

#include "brandrules.h"
#include "date.h"
#include "filteropt.h"
#include "keyorder.h"
#include "opt.h"
#include "out.h"
#include "progress.h"
#include "rules.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-features [--rules FILE] [--snapshot YYYY-MM] [--clv-params FILE] [--stats] [-o FILE] [FILE]";

/* cust_start empties C for the customer of T's current row, keeping its key
 * text (the brand and customer_id fields) and its brand's rules. */
static void cust_start(Cust *c, const Tsv *t, const Cols *k, RulesCache *rc)
{
	Field cf = t->f[k->customer];
	size_t need = cf.n + 1 + (k->brand >= 0 ? t->f[k->brand].n + 1 : 0);
	if (need > c->keycap) {
		c->keycap = need * 2;
		c->key = xrealloc(c->key, c->keycap);
	}
	c->keyn = 0;
	if (k->brand >= 0) {
		memcpy(c->key, t->f[k->brand].p, t->f[k->brand].n);
		c->keyn = t->f[k->brand].n;
		c->key[c->keyn++] = '\t';
	}
	memcpy(c->key + c->keyn, cf.p, cf.n);
	c->keyn += cf.n;
	c->n = 0;
	c->br = brand_rules(rc, k->brand >= 0 ? t->f[k->brand].p : "", k->brand >= 0 ? t->f[k->brand].n : 0);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon com;
	opt_common_init(&com);
	int32_t snapshot = INT32_MIN;
	const char *clv_path = NULL;
	const Opt opts[] = {
		OPT_RULES(&com),
		{ "snapshot", 0, "YYYY-MM", opt_month, &snapshot, 0,
		  "only this snapshot month, not features.snapshot_step's" },
		{ "clv-params", 0, "FILE", opt_str, &clv_path, 0,
		  "add p_alive, exp_purchases, exp_revenue of a crm-clv fit" },
		OPT_STATS(&com, "print rows read and written and labels on stderr"),
		OPT_PROGRESS(&com),
		OPT_OUTPUT(&com),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (argc - first > 1)
		usage_fail(usage_text, "one input at most");
	const char *input = argc - first == 1 ? argv[first] : "-";

	RulesCache rc;
	rules_cache_open(&rc, com.rules);
	Feat f;
	memset(&f, 0, sizeof f);
	rules_id(rc.rules, f.rid);
	f.decimals = rc.money.decimals;
	f.label_days = (int32_t)rules_int(rc.rules, NULL, "churn.label_days");
	f.revenue_days = (int32_t)rules_int(rc.rules, NULL, "model.revenue_days");
	static const int steps[] = { 1, 2, 3, 4, 6, 12 };
	f.step = steps[rules_enum(rc.rules, NULL, "features.snapshot_step")];
	f.all = rules_enum(rc.rules, NULL, "features.population") == 1;
	f.snapshot = snapshot;
	BtydParams par;
	if (clv_path) {
		char err[512];
		if (btyd_params_read(clv_path, &par, err, sizeof err))
			die("%s", err);
		if (strcmp(par.rules, f.rid) != 0)
			die("%s: made with rules %s, not the rules in effect (%s)", clv_path, par.rules, f.rid);
		f.clv = &par;
	}

	Tsv t;
	tsv_open(&t, input);
	Cols k;
	k.customer = schema_need(&t, "customer_id");
	k.month = schema_need(&t, "month");
	k.orders = schema_need(&t, "orders");
	k.amount = schema_need(&t, "amount");
	k.first_date = schema_need(&t, "first_date");
	k.last_date = schema_need(&t, "last_date");
	k.other_orders = schema_need(&t, "other_orders");
	k.other_amount = schema_need(&t, "other_amount");
	k.period_end = schema_need(&t, "period_end");
	k.tenure = schema_need(&t, "tenure_months");
	k.active = schema_need(&t, "active");
	k.warmup = schema_need(&t, "warmup");
	k.tier = tsv_col(&t, "tier");
	k.event = tsv_col(&t, "event");
	k.churn_risk = tsv_col(&t, "churn_risk");
	k.churn_reason = k.churn_risk >= 0 ? schema_need(&t, "churn_reason") : -1;
	k.brand = tsv_col(&t, "brand");
	k.rules_id = tsv_col(&t, "rules_id");
	if (k.rules_id >= 0 && k.rules_id != t.ncols - 1)
		die("%s:1: column 'rules_id' is not the last: it must stay behind every other column", t.name);
	KeyOrder ko;
	keyorder_init(&ko, &t);
	tsv_split_found(&t);

	out_create(&f.out, com.output);
	feat_header(&f, k.brand >= 0);
	Cust c;
	memset(&c, 0, sizeof c);
	Progress pg;
	progress_init(&pg, com.progress);
	while (tsv_next(&t)) {
		progress_add(&pg, 1);
		f.rows++;
		filter_rules_row(&t, k.rules_id, f.rid);
		int32_t month;
		const char *why = month_parse(t.f[k.month].p, t.f[k.month].n, &month);
		if (why)
			tsv_fail(&t, k.month, why);
		int start = keyorder_next(&ko, &t, month);
		keyorder_whole(&ko, &t, start, k.tenure);
		if (start) {
			if (f.rows > 1)
				feat_customer(&f, &c);
			cust_start(&c, &t, &k, &rc);
			f.customers++;
		}
		if (c.n == c.cap) {
			c.cap = c.cap ? c.cap * 2 : 64;
			c.m = xrealloc(c.m, c.cap * sizeof *c.m);
		}
		read_month(&t, &k, &f, c.br, month, c.n ? &c.m[c.n - 1] : NULL, &c.m[c.n]);
		c.n++;
	}
	if (f.rows)
		feat_customer(&f, &c);
	progress_end(&pg);
	out_close(&f.out);
	if (com.stats)
		fprintf(stderr, "crm-features: %llu rows read (%llu customers): %llu snapshot rows written, "
			"%llu left out (not a snapshot month%s); %llu labelled for churn (%llu churned), "
			"%llu for revenue\n", (unsigned long long)f.rows, (unsigned long long)f.customers,
			(unsigned long long)f.written, (unsigned long long)(f.rows - f.written),
			f.all ? "" : " or not active", (unsigned long long)f.labelled,
			(unsigned long long)f.churned, (unsigned long long)f.rev_labelled);
	free(c.m);
	free(c.key);
	keyorder_free(&ko);
	tsv_close(&t);
	rules_cache_close(&rc);
	return 0;
}
