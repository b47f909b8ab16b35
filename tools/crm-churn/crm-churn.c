/* crm-churn: churn risk per customer and month.
 *
 * Reads crm-tier's rows (crm-lifecycle's too) and adds churn_risk (0/1) and
 * churn_reason for active customers of the tiers in churn.tiers:
 *   lapse    recency_days >= churn.min_gap_days and >= churn.gap_factor times
 *            the mean gap between orders in the monetary window (two orders
 *            at least); with n orders from day a to day b that mean gap is
 *            (b - a) / (n - 1), whatever the days between.
 *   decline  consumable value per month over the last churn.recent_months is
 *            below churn.drop_ratio times the value per month over the rest
 *            of the monetary window (the months since the first purchase).
 * Both compare exact integers: no rounding decides a risk. */
#include "date.h"
#include "filteropt.h"
#include "history.h"
#include "keyorder.h"
#include "money.h"
#include "out.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-churn [--rules FILE] [--from YYYY-MM] [--explain] [--stats] [-o FILE] [FILE]";

static const HelpOpt help[] = {
	{ "--rules FILE", "rules overriding the built-in ones" },
	{ "--from YYYY-MM", "print only months from this one on" },
	{ "--explain", "add churn_explain" },
	{ "--stats", "print rows read and written and each reason's count on stderr" },
	{ "-o FILE", "write to FILE (a temporary file renamed at the end)" },
	{ NULL, NULL },
};

#define MICRO 1000000 /* decimals of ratios: 6 */

typedef struct {
	char *brand;
	char **tiers;
	size_t *tier_len;
	size_t ntiers;
	int wm, recent;
	int64_t min_gap, factor, ratio; /* factor and ratio in millionths */
	const char *t_factor, *t_ratio;
} Brand;

static Brand *brand_rules(Rules *rules, Brand **v, size_t *n, const char *b, size_t bn)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].brand) == bn && memcmp((*v)[i].brand, b, bn) == 0)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	Brand *r = &(*v)[(*n)++];
	r->brand = xstrndup(b, bn);
	const char *rb = bn && rules_has_brand(rules, r->brand) ? r->brand : NULL;
	r->ntiers = rules_list(rules, rb, "churn.tiers", &r->tiers);
	r->tier_len = xmalloc((r->ntiers + 1) * sizeof *r->tier_len);
	for (size_t i = 0; i < r->ntiers; i++)
		r->tier_len[i] = strlen(r->tiers[i]);
	r->wm = (int)rules_int(rules, rb, "window.monetary_months");
	r->recent = (int)rules_int(rules, rb, "churn.recent_months");
	r->min_gap = rules_int(rules, rb, "churn.min_gap_days");
	r->factor = rules_fixed(rules, rb, "churn.gap_factor", 6, NULL);
	r->ratio = rules_fixed(rules, rb, "churn.drop_ratio", 6, NULL);
	r->t_factor = rules_get(rules, rb, "churn.gap_factor");
	r->t_ratio = rules_get(rules, rb, "churn.drop_ratio");
	return r;
}

static int in_list(char **v, const size_t *len, size_t n, Field f)
{
	for (size_t i = 0; i < n; i++)
		if (len[i] == f.n && memcmp(v[i], f.p, f.n) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	FilterOpts opt;
	filter_options(argc, argv, usage_text, help, 0, &opt);
	int explain = opt.explain;
	int32_t from = opt.from;

	Rules *rules = rules_load(opt.rules);
	int decimals = (int)rules_int(rules, NULL, "money.decimals");
	Tsv t;
	tsv_open(&t, opt.input);
	int mi = tsv_need(&t, "month", "crm-agg"), oi = tsv_need(&t, "orders", "crm-agg");
	int ami = tsv_need(&t, "amount", "crm-agg");
	int fdi = tsv_need(&t, "first_date", "crm-agg"), ldi = tsv_need(&t, "last_date", "crm-agg");
	int ti = tsv_need(&t, "tenure_months", "crm-tier"), ri = tsv_need(&t, "recency_days", "crm-tier");
	int aci = tsv_need(&t, "active", "crm-tier"), tri = tsv_need(&t, "tier", "crm-tier");
	int bi = tsv_col(&t, "brand");
	KeyOrder ko;
	keyorder_init(&ko, &t);
	/* Split rows only as far as the columns read by name; the rest
	 * pass as text. */
	tsv_split_found(&t);
	Out o;
	out_create(&o, opt.output);
	filter_header(&o, &t, explain ? "churn_risk\tchurn_reason\tchurn_explain" : "churn_risk\tchurn_reason");

	Brand *brands = NULL, *br = NULL;
	size_t nbrands = 0;
	History h;
	hist_init(&h);
	uint64_t rows = 0, written = 0, nlapse = 0, ndecline = 0, nrisk = 0;
	char ebuf[400];
	while (tsv_next(&t)) {
		rows++;
		int32_t month;
		const char *why = month_parse(t.f[mi].p, t.f[mi].n, &month);
		if (why)
			tsv_fail(&t, mi, why);
		int start = keyorder_next(&ko, &t, month);
		keyorder_whole(&ko, &t, start, ti);
		if (start) {
			br = brand_rules(rules, &brands, &nbrands, bi >= 0 ? t.f[bi].p : "",
					 bi >= 0 ? t.f[bi].n : 0);
			hist_reset(&h, month);
		}
		int64_t orders, amount;
		if ((why = int_parse(t.f[oi].p, t.f[oi].n, &orders)))
			tsv_fail(&t, oi, why);
		if ((why = fixed_parse(t.f[ami].p, t.f[ami].n, decimals, &amount)))
			tsv_fail(&t, ami, why);
		int32_t fd = -1, ld = -1;
		if (t.f[fdi].n && (why = date_parse(t.f[fdi].p, t.f[fdi].n, &fd)))
			tsv_fail(&t, fdi, why);
		if (t.f[ldi].n && (why = date_parse(t.f[ldi].p, t.f[ldi].n, &ld)))
			tsv_fail(&t, ldi, why);
		if (orders > 0 && (fd < 0 || ld < 0))
			tsv_fail(&t, fd < 0 ? fdi : ldi, "is empty in a month with orders");
		hist_push(&h, orders, amount, fd, ld);

		int lapse = 0, decline = 0;
		size_t elen = 0;
		ebuf[0] = '\0';
		Field act = t.f[aci];
		if (act.n == 1 && act.p[0] == '1' && in_list(br->tiers, br->tier_len, br->ntiers, t.f[tri])) {
			int64_t recency;
			if ((why = int_parse(t.f[ri].p, t.f[ri].n, &recency)))
				tsv_fail(&t, ri, why);
			int64_t n = hist_orders(&h, br->wm);
			int32_t a, b;
			if (n >= 2 && hist_span(&h, br->wm, &a, &b) && recency >= br->min_gap &&
			    (__int128)recency * (n - 1) * MICRO >= (__int128)br->factor * (b - a)) {
				lapse = 1;
				/* The mean gap in tenths of a day, for the reader only. */
				int64_t gap10 = div_round((int64_t)(b - a) * 10, n - 1);
				elen += (size_t)snprintf(ebuf + elen, sizeof ebuf - elen,
					"lapse: recency %lld>=%lld and >=%sx%lld.%lld (mean gap of %lld orders)",
					(long long)recency, (long long)br->min_gap, br->t_factor,
					(long long)(gap10 / 10), (long long)(gap10 % 10), (long long)n);
			}
			int64_t tenure = month - h.first_month;
			int64_t span = tenure + 1 < br->wm ? tenure + 1 : br->wm;
			int64_t rest = span - br->recent;
			if (rest > 0) {
				int64_t recent_v = hist_amount(&h, br->recent);
				int64_t rest_v = hist_amount(&h, (int)span) - recent_v;
				if (rest_v > 0 && (__int128)recent_v * rest * MICRO <
						  (__int128)br->ratio * rest_v * br->recent) {
					decline = 1;
					char r1[32], r2[32];
					r1[fixed_fmt(r1, div_round(recent_v, br->recent), decimals)] = '\0';
					r2[fixed_fmt(r2, div_round(rest_v, rest), decimals)] = '\0';
					elen += (size_t)snprintf(ebuf + elen, sizeof ebuf - elen,
						"%sdecline: %s/month over %d months < %sx%s/month over the %lld before",
						lapse ? "; " : "", r1, br->recent, br->t_ratio, r2, (long long)rest);
				}
			}
		}
		nlapse += (uint64_t)lapse;
		ndecline += (uint64_t)decline;
		nrisk += (uint64_t)(lapse | decline);
		if (month < from)
			continue;
		out_write(&o, t.line, t.line_n);
		out_str(&o, lapse | decline ? "\t1\t" : "\t0\t");
		out_str(&o, lapse ? (decline ? "lapse+decline" : "lapse") : decline ? "decline" : "");
		if (explain) {
			out_char(&o, '\t');
			out_write(&o, ebuf, elen);
		}
		out_char(&o, '\n');
		written++;
	}
	out_close(&o);
	if (opt.stats)
		fprintf(stderr, "crm-churn: %llu rows read, %llu written (%llu before --from left out); "
			"%llu at risk: %llu lapse, %llu decline\n", (unsigned long long)rows,
			(unsigned long long)written, (unsigned long long)(rows - written),
			(unsigned long long)nrisk, (unsigned long long)nlapse, (unsigned long long)ndecline);
	for (size_t i = 0; i < nbrands; i++) {
		free(brands[i].brand);
		rules_list_free(brands[i].tiers);
		free(brands[i].tier_len);
	}
	free(brands);
	hist_free(&h);
	keyorder_free(&ko);
	tsv_close(&t);
	rules_free(rules);
	return 0;
}
