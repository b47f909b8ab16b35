/* crm-clv: the clv.* rules, crm-agg's monthly rows folded into summaries,
 * and compressed tables read back. */
#include "clv.h"
#include "date.h"
#include "filteropt.h"
#include "keyorder.h"
#include "money.h"
#include "schema.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void clv_rules_load(ClvRules *cr, const Rules *r)
{
	memset(cr, 0, sizeof *cr);
	cr->model = (BtydModel)rules_enum(r, NULL, "clv.model");
	cr->unit = rules_enum(r, NULL, "clv.time_unit");
	/* A month is 365.2425 / 12 days, written as the decimal the parameters
	 * document holds, so that scoring from the document gives the same bytes. */
	static const double days[] = { 1, 7, 30.436875 };
	cr->unit_days = days[cr->unit];
	cr->horizon_months = (int)rules_int(r, NULL, "clv.horizon_months");
	cr->discount = (double)rules_fixed(r, NULL, "clv.discount_rate", 6, NULL) / 1e6;
	cr->penalty = (double)rules_fixed(r, NULL, "clv.penalty", 6, NULL) / 1e6;
	cr->max_iter = (int)rules_int(r, NULL, "clv.max_iter");
	cr->max_param = (double)rules_int(r, NULL, "clv.max_param");
	cr->max_corr = (double)rules_fixed(r, NULL, "clv.max_spend_correlation", 6, NULL) / 1e6;
	cr->t_discount = rules_get(r, NULL, "clv.discount_rate");
	cr->t_penalty = rules_get(r, NULL, "clv.penalty");
	cr->t_max_corr = rules_get(r, NULL, "clv.max_spend_correlation");
}

const char *key_of(const Ctx *X, const Cust *c)
{
	return X->keys + c->key_off;
}

/* new_cust appends a customer with key B NUL C (B empty: C alone). */
static Cust *new_cust(Ctx *X, Field b, Field c, int has_brand)
{
	size_t kn = has_brand ? b.n + 1 + c.n : c.n;
	if (X->keys_n + kn > UINT32_MAX)
		die("customer keys beyond 4 GiB");
	if (X->keys_n + kn > X->keys_cap) {
		X->keys_cap = (X->keys_n + kn) * 2 + 4096;
		X->keys = xrealloc(X->keys, X->keys_cap);
	}
	char *k = X->keys + X->keys_n;
	if (has_brand) {
		memcpy(k, b.p, b.n);
		k[b.n] = '\0';
		memcpy(k + b.n + 1, c.p, c.n);
	} else {
		memcpy(k, c.p, c.n);
	}
	if (X->ncust == X->custcap) {
		X->custcap = X->custcap * 2 + 1024;
		X->cust = xrealloc(X->cust, X->custcap * sizeof *X->cust);
	}
	Cust *u = &X->cust[X->ncust++];
	memset(u, 0, sizeof *u);
	u->key_off = (uint32_t)X->keys_n;
	u->key_n = (uint32_t)kn;
	u->tier = u->seg = NO_LABEL;
	X->keys_n += kn;
	return u;
}

/* end_cust keeps the last customer only when it bought in the
 * calibration period: the others have no summary to score. */
static void end_cust(Ctx *X)
{
	if (!X->ncust)
		return;
	Cust *u = &X->cust[X->ncust - 1];
	if (u->n)
		return;
	if (u->hold_n)
		X->holdout_only++;
	else
		X->no_purchase++;
	X->keys_n = u->key_off;
	X->ncust--;
}

/* set_period settles the as-of day from the first row's period_end, the
 * tracking arrays and the calibration end against it. */
static void set_period(Ctx *X, const Tsv *t, int pi, int32_t as_of, int64_t max_months)
{
	X->as_of = as_of;
	int32_t last_mon = month_of_day(as_of);
	X->month0 = last_mon - (int32_t)max_months + 1;
	X->nmonths = (int32_t)max_months;
	X->track_actual = xcalloc((size_t)X->nmonths, sizeof *X->track_actual);
	X->day0 = month_first_day(X->month0);
	X->ndays = as_of - X->day0 + 1;
	X->first_days = xcalloc((size_t)X->ndays, sizeof *X->first_days);
	if (X->cal_end != INT32_MIN && X->cal_end > as_of) {
		char d[11];
		date_fmt(d, X->cal_end);
		char msg[120];
		snprintf(msg, sizeof msg, "is before --calibration-end %.10s: no holdout period", d);
		tsv_fail(t, pi, msg);
	}
}

void read_agg(Ctx *X, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	int bi = tsv_col(&t, "brand"), ci = schema_need(&t, "customer_id");
	int mi = schema_need(&t, "month"), oi = schema_need(&t, "orders"), ai = schema_need(&t, "amount");
	int fi = schema_need(&t, "first_date"), li = schema_need(&t, "last_date");
	int pi = schema_need(&t, "period_end"), si = tsv_col(&t, "period_start");
	int ri = tsv_col(&t, "rules_id");
	X->has_brand = bi >= 0;
	KeyOrder ko;
	keyorder_init(&ko, &t);
	tsv_split_found(&t);
	int64_t max_months = X->rc.money.max_months;
	int32_t cal_mon = X->cal_end == INT32_MIN ? INT32_MAX : month_of_day(X->cal_end);
	int32_t start_mon = INT32_MIN, pe_mon = 0;
	/* period_end and period_start are the same on every row: parsed
	 * where their bytes differ from the last row's. */
	char pe_b[16], ps_b[16];
	size_t pe_n = SIZE_MAX, ps_n = SIZE_MAX;
	const char *why;
	while (tsv_next(&t)) {
		X->rows++;
		progress_add(&X->pg, 1);
		if (ri >= 0)
			filter_rules_row(&t, ri, X->rid);
		int32_t month, pe = X->as_of;
		if ((why = month_parse(t.f[mi].p, t.f[mi].n, &month)))
			tsv_fail(&t, mi, why);
		if (t.f[pi].n != pe_n || memcmp(t.f[pi].p, pe_b, pe_n)) {
			if ((why = day_parse_end(t.f[pi].p, t.f[pi].n, &pe)))
				tsv_fail(&t, pi, why);
			if (X->rows == 1)
				set_period(X, &t, pi, pe, max_months);
			else if (pe != X->as_of)
				tsv_fail(&t, pi, "differs from the period_end of the first row");
			pe_mon = month_of_day(pe);
			pe_n = t.f[pi].n < sizeof pe_b ? t.f[pi].n : SIZE_MAX;
			if (pe_n != SIZE_MAX)
				memcpy(pe_b, t.f[pi].p, pe_n);
		}
		if (month > pe_mon)
			tsv_fail(&t, mi, "is after the row's period_end");
		if (month < X->month0)
			tsv_fail(&t, mi, "is more than period.max_months before the period_end");
		if (si >= 0) {
			int32_t ps = X->start_day;
			if (t.f[si].n != ps_n || memcmp(t.f[si].p, ps_b, ps_n)) {
				if ((why = day_parse_start(t.f[si].p, t.f[si].n, &ps)))
					tsv_fail(&t, si, why);
				ps_n = t.f[si].n < sizeof ps_b ? t.f[si].n : SIZE_MAX;
				if (ps_n != SIZE_MAX)
					memcpy(ps_b, t.f[si].p, ps_n);
			}
			if (X->start_day == INT32_MIN) {
				X->start_day = ps;
				start_mon = month_of_day(ps);
			} else if (ps != X->start_day) {
				tsv_fail(&t, si, "differs from the period_start of the first row");
			}
			if (month < start_mon)
				tsv_fail(&t, mi, "is before the row's period_start");
		}
		if (keyorder_next(&ko, &t, month)) {
			end_cust(X);
			new_cust(X, bi >= 0 ? t.f[bi] : (Field){ "", 0 }, t.f[ci], bi >= 0);
		}
		Cust *u = &X->cust[X->ncust - 1];
		int64_t orders, amount;
		if ((why = int_parse(t.f[oi].p, t.f[oi].n, &orders)) || orders < 0 || orders > 31)
			tsv_fail(&t, oi, why ? why : "is not a count of days in a month (0 to 31)");
		if ((why = fixed_parse(t.f[ai].p, t.f[ai].n, X->decimals, &amount)))
			tsv_fail(&t, ai, why);
		if (!orders)
			continue;
		int32_t fd, ld;
		if (!t.f[fi].n)
			tsv_fail(&t, fi, "is empty in a month with orders");
		if (!t.f[li].n)
			tsv_fail(&t, li, "is empty in a month with orders");
		if ((why = date_parse(t.f[fi].p, t.f[fi].n, &fd)))
			tsv_fail(&t, fi, why);
		if ((why = date_parse(t.f[li].p, t.f[li].n, &ld)))
			tsv_fail(&t, li, why);
		int32_t m_lo = month_first_day(month), m_hi = month_first_day(month + 1) - 1;
		if (fd < m_lo || fd > m_hi)
			tsv_fail(&t, fi, "is not in the row's month");
		if (ld < m_lo || ld > m_hi)
			tsv_fail(&t, li, "is not in the row's month");
		if (ld < fd)
			tsv_fail(&t, li, "is before first_date");
		if (ld > X->as_of)
			tsv_fail(&t, li, "is after the period_end");
		if (ld - fd + 1 < orders)
			tsv_fail(&t, oi, "is more days than first_date to last_date holds");
		if (month > cal_mon) {
			u->hold_n += (uint32_t)orders;
			if (add_check(&u->hold_amt, amount))
				tsv_fail(&t, ai, "overflows the customer's holdout sum (64 bits)");
			if (u->n)
				X->track_actual[month - X->month0] += (double)orders;
			continue;
		}
		if (!u->n) {
			u->first = fd;
			u->first_k = (uint32_t)orders;
			u->first_amt = amount;
			u->warmup = start_mon != INT32_MIN && month < start_mon + X->warmup_months;
			X->first_days[fd - X->day0]++;
			X->track_actual[month - X->month0] += (double)(orders - 1);
		} else {
			X->track_actual[month - X->month0] += (double)orders;
		}
		u->n += (uint32_t)orders;
		u->last = ld;
		if (add_check(&u->total, amount))
			tsv_fail(&t, ai, "overflows the customer's sum (64 bits)");
	}
	end_cust(X);
	if (!X->rows)
		die("%s: no rows: nothing to fit", t.name);
	keyorder_free(&ko);
	tsv_close(&t);
}

/* num_parse reads a decimal number >= 0 from F, or fails naming column C. */
static double num_parse(const Tsv *t, int c)
{
	char buf[64];
	Field f = t->f[c];
	if (!f.n || f.n >= sizeof buf)
		tsv_fail(t, c, "is not a number");
	memcpy(buf, f.p, f.n);
	buf[f.n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end || errno || !isfinite(v) || v < 0 || !(buf[0] >= '0' && buf[0] <= '9'))
		tsv_fail(t, c, "is not a number >= 0");
	return v;
}

static int64_t count_parse(const Tsv *t, int c, int64_t min)
{
	int64_t v;
	const char *why = int_parse(t->f[c].p, t->f[c].n, &v);
	if (why || v < min) {
		char msg[64];
		snprintf(msg, sizeof msg, "is not a whole number >= %lld", (long long)min);
		tsv_fail(t, c, why ? why : msg);
	}
	return v;
}

void read_counts(Ctx *X, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	const char *p = "crm-clv --counts";
	int ki = tsv_need(&t, "kind", p), xi = tsv_need(&t, "x", p), ti = tsv_need(&t, "t_x", p);
	int Ti = tsv_need(&t, "T", p), mi = tsv_need(&t, "m", p), ni = tsv_need(&t, "n", p);
	int ri = tsv_need(&t, "rules_id", p);
	size_t txcap = X->ntx, ggcap = X->ngg;
	while (tsv_next(&t)) {
		X->rows++;
		Field r = t.f[ri];
		if (!field_eq(r, X->rid, 16)) {
			char msg[120];
			snprintf(msg, sizeof msg, "differs from the rules in effect (%s): fit with the rules "
				 "that wrote the table", X->rid);
			tsv_fail(&t, ri, msg);
		}
		Field k = t.f[ki];
		double x = (double)count_parse(&t, xi, 0), n = (double)count_parse(&t, ni, 1);
		if (field_eq(k, "tx", 2)) {
			double tx = num_parse(&t, ti), T = num_parse(&t, Ti);
			if (tx > T)
				tsv_fail(&t, ti, "is after T");
			if (x == 0 && tx != 0)
				tsv_fail(&t, ti, "is not 0 for x = 0");
			if (X->ntx == txcap) {
				txcap = txcap * 2 + 1024;
				X->tx = xrealloc(X->tx, txcap * sizeof *X->tx);
			}
			X->tx[X->ntx++] = (BtydRow){ x, tx, T, n };
		} else if (field_eq(k, "gg", 2)) {
			double m = num_parse(&t, mi);
			if (x < 1)
				tsv_fail(&t, xi, "is not a whole number >= 1");
			if (!(m > 0))
				tsv_fail(&t, mi, "is not above 0");
			if (X->ngg == ggcap) {
				ggcap = ggcap * 2 + 1024;
				X->gg = xrealloc(X->gg, ggcap * sizeof *X->gg);
			}
			X->gg[X->ngg++] = (GgRow){ x, m, n };
		} else {
			tsv_fail(&t, ki, "is not tx or gg");
		}
	}
	tsv_close(&t);
}
