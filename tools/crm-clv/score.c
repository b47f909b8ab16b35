/* crm-clv: scoring each customer and writing the rows. */
#include "clv.h"
#include "filteropt.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MONTH_DAYS (365.2425 / 12)

void summary_of(const Ctx *X, const Cust *c, double *x, double *t_x, double *T)
{
	int32_t end = X->cal_end != INT32_MIN ? X->cal_end : X->as_of;
	double ud = X->par.unit_days;
	*x = c->n - 1;
	*t_x = (c->last - c->first) / ud;
	*T = (end - c->first) / ud;
}

int64_t to_minor(const Ctx *X, double v, const char *what)
{
	double s = v * (double)pow10_i64[X->decimals];
	if (!isfinite(s) || fabs(s) > 9e18)
		die("%s %g is beyond the range of an amount", what, v);
	return (int64_t)llround(s);
}

/* The expected purchases of an alive customer over each month of the
 * horizon and over the holdout depend on x and T alone: a few tens of
 * thousands of distinct pairs where the customers are hundreds of
 * thousands. ExpCache keeps them per (purchase days, first purchase day),
 * open addressing on a table that doubles at half load. */
typedef struct {
	uint64_t *key;          /* n << 32 | first + 2^31; 0: empty */
	uint32_t *slot;         /* the key's values at slot * (H + 1) */
	size_t cap, used;
	double *val;
	int H;
} ExpCache;

static uint64_t cache_key(const Cust *u)
{
	return (uint64_t)u->n << 32 | (uint32_t)((int64_t)u->first + 2147483648LL);
}

static void cache_grow(ExpCache *c)
{
	size_t cap = c->cap ? c->cap * 2 : 4096;
	uint64_t *key = xcalloc(cap, sizeof *key);
	uint32_t *slot = xmalloc(cap * sizeof *slot);
	for (size_t i = 0; i < c->cap; i++)
		if (c->key[i]) {
			size_t j = (size_t)((c->key[i] * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
			while (key[j])
				j = (j + 1) & (cap - 1);
			key[j] = c->key[i];
			slot[j] = c->slot[i];
		}
	free(c->key);
	free(c->slot);
	c->key = key;
	c->slot = slot;
	c->cap = cap;
	c->val = xrealloc(c->val, cap / 2 * (size_t)(c->H + 1) * sizeof *c->val);
}

/* cache_get returns customer U's H + 1 values (the months' expected
 * purchases if alive, then the holdout's), computed on first use. */
static const double *cache_get(const Ctx *X, ExpCache *c, const Cust *u, double x, double T)
{
	uint64_t k = cache_key(u);
	if (c->used + 1 > c->cap / 2)
		cache_grow(c);
	size_t j = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 20) & (c->cap - 1);
	while (c->key[j] && c->key[j] != k)
		j = (j + 1) & (c->cap - 1);
	if (c->key[j])
		return c->val + (size_t)c->slot[j] * (size_t)(c->H + 1);
	c->key[j] = k;
	c->slot[j] = (uint32_t)c->used;
	double *v = c->val + c->used++ * (size_t)(c->H + 1);
	const BtydParams *p = &X->par;
	double mon = MONTH_DAYS / p->unit_days;
	for (int i = 1; i <= c->H; i++)
		v[i - 1] = btyd_expected_alive(p, i * mon, x, T);
	v[c->H] = X->cal_end != INT32_MIN ? btyd_expected_alive(p, (X->as_of - X->cal_end) / p->unit_days, x, T) : 0;
	return v;
}

/* score_one scores customer U: the probabilities, the expected purchases
 * over the horizon, the expected spend and the discounted value
 *   clv = sum_{i=1..H} (E[X(i m)] - E[X((i-1) m)]) * spend / (1 + d)^i
 * with m a month in the time unit, H clv.horizon_months and d
 * clv.discount_rate: each month's expected purchases valued at the
 * expected spend and discounted to the as-of day. E[X(t)] is P(alive)
 * times the expected purchases if alive, taken from C (NULL: computed,
 * Pareto/NBD, whose product is written in another order). */
static void score_one(const Ctx *X, Cust *u, ExpCache *c)
{
	const BtydParams *p = &X->par;
	double x, tx, T;
	summary_of(X, u, &x, &tx, &T);
	double mon = MONTH_DAYS / p->unit_days;
	int H = X->cr.horizon_months;
	u->p_alive = btyd_p_alive(p, x, tx, T);
	u->p_none = btyd_p_none(p, H * mon, x, tx, T);
	u->m = x > 0 ? repeat_mean(X, u, x) : 0;
	u->spend = p->has_gg ? gg_expected_spend(p->gg, u->m > 0 ? x : 0, u->m) : NAN;
	const double *ea = c ? cache_get(X, c, u, x, T) : NULL;
	double prev = 0, clv = 0, disc = 1;
	for (int i = 1; i <= H; i++) {
		double e = ea ? (i * mon > 0 ? ea[i - 1] * u->p_alive : 0) : btyd_expected(p, i * mon, x, tx, T);
		disc /= 1 + X->cr.discount;
		clv += (e - prev) * disc;
		prev = e;
	}
	u->exp_n = prev;
	u->clv = clv * u->spend;
	if (X->cal_end != INT32_MIN) {
		double t = (X->as_of - X->cal_end) / p->unit_days;
		u->exp_hold = ea ? (t > 0 ? ea[H] * u->p_alive : 0) : btyd_expected(p, t, x, tx, T);
	}
	if (!isfinite(u->p_alive) || !isfinite(u->exp_n) || !isfinite(u->p_none) ||
	    (p->has_gg && (!isfinite(u->spend) || !isfinite(u->clv))))
		die("customer '%.*s': the model gives a value that is not finite (x %g, t_x %g, T %g)",
		    (int)u->key_n, key_of(X, u), x, tx, T);
}

void score_all(Ctx *X)
{
	ExpCache c = { .H = X->cr.horizon_months };
	int cached = X->par.model != BTYD_PARETO;
	for (size_t i = 0; i < X->ncust; i++)
		score_one(X, &X->cust[i], cached ? &c : NULL);
	free(c.key);
	free(c.slot);
	free(c.val);
}

/* put_d writes V with D decimals (D <= 6) as printf's %.*f does, less the
 * sign of a value that rounds to 0. The digits come from V * 10^D rounded
 * to an integer where that product is below 10^9 and not within 10^-6 of a
 * half, where its rounding error (below 2.3e-7) cannot move the result;
 * printf writes the others. */
static void put_d(Out *o, int d, double v)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6 };
	char b[64];
	double a = fabs(v), s = a * p10[d], r = floor(s), f = s - r;
	if (s < 1e9 && fabs(f - 0.5) > 1e-6) {
		uint64_t k = (uint64_t)r + (f > 0.5), ip = k / (uint64_t)p10[d], fp = k % (uint64_t)p10[d];
		char *e = b + sizeof b, *q = e;
		for (int i = 0; i < d; i++, fp /= 10)
			*--q = (char)('0' + fp % 10);
		if (d)
			*--q = '.';
		do
			*--q = (char)('0' + ip % 10);
		while (ip /= 10);
		if (v < 0 && k)
			*--q = '-';
		out_write(o, q, (size_t)(e - q));
		return;
	}
	int n = snprintf(b, sizeof b, "%.*f", d, v);
	/* -0.0000 from a rounding of a tiny negative is 0. */
	if (b[0] == '-' && strspn(b + 1, "0.") == (size_t)(n - 1))
		out_write(o, b + 1, (size_t)n - 1);
	else
		out_write(o, b, (size_t)n);
}

static void put_money(const Ctx *X, Out *o, double v, const char *what)
{
	char b[32];
	if (!isfinite(v))
		return; /* no Gamma-Gamma fit: empty */
	out_write(o, b, fixed_fmt(b, to_minor(X, v, what), X->decimals));
}

void write_rows(const Ctx *X, Out *o)
{
	int tf = X->cr.unit == UNIT_DAY ? 0 : TIME_D;
	int cal = X->cal_end != INT32_MIN;
	if (X->has_brand)
		out_str(o, "brand\t");
	out_str(o, "customer_id\tx\tt_x\tT\tmonetary\twarmup\tp_alive\texp_purchases\tp_no_purchase\texp_spend\tclv");
	if (cal)
		out_str(o, "\tholdout_purchases\tholdout_amount\texp_holdout_purchases");
	if (X->explain)
		out_str(o, "\tclv_explain");
	out_str(o, "\trules_id\n");
	const BtydParams *p = &X->par;
	const char *const *pn = btyd_param_name[p->model];
	double mon = MONTH_DAYS / p->unit_days;
	char b[64];
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		const char *k = key_of(X, u);
		if (X->has_brand) {
			size_t bn = strlen(k);
			out_write(o, k, bn);
			out_char(o, '\t');
			out_write(o, k + bn + 1, u->key_n - bn - 1);
		} else {
			out_write(o, k, u->key_n);
		}
		double x, tx, T;
		summary_of(X, u, &x, &tx, &T);
		out_char(o, '\t');
		out_u64(o, (uint64_t)x);
		out_char(o, '\t');
		put_d(o, tf, tx);
		out_char(o, '\t');
		put_d(o, tf, T);
		out_char(o, '\t');
		put_money(X, o, u->m, "monetary");
		out_str(o, u->warmup ? "\t1\t" : "\t0\t");
		put_d(o, PROB_D, u->p_alive);
		out_char(o, '\t');
		put_d(o, NPRED_D, u->exp_n);
		out_char(o, '\t');
		put_d(o, PROB_D, u->p_none);
		out_char(o, '\t');
		put_money(X, o, u->spend, "exp_spend");
		out_char(o, '\t');
		put_money(X, o, u->clv, "clv");
		if (cal) {
			out_char(o, '\t');
			out_u64(o, u->hold_n);
			out_char(o, '\t');
			out_write(o, b, fixed_fmt(b, u->hold_amt, X->decimals));
			out_char(o, '\t');
			put_d(o, NPRED_D, u->exp_hold);
		}
		if (X->explain) {
			char e[600];
			int n = snprintf(e, sizeof e, "%s %s=%.4g %s=%.4g %s=%.4g %s=%.4g per %s; x=%.0f t_x=%.4g "
					 "T=%.4g; P(alive)=%.4g; E[purchases in %d months (%.4g units)]=%.4g",
					 btyd_model_name[p->model], pn[0], p->par[0], pn[1], p->par[1], pn[2],
					 p->par[2], pn[3], p->par[3], X->cr.unit == UNIT_DAY ? "day" :
					 X->cr.unit == UNIT_WEEK ? "week" : "month", x, tx, T, u->p_alive,
					 X->cr.horizon_months, X->cr.horizon_months * mon, u->exp_n);
			if (p->has_gg)
				n += snprintf(e + n, sizeof e - (size_t)n, "; spend: gamma-gamma p=%.4g q=%.4g "
					      "v=%.4g, mean repeat spend %.2f -> %.2f; clv: monthly expected "
					      "purchases x spend / (1+%s)^month, summed",
					      p->gg[0], p->gg[1], p->gg[2], u->m, u->spend, X->cr.t_discount);
			out_char(o, '\t');
			out_write(o, e, (size_t)n < sizeof e ? (size_t)n : sizeof e - 1);
		}
		filter_rules_end(o, X->rid);
		out_char(o, '\n');
	}
}
