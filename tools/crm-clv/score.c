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

/* score_one scores customer U: the probabilities, the expected purchases
 * over the horizon, the expected spend and the discounted value
 *   clv = sum_{i=1..H} (E[X(i m)] - E[X((i-1) m)]) * spend / (1 + d)^i
 * with m a month in the time unit, H clv.horizon_months and d
 * clv.discount_rate: each month's expected purchases valued at the
 * expected spend and discounted to the as-of day. */
static void score_one(const Ctx *X, Cust *u)
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
	double prev = 0, clv = 0, disc = 1;
	for (int i = 1; i <= H; i++) {
		double e = btyd_expected(p, i * mon, x, tx, T);
		disc /= 1 + X->cr.discount;
		clv += (e - prev) * disc;
		prev = e;
	}
	u->exp_n = prev;
	u->clv = clv * u->spend;
	if (X->cal_end != INT32_MIN)
		u->exp_hold = btyd_expected(p, (X->as_of - X->cal_end) / p->unit_days, x, tx, T);
	if (!isfinite(u->p_alive) || !isfinite(u->exp_n) || !isfinite(u->p_none) ||
	    (p->has_gg && (!isfinite(u->spend) || !isfinite(u->clv))))
		die("customer '%.*s': the model gives a value that is not finite (x %g, t_x %g, T %g)",
		    (int)u->key_n, key_of(X, u), x, tx, T);
}

void score_all(Ctx *X)
{
	for (size_t i = 0; i < X->ncust; i++)
		score_one(X, &X->cust[i]);
}

static void put_d(Out *o, const char *fmt, double v)
{
	char b[64];
	int n = snprintf(b, sizeof b, fmt, v);
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
	const char *tf = X->cr.unit == UNIT_DAY ? "%.0f" : "%.4f";
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
		put_d(o, "%.6f", u->p_alive);
		out_char(o, '\t');
		put_d(o, "%.4f", u->exp_n);
		out_char(o, '\t');
		put_d(o, "%.6f", u->p_none);
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
			put_d(o, "%.4f", u->exp_hold);
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
