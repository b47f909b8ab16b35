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
 *            In a partial month (the as-of day of period_end before the
 *            month's last day) the recent months are the whole ones before
 *            it plus the days elapsed: value per month divides by that time.
 * Both compare exact integers: no rounding decides a risk. */
#include "brandrules.h"
#include "date.h"
#include "filteropt.h"
#include "history.h"
#include "keyorder.h"
#include "money.h"
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
	"crm-churn [--rules FILE] [--from YYYY-MM] [--explain] [--stats] [--progress]\n"
	"                 [-o FILE] [FILE]";

#define MICRO 1000000 /* decimals of ratios: 6 */
#define DAYS_MAX 3652059 /* 0001-01-01 to 9999-12-31 */

/* overflow dies naming the customer and month whose sum of WHAT over W
 * months is beyond 64 bits. */
static void overflow(const Tsv *t, const KeyOrder *k, int32_t month, const char *what, int w)
{
	char mb[8];
	month_fmt(mb, month);
	tsv_fail_line(t, "a sum for customer '%.*s' overflows 64 bits (%s over the %d months to %.7s)",
		      (int)k->cn, k->cust, what, w, mb);
}

static int in_list(char **v, const size_t *len, size_t n, Field f)
{
	for (size_t i = 0; i < n; i++)
		if (len[i] == f.n && memcmp(v[i], f.p, f.n) == 0)
			return 1;
	return 0;
}

/* per_month writes to BUF (80 bytes) the value per month NUM*MUL/DEN
 * (DEN > 0) as --explain states it: the money when the division is exact,
 * else the exact fraction in parentheses ("(100.00/3)"), so that the
 * comparison stated with it is true. */
static void per_month(char *buf, int64_t num, int64_t mul, int64_t den, int decimals)
{
	if ((__int128)num * mul % den == 0 && mul == 1) {
		buf[fixed_fmt(buf, num / den, decimals)] = '\0';
		return;
	}
	size_t n = 0;
	buf[n++] = '(';
	n += fixed_fmt(buf + n, num, decimals);
	if (mul != 1)
		n += (size_t)snprintf(buf + n, 24, "x%lld", (long long)mul);
	snprintf(buf + n, 24, "/%lld)", (long long)den);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	FilterOpts opt;
	filter_init(&opt);
	const Opt opts[] = {
		OPT_RULES(&opt.c),
		OPT_FILTER_FROM(&opt, "print only months from this one on"),
		OPT_FILTER_END(&opt, "add churn_explain",
			       "print rows read and written and each reason's count on stderr"),
	};
	RulesCache rc;
	char rid[17];
	filter_start(&opt, argc, argv, usage_text, opts, &rc, rid);
	int explain = opt.explain;
	int32_t from = opt.from;
	int decimals = rc.money.decimals;
	Tsv t;
	tsv_open(&t, opt.input);
	int mi = schema_need(&t, "month"), oi = schema_need(&t, "orders");
	int ami = schema_need(&t, "amount");
	int fdi = schema_need(&t, "first_date"), ldi = schema_need(&t, "last_date");
	int ti = schema_need(&t, "tenure_months"), ri = schema_need(&t, "recency_days");
	int aci = schema_need(&t, "active"), tri = schema_need(&t, "tier");
	int bi = tsv_col(&t, "brand"), pei = tsv_col(&t, "period_end");
	KeyOrder ko;
	keyorder_init(&ko, &t);
	/* Split rows only as far as the columns read by name; the rest
	 * pass as text. */
	tsv_split_found(&t);
	Out o;
	out_create(&o, opt.c.output);
	int rii = filter_header(&o, &t, "crm-churn", explain);

	const ChurnRules *ch = NULL;  /* the customer's brand's */
	const WindowRules *win = NULL;
	History h;
	hist_init(&h);
	uint64_t rows = 0, written = 0, nlapse = 0, ndecline = 0, nrisk = 0;
	char ebuf[400];
	/* The as-of day, parsed again only when period_end's text changes. */
	char pe_text[16] = "";
	int32_t as_month = INT32_MAX;
	int as_days = 0, as_len = 0;
	Progress pg;
	progress_init(&pg, opt.c.progress);
	while (tsv_next(&t)) {
		progress_add(&pg, 1);
		rows++;
		size_t keep_n = filter_rules_row(&t, rii, rid);
		int32_t month;
		const char *why = month_parse(t.f[mi].p, t.f[mi].n, &month);
		if (why)
			tsv_fail(&t, mi, why);
		int start = keyorder_next(&ko, &t, month);
		keyorder_whole(&ko, &t, start, ti);
		if (start) {
			const BrandRules *br = brand_rules(&rc, bi >= 0 ? t.f[bi].p : "",
							   bi >= 0 ? t.f[bi].n : 0);
			ch = &br->churn;
			win = &br->win;
			hist_reset(&h, month);
		}
		int64_t orders, amount;
		if ((why = int_parse(t.f[oi].p, t.f[oi].n, &orders)))
			tsv_fail(&t, oi, why);
		if ((why = fixed_parse(t.f[ami].p, t.f[ami].n, decimals, &amount)))
			tsv_fail(&t, ami, why);
		int32_t fd = NO_DAY, ld = NO_DAY;
		if (t.f[fdi].n && (why = date_parse(t.f[fdi].p, t.f[fdi].n, &fd)))
			tsv_fail(&t, fdi, why);
		if (t.f[ldi].n && (why = date_parse(t.f[ldi].p, t.f[ldi].n, &ld)))
			tsv_fail(&t, ldi, why);
		if (orders > 0 && (fd == NO_DAY || ld == NO_DAY))
			tsv_fail(&t, fd == NO_DAY ? fdi : ldi, "is empty in a month with orders");
		hist_push(&h, orders, amount, fd, ld);
		if (pei >= 0) {
			Field pf = t.f[pei];
			if (pf.n >= sizeof pe_text || memcmp(pf.p, pe_text, pf.n) != 0 || pe_text[pf.n]) {
				int32_t pe;
				if ((why = day_parse_end(pf.p, pf.n, &pe)))
					tsv_fail(&t, pei, why);
				memcpy(pe_text, pf.p, pf.n);
				pe_text[pf.n] = '\0';
				as_month = month_of_day(pe);
				as_days = month_elapsed(as_month, pe, &as_len);
			}
		}
		/* The recent months: RNUM/RDEN of a month, fewer in a partial
		 * month by the days not yet elapsed. */
		int partial = month == as_month && as_days < as_len;
		int64_t rnum = partial ? ((int64_t)ch->recent_months - 1) * as_len + as_days : ch->recent_months;
		int64_t rden = partial ? as_len : 1;

		int lapse = 0, decline = 0;
		size_t elen = 0;
		ebuf[0] = '\0';
		Field act = t.f[aci];
		if (act.n == 1 && act.p[0] == '1' && in_list(ch->tiers, ch->tier_len, ch->ntiers, t.f[tri])) {
			int64_t recency;
			if ((why = int_parse(t.f[ri].p, t.f[ri].n, &recency)) ||
			    recency < 0 || recency > DAYS_MAX)
				tsv_fail(&t, ri, why ? why : "is not a number of days");
			int64_t n;
			if (hist_orders(&h, win->monetary, &n))
				overflow(&t, &ko, month, "orders", win->monetary);
			int32_t a = 0, b = 0;
			/* recency < 2^22 days, n < 2^63, MICRO < 2^20: the
			 * product fits in 128 bits. */
			lapse = n >= 2 && hist_span(&h, win->monetary, &a, &b) && recency >= ch->min_gap_days &&
				(__int128)recency * (n - 1) * MICRO >= (__int128)ch->gap_factor * (b - a);
			/* The explanation, only when asked for. The mean gap in
			 * tenths of a day when that is exact, else as its
			 * fraction: the comparison stated must be true, and a
			 * rounded gap can make it false. */
			if (lapse && explain) {
				char gap[48];
				int64_t days = (int64_t)(b - a);
				if (days * 10 % (n - 1) == 0) {
					int64_t gap10 = days * 10 / (n - 1);
					snprintf(gap, sizeof gap, "%lld.%lld", (long long)(gap10 / 10),
						 (long long)(gap10 % 10));
				} else {
					snprintf(gap, sizeof gap, "(%lld/%lld)", (long long)days, (long long)(n - 1));
				}
				elen += (size_t)snprintf(ebuf + elen, sizeof ebuf - elen,
					"lapse: recency %lld>=%lld and >=%sx%s (mean gap of %lld orders)",
					(long long)recency, (long long)ch->min_gap_days, ch->t_gap_factor, gap,
					(long long)n);
			}
			int64_t tenure = month - h.first_month;
			int64_t span = tenure + 1 < win->monetary ? tenure + 1 : win->monetary;
			int64_t rest = span - ch->recent_months;
			if (rest > 0) {
				int64_t recent_v, rest_v;
				if (hist_amount(&h, ch->recent_months, &recent_v))
					overflow(&t, &ko, month, "amount", ch->recent_months);
				if (hist_window(&h, h.amount, (int)span, ch->recent_months, &rest_v))
					overflow(&t, &ko, month - ch->recent_months, "amount", (int)rest);
				/* Value per month: recent_v / (rnum / rden) < ratio x
				 * rest_v / rest. The left side is below 2^114; a right
				 * side beyond 128 bits is larger still. */
				__int128 rhs;
				decline = rest_v > 0 && (__builtin_mul_overflow((__int128)ch->drop_ratio * rest_v,
										(__int128)rnum, &rhs) ||
							 (__int128)recent_v * rden * rest * MICRO < rhs);
				if (decline && explain) {
					char r1[80], r2[80], span_text[64];
					per_month(r1, recent_v, rden, rnum, decimals);
					per_month(r2, rest_v, 1, rest, decimals);
					if (partial)
						snprintf(span_text, sizeof span_text, "%d months and %d of %d days",
							 ch->recent_months - 1, as_days, as_len);
					else
						snprintf(span_text, sizeof span_text, "%d months", ch->recent_months);
					elen += (size_t)snprintf(ebuf + elen, sizeof ebuf - elen,
						"%sdecline: %s/month over %s < %sx%s/month over the %lld before",
						lapse ? "; " : "", r1, span_text, ch->t_drop_ratio, r2, (long long)rest);
				}
			}
		}
		nlapse += (uint64_t)lapse;
		ndecline += (uint64_t)decline;
		nrisk += (uint64_t)(lapse | decline);
		if (month < from)
			continue;
		out_write(&o, t.line, keep_n);
		out_str(&o, lapse | decline ? "\t1\t" : "\t0\t");
		out_str(&o, lapse ? (decline ? "lapse+decline" : "lapse") : decline ? "decline" : "");
		if (explain) {
			out_char(&o, '\t');
			out_write(&o, ebuf, elen);
		}
		filter_rules_end(&o, rid);
		out_char(&o, '\n');
		written++;
	}
	progress_end(&pg);
	out_close(&o);
	if (opt.c.stats)
		fprintf(stderr, "crm-churn: %llu rows read, %llu written (%llu before --from left out); "
			"%llu at risk: %llu lapse, %llu decline\n", (unsigned long long)rows,
			(unsigned long long)written, (unsigned long long)(rows - written),
			(unsigned long long)nrisk, (unsigned long long)nlapse, (unsigned long long)ndecline);
	hist_free(&h);
	keyorder_free(&ko);
	tsv_close(&t);
	rules_cache_close(&rc);
	return 0;
}
