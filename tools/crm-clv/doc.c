/* crm-clv: the value document (--json) the dashboard's value page draws:
 * the parameters, CLV by tier and segment, the P(alive) grid, the tracking
 * curve and, with a calibration end, the holdout comparison. */
#include "clv.h"
#include "date.h"
#include "json.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MONTH_DAYS (365.2425 / 12)
enum { GRID_X = 20, GRID_R = 10, HOLD_X = 7 };

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* write_groups writes one member per label of L (and "(none)" for the
 * customers without one): customers, CLV sum, mean and quantiles (nearest
 * rank), mean P(alive). */
static void write_groups(const Ctx *X, Out *o, const Labels *l, int seg)
{
	/* The order of the rules (tier.order and tier.inactive, or
	 * rfm.segments), then labels the rules do not name as met, then the
	 * customers without a label. */
	size_t ng = 0;
	uint16_t *ord = xmalloc((l->n + 1) * sizeof *ord);
	char *used = xcalloc(l->n + 1, 1);
	const BrandRules *br = X->rc.def;
	size_t nr = seg ? br->rfm.nseg : br->tier.ntiers + 1;
	for (size_t r = 0; r < nr; r++) {
		const char *name = seg ? br->rfm.seg[r].label : r < br->tier.ntiers ? br->tier.tiers[r] : br->tier.inactive;
		for (size_t i = 0; i < l->n; i++)
			if (!used[i] && strcmp(l->name[i], name) == 0) {
				used[i] = 1;
				ord[ng++] = (uint16_t)i;
			}
	}
	for (size_t i = 0; i < l->n; i++)
		if (!used[i])
			ord[ng++] = (uint16_t)i;
	ord[ng++] = NO_LABEL;
	free(used);
	int64_t *v = xmalloc((X->ncust ? X->ncust : 1) * sizeof *v);
	out_char(o, '[');
	int first = 1;
	for (size_t g = 0; g < ng; g++) {
		uint16_t id = ord[g];
		size_t n = 0;
		double pa = 0;
		int64_t sum = 0;
		for (size_t i = 0; i < X->ncust; i++) {
			const Cust *u = &X->cust[i];
			if ((seg ? u->seg : u->tier) != id)
				continue;
			v[n] = X->par.has_gg ? to_minor(X, u->clv, "clv") : 0;
			if (add_check(&sum, v[n]))
				die("the CLV sum of a group overflows 64 bits");
			pa += u->p_alive;
			n++;
		}
		if (!n)
			continue;
		qsort(v, n, sizeof *v, cmp_i64);
		out_str(o, first ? "\n    {" : ",\n    {");
		first = 0;
		json_key(o, "label", 1);
		if (id != NO_LABEL)
			json_cstr(o, l->name[id]);
		else
			out_str(o, "null");
		json_key(o, "customers", 0);
		out_u64(o, n);
		json_key(o, "clv_sum", 0);
		json_fixed(o, sum, X->decimals);
		json_key(o, "clv_mean", 0);
		json_fixed(o, div_round(sum, (int64_t)n), X->decimals);
		json_key(o, "p_alive_mean", 0);
		json_num(o, "%.4f", pa / (double)n);
		json_key(o, "clv_quantiles", 0);
		static const int q[] = { 10, 25, 50, 75, 90 };
		out_char(o, '[');
		for (int k = 0; k < 5; k++) {
			size_t rank = ((size_t)q[k] * n + 99) / 100;
			if (k)
				out_str(o, ", ");
			json_fixed(o, v[rank ? rank - 1 : 0], X->decimals);
		}
		out_str(o, "]}");
	}
	out_str(o, first ? "]" : "\n  ]");
	free(v);
	free(ord);
}

/* write_grid writes P(alive) at T = the longest T, for x = 0..GRID_X and
 * t_x = T * j / GRID_R. */
static void write_grid(const Ctx *X, Out *o)
{
	double maxT = 0, maxx = 0;
	for (size_t i = 0; i < X->ncust; i++) {
		double x, tx, T;
		summary_of(X, &X->cust[i], &x, &tx, &T);
		maxT = T > maxT ? T : maxT;
		maxx = x > maxx ? x : maxx;
	}
	int nx = maxx < GRID_X ? (int)maxx : GRID_X;
	out_str(o, "{\"T\": ");
	json_num(o, "%.4f", maxT);
	out_str(o, ", \"x\": [");
	for (int i = 0; i <= nx; i++) {
		if (i)
			out_str(o, ", ");
		out_u64(o, (uint64_t)i);
	}
	out_str(o, "], \"t_x\": [");
	for (int j = 0; j <= GRID_R; j++) {
		if (j)
			out_str(o, ", ");
		json_num(o, "%.4f", maxT * j / GRID_R);
	}
	out_str(o, "],\n    \"p_alive\": [");
	for (int i = 0; i <= nx; i++) {
		out_str(o, i ? ",\n      [" : "\n      [");
		for (int j = 0; j <= GRID_R; j++) {
			if (j)
				out_str(o, ", ");
			double tx = i ? maxT * j / GRID_R : 0;
			json_num(o, "%.4f", btyd_p_alive(&X->par, i, tx, maxT));
		}
		out_char(o, ']');
	}
	out_str(o, "]}");
}

/* write_tracking writes, per month from the first with a first purchase to
 * the period end, the cumulative repeat purchases of the customers fitted
 * and their expectation: sum over first purchase days F of the customers
 * of that day times E[X(end - F)], end the month's last day (the period
 * end in the last). */
static void write_tracking(const Ctx *X, Out *o)
{
	int32_t m0 = -1;
	for (int32_t d = 0; d < X->ndays && m0 < 0; d++)
		if (X->first_days[d])
			m0 = month_of_day(X->day0 + d) - X->month0;
	out_str(o, "{\"months\": [");
	int32_t mlast = month_of_day(X->as_of) - X->month0;
	for (int32_t m = m0 < 0 ? mlast + 1 : m0; m <= mlast; m++) {
		char mb[8];
		month_fmt(mb, X->month0 + m);
		if (m > m0)
			out_str(o, ", ");
		json_str(o, mb, 7);
	}
	out_str(o, "],\n    \"actual\": [");
	double cum = 0;
	for (int32_t m = m0 < 0 ? mlast + 1 : m0; m <= mlast; m++) {
		cum += X->track_actual[m];
		if (m > m0)
			out_str(o, ", ");
		json_num(o, "%.0f", cum);
	}
	out_str(o, "],\n    \"expected\": [");
	for (int32_t m = m0 < 0 ? mlast + 1 : m0; m <= mlast; m++) {
		int32_t end = month_last_day(X->month0 + m);
		if (end > X->as_of)
			end = X->as_of;
		double e = 0;
		for (int32_t d = 0; d < X->ndays && X->day0 + d <= end; d++)
			if (X->first_days[d])
				e += X->first_days[d] * btyd_expected_new(&X->par, (end - X->day0 - d) / X->par.unit_days);
		if (m > m0)
			out_str(o, ", ");
		json_num(o, "%.2f", e);
	}
	out_str(o, "]}");
}

/* write_holdout writes the calibration-vs-holdout comparison: by
 * calibration x (0..HOLD_X-1, then HOLD_X and more) the mean actual and
 * predicted holdout purchases, and per customer MAE, RMSE and correlation
 * of purchases and of spend. */
static void write_holdout(const Ctx *X, Out *o)
{
	double n[HOLD_X + 1] = { 0 }, act[HOLD_X + 1] = { 0 }, pred[HOLD_X + 1] = { 0 };
	double s[2][6] = { { 0 } }; /* sum |e|, e^2, a, p, a^2, p^2 ... */
	double sap[2] = { 0 };
	double N = (double)X->ncust;
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		int k = u->n - 1 < HOLD_X ? (int)u->n - 1 : HOLD_X;
		n[k]++;
		act[k] += u->hold_n;
		pred[k] += u->exp_hold;
		double a[2] = { u->hold_n, (double)u->hold_amt / (double)pow10_i64[X->decimals] };
		double p[2] = { u->exp_hold, X->par.has_gg ? u->exp_hold * u->spend : 0 };
		for (int j = 0; j < 2; j++) {
			double e = p[j] - a[j];
			s[j][0] += fabs(e);
			s[j][1] += e * e;
			s[j][2] += a[j];
			s[j][3] += p[j];
			s[j][4] += a[j] * a[j];
			s[j][5] += p[j] * p[j];
			sap[j] += a[j] * p[j];
		}
	}
	char b1[11], b2[11];
	date_fmt(b1, X->cal_end + 1);
	date_fmt(b2, X->as_of);
	out_str(o, "{\"from\": ");
	json_str(o, b1, 10);
	out_str(o, ", \"to\": ");
	json_str(o, b2, 10);
	out_str(o, ", \"length\": ");
	json_num(o, "%.4f", (X->as_of - X->cal_end) / X->par.unit_days);
	out_str(o, ",\n    \"by_frequency\": [");
	for (int k = 0; k <= HOLD_X; k++) {
		out_str(o, k ? ",\n      {" : "\n      {");
		json_key(o, "x", 1);
		if (k < HOLD_X)
			out_u64(o, (uint64_t)k);
		else
			json_cstr(o, "7+");
		json_key(o, "customers", 0);
		json_num(o, "%.0f", n[k]);
		json_key(o, "actual", 0);
		json_num(o, "%.4f", n[k] ? act[k] / n[k] : NAN);
		json_key(o, "predicted", 0);
		json_num(o, "%.4f", n[k] ? pred[k] / n[k] : NAN);
		out_char(o, '}');
	}
	out_str(o, "]");
	static const char *const what[2] = { "purchases", "spend" };
	for (int j = 0; j < 2; j++) {
		out_str(o, ",\n    ");
		json_key(o, what[j], 1);
		double cov = sap[j] / N - s[j][2] / N * s[j][3] / N;
		double va = s[j][4] / N - (s[j][2] / N) * (s[j][2] / N);
		double vp = s[j][5] / N - (s[j][3] / N) * (s[j][3] / N);
		out_str(o, "{\"actual\": ");
		json_num(o, "%.2f", s[j][2]);
		out_str(o, ", \"predicted\": ");
		json_num(o, "%.2f", s[j][3]);
		out_str(o, ", \"mae\": ");
		json_num(o, "%.4f", s[j][0] / N);
		out_str(o, ", \"rmse\": ");
		json_num(o, "%.4f", sqrt(s[j][1] / N));
		out_str(o, ", \"correlation\": ");
		json_num(o, "%.4f", va > 0 && vp > 0 ? cov / sqrt(va * vp) : NAN);
		out_char(o, '}');
	}
	out_char(o, '}');
}

void write_doc(const Ctx *X, Out *o)
{
	static const char *const unit[] = { "day", "week", "month" };
	char d[11];
	out_str(o, "{\n  \"schema\": \"crm-clv/1\",\n  \"generator\": \"crm-clv " CRM_VERSION "\",\n  \"rules\": ");
	json_cstr(o, X->rid);
	out_str(o, ",\n  \"currency\": ");
	json_cstr(o, X->currency);
	out_str(o, ",\n  \"as_of\": ");
	date_fmt(d, X->as_of);
	json_str(o, d, 10);
	out_str(o, ",\n  \"calibration_end\": ");
	if (X->cal_end != INT32_MIN) {
		date_fmt(d, X->cal_end);
		json_str(o, d, 10);
	} else {
		out_str(o, "null");
	}
	out_str(o, ",\n  \"model\": ");
	json_cstr(o, btyd_model_name[X->par.model]);
	out_str(o, ",\n  \"time_unit\": ");
	json_cstr(o, unit[X->cr.unit]);
	out_str(o, ",\n  \"horizon_months\": ");
	out_u64(o, (uint64_t)X->cr.horizon_months);
	out_str(o, ",\n  \"discount_rate\": ");
	out_str(o, X->cr.t_discount);
	out_str(o, ",\n  \"params\": {");
	for (int i = 0; i < 4; i++) {
		json_key(o, btyd_param_name[X->par.model][i], i == 0);
		json_num(o, "%.10g", X->par.par[i]);
	}
	out_str(o, "},\n  \"gamma_gamma_params\": ");
	if (X->par.has_gg) {
		out_char(o, '{');
		for (int i = 0; i < 3; i++) {
			json_key(o, gg_param_name[i], i == 0);
			json_num(o, "%.10g", X->par.gg[i]);
		}
		out_char(o, '}');
	} else {
		out_str(o, "null");
	}
	/* The fit: the parameters document; null when scored with --params. */
	out_str(o, ",\n  \"fit\": ");
	if (X->params_given)
		out_str(o, "null");
	else
		write_params_object(X, o);
	int64_t total = 0;
	double pa = 0, en = 0;
	for (size_t i = 0; i < X->ncust; i++) {
		if (X->par.has_gg && add_check(&total, to_minor(X, X->cust[i].clv, "clv")))
			die("the CLV total overflows 64 bits");
		pa += X->cust[i].p_alive;
		en += X->cust[i].exp_n;
	}
	out_str(o, ",\n  \"customers\": ");
	out_u64(o, X->ncust);
	out_str(o, ",\n  \"clv_total\": ");
	json_fixed(o, total, X->decimals);
	out_str(o, ",\n  \"p_alive_mean\": ");
	json_num(o, "%.4f", X->ncust ? pa / (double)X->ncust : NAN);
	out_str(o, ",\n  \"exp_purchases_total\": ");
	json_num(o, "%.2f", en);
	out_str(o, ",\n  \"by_tier\": ");
	write_groups(X, o, &X->tiers, 0);
	out_str(o, ",\n  \"by_segment\": ");
	write_groups(X, o, &X->segs, 1);
	out_str(o, ",\n  \"p_alive_grid\": ");
	write_grid(X, o);
	out_str(o, ",\n  \"tracking\": ");
	write_tracking(X, o);
	out_str(o, ",\n  \"holdout\": ");
	if (X->cal_end != INT32_MIN)
		write_holdout(X, o);
	else
		out_str(o, "null");
	out_str(o, "\n}\n");
}
