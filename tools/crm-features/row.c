/* row: the features and labels of one customer's snapshots.
 *
 * Month i of a Cust is the i-th month of the customer's history (crm-tier
 * writes every month from the first purchase, so months are consecutive). A
 * window of W months at snapshot i is months i-W+1 .. i; months before the
 * first count as empty. Features read months 0..i only: nothing after the
 * snapshot's as-of day can reach them. Labels read the months after it. */
#include "feat.h"

#include "date.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The feature columns, in output order; crm-features(1) documents each. */
static const char *const feature_names[] = {
	"recency_days", "tenure_months", "tenure_days",
	"orders_1m", "orders_3m", "orders_6m", "orders_12m", "orders_total",
	"spend_1m", "spend_3m", "spend_6m", "spend_12m", "spend_total",
	"orders_trend_3_3", "spend_trend_3_3", "spend_trend_6_6",
	"gap_mean_days", "gap_sd_days", "gap_last_days", "overdue_ratio",
	"avg_order_12m", "avg_order_total", "avg_order_trend",
	"active_months_12m",
	"other_orders_3m", "other_orders_12m", "other_orders_total", "other_spend_total",
	"active", "tier_rank", "lifecycle_state",
	"churn_risk", "churn_lapse", "churn_decline",
	"warmup",
	NULL,
};

void feat_header(Feat *f, int brand)
{
	Out *o = &f->out;
	out_str(o, brand ? "brand\tcustomer_id\tas_of" : "customer_id\tas_of");
	for (const char *const *n = feature_names; *n; n++) {
		out_char(o, '\t');
		out_str(o, *n);
	}
	if (f->clv)
		out_str(o, "\tp_alive\texp_purchases\texp_revenue");
	out_str(o, "\tlabel_churn\tlabel_revenue\trules_id\n");
}

/* A row being written: the output and how many values it has, checked
 * against the table at the end. */
typedef struct {
	Out *o;
	int n;
	int decimals;
	const Cust *c;
} Row;

/* put_empty, put_int and put_money append one value to the row: empty (an
 * unknown value), a whole number, an amount of minor units. */
static void put_empty(Row *r)
{
	out_char(r->o, '\t');
	r->n++;
}

static void put_int(Row *r, int64_t v)
{
	out_char(r->o, '\t');
	out_i64(r->o, v);
	r->n++;
}

static void put_money(Row *r, int64_t v)
{
	char b[32];
	out_char(r->o, '\t');
	out_write(r->o, b, fixed_fmt(b, v, r->decimals));
	r->n++;
}

/* put_dec4 writes V ten-thousandths as a number with 4 decimals, with a
 * minus sign when NEG. */
static void put_dec4(Row *r, int neg, uint64_t v)
{
	char *b = out_reserve(r->o, 32);
	size_t n = 0;
	b[n++] = '\t';
	if (neg)
		b[n++] = '-';
	n += fmt_u64(b + n, v / 10000);
	b[n++] = '.';
	uint64_t f = v % 10000;
	for (int k = 3; k >= 0; k--) {
		b[n + (size_t)k] = (char)('0' + f % 10);
		f /= 10;
	}
	r->o->len += n + 4;
	r->n++;
}

/* put_ratio writes NUM/DEN rounded half away from zero to 4 decimals, or an
 * empty value when DEN is 0. Exact integer arithmetic: the same inputs give
 * the same bytes everywhere. */
static void put_ratio(Row *r, __int128 num, __int128 den)
{
	if (den == 0) {
		put_empty(r);
		return;
	}
	if (den < 0) {
		num = -num;
		den = -den;
	}
	int neg = num < 0;
	__int128 a = neg ? -num : num;
	__int128 q = (a * 10000 * 2 + den) / (den * 2);
	if (q > INT64_MAX)
		die("internal error: a ratio of customer '%.*s' is beyond 64 bits", (int)r->c->keyn, r->c->key);
	put_dec4(r, neg && q, (uint64_t)q);
}

/* put_real writes X >= 0 rounded to 4 decimals (a value computed in
 * floating point from integers in a fixed order, so the bytes do not
 * vary). */
static void put_real(Row *r, double x)
{
	put_dec4(r, 0, (uint64_t)llround(x * 10000));
}

/* CUM is the cumulative sum FIELD at month J, 0 before the first month. */
#define CUM(c, j, field) ((j) < 0 ? 0 : (c)->m[(j)].field)

/* WINDOW is the sum of FIELD over months I-W+1 .. I-SKIP, from its
 * cumulative sums (exact in 128 bits). */
#define WINDOW(c, i, w, skip, field) \
	((__int128)CUM(c, (long)(i) - (skip), field) - (__int128)CUM(c, (long)(i) - (w), field))

/* fit64 returns V, a window sum, as 64 bits, dying naming the customer
 * when it does not fit. */
static int64_t fit64(const Cust *c, __int128 v)
{
	if (v > INT64_MAX || v < INT64_MIN)
		die("a window sum of customer '%.*s' overflows 64 bits", (int)c->keyn, c->key);
	return (int64_t)v;
}

/* as_of returns the as-of day of month I: its last day, or the data's
 * as-of day when that comes first (a partial month). */
static int32_t as_of(const Cust *c, long i)
{
	int32_t end = month_last_day(c->m[i].month);
	return c->m[i].period_end < end ? c->m[i].period_end : end;
}

/* gaps writes gap_mean_days, gap_sd_days and gap_last_days at month M
 * from the gaps read_month has added up (gaps_add in read.c). The mean is
 * exact (the gaps add up to last - first purchase day); the spread counts
 * a month of n orders as n - 1 equal gaps. */
static void gaps(Row *r, const FMonth *m)
{
	if (m->cum_orders < 2) {
		put_empty(r);
		put_empty(r);
		put_empty(r);
		return;
	}
	int64_t k = m->cum_orders - 1;
	put_ratio(r, m->buy_last - m->buy_first, k);
	double mean = (double)(m->buy_last - m->buy_first) / (double)k;
	double var = m->gap_sumsq / (double)k - mean * mean;
	put_real(r, var > 0 ? sqrt(var) : 0);
	put_ratio(r, m->gap_last_num, m->gap_last_den);
}

/* lifecycle writes lifecycle_state at month I: 0 not active, 1 new (the
 * first month within the activity window), 2 reactivated within it, 3
 * retained; empty without crm-lifecycle's event column. */
static void lifecycle(Row *r, const Cust *c, long i)
{
	if (c->m[i].event == F_UNKNOWN) {
		put_empty(r);
		return;
	}
	int wa = c->br->win.activity;
	int state = 3;
	if (!c->m[i].active)
		state = 0;
	else if (i < wa)
		state = 1;
	else
		for (long j = i; j > i - wa; j--)
			if (c->m[j].event == EV_REACTIVATED) {
				state = 2;
				break;
			}
	put_int(r, state);
}

/* clv writes p_alive, exp_purchases and exp_revenue at month I (as-of
 * day A) from the parameters of --clv-params: the customer's summary is
 * that of crm-clv(1) from the consumable purchases up to month I, x the
 * purchase days - 1, t_x and T from the first purchase day to the last and
 * to A, in the time unit of the fit. exp_purchases counts over
 * churn.label_days after A, the horizon of label_churn; exp_revenue is the
 * expected purchases over model.revenue_days times the Gamma-Gamma
 * expected spend (empty without a Gamma-Gamma fit). All three are empty
 * before the first consumable purchase. */
static void clv(Feat *f, Row *r, const Cust *c, long i, int32_t a)
{
	const BtydParams *p = f->clv;
	const FMonth *m = &c->m[i];
	if (m->buy_first == NO_DAY) {
		put_empty(r);
		put_empty(r);
		put_empty(r);
		return;
	}
	double ud = p->unit_days;
	double x = (double)(m->cum_orders - 1);
	double tx = (m->buy_last - m->buy_first) / ud, T = (a - m->buy_first) / ud;
	double alive = btyd_p_alive(p, x, tx, T);
	double n = btyd_expected(p, f->label_days / ud, x, tx, T);
	double nr = btyd_expected(p, f->revenue_days / ud, x, tx, T);
	double rev = NAN;
	if (p->has_gg) {
		/* The mean value of the repeat purchases, as crm-clv takes it:
		 * the first month's mean purchase day stands for the first. */
		double mean = 0;
		if (x > 0) {
			long j = 0;
			while (c->m[j].orders == 0)
				j++;
			__int128 num = (__int128)m->cum_amount * c->m[j].orders - c->m[j].amount;
			mean = (double)num / ((double)c->m[j].orders * x) / (double)pow10_i64[f->decimals];
		}
		rev = nr * gg_expected_spend(p->gg, mean > 0 ? x : 0, mean) * (double)pow10_i64[f->decimals];
	}
	if (!isfinite(alive) || !isfinite(n) || !isfinite(nr) || (p->has_gg && (!isfinite(rev) || fabs(rev) > 9e18)))
		die("customer '%.*s': the model of --clv-params gives a value that is not finite "
		    "(x %g, t_x %g, T %g)", (int)c->keyn, c->key, x, tx, T);
	put_real(r, alive);
	put_real(r, n);
	if (p->has_gg)
		put_money(r, (int64_t)llround(rev));
	else
		put_empty(r);
}

/* labels writes label_churn and label_revenue of month I (as-of day A). */
static void labels(Feat *f, Row *r, const Cust *c, long i, int32_t a)
{
	int32_t end = c->m[c->n - 1].period_end;
	if ((int64_t)a + f->label_days <= end) {
		long j = i + 1;
		while (j < (long)c->n && c->m[j].orders == 0)
			j++;
		int churned = j == (long)c->n || c->m[j].first_day > a + f->label_days;
		put_int(r, churned);
		f->labelled++;
		f->churned += (uint64_t)churned;
	} else {
		put_empty(r);
	}
	/* The months that begin within revenue_days after A, known when the
	 * data cover the last of them whole. */
	int32_t last = month_of_day(a + f->revenue_days);
	long k = i + (last - c->m[i].month);
	if (month_last_day(last) <= end && k < (long)c->n) {
		put_money(r, fit64(c, WINDOW(c, k, k - i, 0, cum_amount)));
		f->rev_labelled++;
	} else {
		put_empty(r);
	}
}

/* snapshot_row writes the row of month I. */
static void snapshot_row(Feat *f, const Cust *c, long i)
{
	Row r = { &f->out, 0, f->decimals, c };
	Out *o = &f->out;
	const FMonth *m = &c->m[i];
	int32_t a = as_of(c, i);
	out_write(o, c->key, c->keyn);
	out_char(o, '\t');
	char day[16];
	date_fmt(day, a);
	out_write(o, day, 10);

	/* The last consumable purchase up to month I, and the first. */
	int32_t last = m->buy_last, first = m->buy_first;
	if (last == NO_DAY)
		put_empty(&r);
	else
		put_int(&r, a - last);
	put_int(&r, i);
	if (first == NO_DAY)
		put_empty(&r);
	else
		put_int(&r, a - first);

	static const int w[] = { 1, 3, 6, 12 };
	for (int k = 0; k < 4; k++)
		put_int(&r, fit64(c, WINDOW(c, i, w[k], 0, cum_orders)));
	put_int(&r, m->cum_orders);
	for (int k = 0; k < 4; k++)
		put_money(&r, fit64(c, WINDOW(c, i, w[k], 0, cum_amount)));
	put_money(&r, m->cum_amount);

	/* Trends: the recent window over the one as long before it. */
	put_ratio(&r, WINDOW(c, i, 3, 0, cum_orders), WINDOW(c, i, 6, 3, cum_orders));
	put_ratio(&r, WINDOW(c, i, 3, 0, cum_amount), WINDOW(c, i, 6, 3, cum_amount));
	put_ratio(&r, WINDOW(c, i, 6, 0, cum_amount), WINDOW(c, i, 12, 6, cum_amount));

	gaps(&r, m);
	if (last == NO_DAY || m->cum_orders < 2 || last == first)
		put_empty(&r);
	else /* recency / mean gap = recency (n - 1) / (last - first) */
		put_ratio(&r, (__int128)(a - last) * (m->cum_orders - 1), last - first);

	__int128 o12 = WINDOW(c, i, 12, 0, cum_orders), s12 = WINDOW(c, i, 12, 0, cum_amount);
	if (o12)
		put_money(&r, mul_div_round(fit64(c, s12), 1, fit64(c, o12)));
	else
		put_empty(&r);
	if (m->cum_orders)
		put_money(&r, mul_div_round(m->cum_amount, 1, m->cum_orders));
	else
		put_empty(&r);
	/* The average order of the last 3 months over that of the 9 before. */
	__int128 o3 = WINDOW(c, i, 3, 0, cum_orders), s3 = WINDOW(c, i, 3, 0, cum_amount);
	__int128 o9 = WINDOW(c, i, 12, 3, cum_orders), s9 = WINDOW(c, i, 12, 3, cum_amount);
	if (o3 && o9 && s9)
		put_ratio(&r, s3 * o9, o3 * s9);
	else
		put_empty(&r);

	int act = 0;
	for (long j = i; j >= 0 && j > i - 12; j--)
		act += c->m[j].orders > 0;
	put_int(&r, act);

	put_int(&r, fit64(c, WINDOW(c, i, 3, 0, cum_other_orders)));
	put_int(&r, fit64(c, WINDOW(c, i, 12, 0, cum_other_orders)));
	put_int(&r, m->cum_other_orders);
	put_money(&r, m->cum_other_amount);

	put_int(&r, m->active);
	if (m->tier_rank == F_UNKNOWN)
		put_empty(&r);
	else
		put_int(&r, m->tier_rank);
	lifecycle(&r, c, i);
	if (m->churn == F_UNKNOWN) {
		put_empty(&r);
		put_empty(&r);
		put_empty(&r);
	} else {
		put_int(&r, (m->churn & CH_RISK) != 0);
		put_int(&r, (m->churn & CH_LAPSE) != 0);
		put_int(&r, (m->churn & CH_DECLINE) != 0);
	}
	put_int(&r, m->warmup);
	if (r.n != (int)(sizeof feature_names / sizeof *feature_names) - 1)
		die("internal error: %d feature values for %d names", r.n,
		    (int)(sizeof feature_names / sizeof *feature_names) - 1);
	if (f->clv)
		clv(f, &r, c, i, a);
	labels(f, &r, c, i, a);
	out_char(o, '\t');
	out_write(o, f->rid, 16);
	out_char(o, '\n');
	f->written++;
}

void feat_customer(Feat *f, const Cust *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int32_t mon = c->m[i].month;
		if (f->snapshot != INT32_MIN ? mon != f->snapshot : (mon % 12 + 1) % f->step != 0)
			continue;
		if (!f->all && !c->m[i].active)
			continue;
		snapshot_row(f, c, (long)i);
	}
}
