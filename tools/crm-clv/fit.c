/* crm-clv: the compressed tables, the fit and the parameters document. */
#include "clv.h"
#include "json.h"
#include "money.h"
#include "radix.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_num(Out *o, const char *fmt, double v)
{
	char b[64];
	if (!isfinite(v)) {
		out_str(o, "null");
		return;
	}
	int n = snprintf(b, sizeof b, fmt, v);
	/* -0 prints as 0: the bytes do not depend on a sign of nothing. */
	if (n > 1 && b[0] == '-' && strspn(b + 1, "0.") == (size_t)(n - 1))
		out_write(o, b + 1, (size_t)n - 1);
	else
		out_write(o, b, (size_t)n);
}

static int cmp_gg(const void *a, const void *b)
{
	const GgRow *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	return (x->m > y->m) - (x->m < y->m);
}

double repeat_mean(const Ctx *X, const Cust *u, double x)
{
	__int128 num = (__int128)u->total * u->first_k - u->first_amt;
	return (double)num / ((double)u->first_k * x) / (double)pow10_i64[X->decimals];
}

/* merge_tx merges the equal rows of X->tx, sorted. */
static void merge_tx(Ctx *X)
{
	size_t k = 0;
	for (size_t i = 1; i < X->ntx; i++)
		if (!btyd_row_cmp(&X->tx[i], &X->tx[k]))
			X->tx[k].n += X->tx[i].n;
		else
			X->tx[++k] = X->tx[i];
	X->ntx = k + 1;
}

static void sort_gg(Ctx *X)
{
	if (!X->ngg)
		return;
	qsort(X->gg, X->ngg, sizeof *X->gg, cmp_gg);
	size_t k = 0;
	for (size_t i = 1; i < X->ngg; i++)
		if (!cmp_gg(&X->gg[i], &X->gg[k]))
			X->gg[k].n += X->gg[i].n;
		else
			X->gg[++k] = X->gg[i];
	X->ngg = k + 1;
}

void sort_tables(Ctx *X)
{
	if (X->ntx) {
		qsort(X->tx, X->ntx, sizeof *X->tx, btyd_row_cmp);
		merge_tx(X);
	}
	sort_gg(X);
}

/* Days and purchase counts packed into one key, x above t_x above T, so
 * that the keys sort as the rows do. */
enum { KEY_DAY_BITS = 21, KEY_X_BITS = 64 - 2 * KEY_DAY_BITS };

/* tx_by_keys fills X->tx from the customers' summaries, merged and sorted,
 * by a radix sort of packed keys. Returns 0, or -1 (nothing done) when a
 * summary is beyond the key's bits. */
static int tx_by_keys(Ctx *X, int32_t end)
{
	uint64_t *k = xmalloc((X->ncust ? X->ncust : 1) * sizeof *k);
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		uint64_t x = u->n - 1, tx = (uint64_t)(u->last - u->first), T = (uint64_t)(end - u->first);
		if (x >> KEY_X_BITS || tx >> KEY_DAY_BITS || T >> KEY_DAY_BITS) {
			free(k);
			return -1;
		}
		k[i] = x << (2 * KEY_DAY_BITS) | tx << KEY_DAY_BITS | T;
	}
	radix_sort_u64(k, X->ncust);
	const uint64_t day = (1ULL << KEY_DAY_BITS) - 1;
	for (size_t i = 0; i < X->ncust; i++) {
		if (X->ntx && k[i] == k[i - 1]) {
			X->tx[X->ntx - 1].n++;
			continue;
		}
		X->tx[X->ntx++] = (BtydRow){ (double)(k[i] >> (2 * KEY_DAY_BITS)),
					     (double)(k[i] >> KEY_DAY_BITS & day), (double)(k[i] & day), 1 };
	}
	free(k);
	return 0;
}

/* gg_by_keys sorts and merges X->gg as make_tables makes it (rows of count
 * 1): bucketed by x, the m of each bucket by a radix sort of their keys.
 * The order and the merges are sort_gg's. */
static void gg_by_keys(Ctx *X)
{
	size_t n = X->ngg;
	double xmax = 0;
	for (size_t i = 0; i < n; i++)
		xmax = X->gg[i].x > xmax ? X->gg[i].x : xmax;
	if (n < 2 || xmax > 1e7) {
		sort_gg(X);
		return;
	}
	size_t nb = (size_t)xmax + 1;
	size_t *start = xcalloc(nb + 1, sizeof *start), *pos = xmalloc(nb * sizeof *pos);
	for (size_t i = 0; i < n; i++)
		start[(size_t)X->gg[i].x + 1]++;
	for (size_t b = 0; b < nb; b++)
		start[b + 1] += start[b];
	memcpy(pos, start, nb * sizeof *pos);
	uint64_t *k = xmalloc(n * sizeof *k);
	for (size_t i = 0; i < n; i++)
		k[pos[(size_t)X->gg[i].x]++] = radix_of_double(X->gg[i].m);
	size_t out = 0;
	for (size_t b = 0; b < nb; b++) {
		radix_sort_u64(k + start[b], start[b + 1] - start[b]);
		for (size_t j = start[b]; j < start[b + 1]; j++)
			if (j > start[b] && k[j] == k[j - 1])
				X->gg[out - 1].n++;
			else
				X->gg[out++] = (GgRow){ (double)b, radix_double(k[j]), 1 };
	}
	X->ngg = out;
	free(k);
	free(pos);
	free(start);
}

void make_tables(Ctx *X)
{
	int32_t end = X->cal_end != INT32_MIN ? X->cal_end : X->as_of;
	X->tx = xmalloc((X->ncust ? X->ncust : 1) * sizeof *X->tx);
	X->gg = xmalloc((X->ncust ? X->ncust : 1) * sizeof *X->gg);
	int keyed = tx_by_keys(X, end) == 0;
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		double x = u->n - 1;
		if (!keyed)
			X->tx[X->ntx++] = (BtydRow){ x, u->last - u->first, end - u->first, 1 };
		if (u->n > 1) {
			double m = repeat_mean(X, u, x);
			if (m > 0)
				X->gg[X->ngg++] = (GgRow){ x, m, 1 };
			else
				X->gg_left_out++;
		}
	}
	if (!keyed && X->ntx) {
		qsort(X->tx, X->ntx, sizeof *X->tx, btyd_row_cmp);
		merge_tx(X);
	}
	gg_by_keys(X);
}

/* warn_fit says on stderr what a fit that did not converge or that ran to
 * the boundary means. */
static void warn_fit(const Ctx *X, const BtydFit *f, const char *model, const char *const *names)
{
	if (!f->converged && !f->any_boundary)
		warn("%s: the fit did not converge in %d iterations (clv.max_iter); the estimates are "
		     "the last point reached", model, f->iterations);
	if (!f->any_boundary)
		return;
	char list[160];
	size_t n = 0;
	list[0] = '\0';
	for (int i = 0; i < f->npar; i++)
		if (f->boundary[i])
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s=%.3g", n ? ", " : "", names[i],
					      f->par[i]);
	warn("%s: the maximum lies on the boundary (%s, beyond clv.max_param %.0f or its inverse, or "
	     "a flat likelihood): the model reduces to %s; these values are limits, not estimates, "
	     "and have no standard errors", model, list, X->cr.max_param, f->limit);
}

/* as_written rounds the fitted parameters of F to the digits the
 * parameters document writes (%.10g), so that this run scores with exactly
 * the parameters a later --params run reads back: one fit scoring many
 * partitions gives the bytes of the single run, also where the likelihood is
 * flat (a fit on the boundary). */
static void as_written(BtydFit *f)
{
	for (int i = 0; i < f->npar; i++) {
		char b[40];
		snprintf(b, sizeof b, "%.10g", f->par[i]);
		f->par[i] = strtod(b, NULL);
	}
}

void fit_models(Ctx *X)
{
	double ud = X->cr.unit_days;
	if (!X->ntx)
		die("no customer with a purchase to fit");
	BtydRow *u = xmalloc(X->ntx * sizeof *u);
	for (size_t i = 0; i < X->ntx; i++)
		u[i] = (BtydRow){ X->tx[i].x, X->tx[i].t_x / ud, X->tx[i].T / ud, X->tx[i].n };
	btyd_fit(X->cr.model, u, X->ntx, X->cr.penalty, X->cr.max_iter, X->cr.max_param, &X->fit);
	free(u);
	as_written(&X->fit);
	warn_fit(X, &X->fit, btyd_model_name[X->cr.model], btyd_param_name[X->cr.model]);
	X->par.model = X->cr.model;
	memcpy(X->par.par, X->fit.par, sizeof X->par.par);
	X->par.unit_days = ud;
	memcpy(X->par.rules, X->rid, 17);
	/* Gamma-Gamma assumes spend independent of frequency: the weighted
	 * Pearson correlation of x and m says how far that holds. */
	double w = 0, sx = 0, sm = 0, sxx = 0, smm = 0, sxm = 0;
	for (size_t i = 0; i < X->ngg; i++) {
		const GgRow *g = &X->gg[i];
		w += g->n;
		sx += g->n * g->x;
		sm += g->n * g->m;
	}
	X->gg_customers = w;
	if (w > 0) {
		sx /= w;
		sm /= w;
		for (size_t i = 0; i < X->ngg; i++) {
			const GgRow *g = &X->gg[i];
			sxx += g->n * (g->x - sx) * (g->x - sx);
			smm += g->n * (g->m - sm) * (g->m - sm);
			sxm += g->n * (g->x - sx) * (g->m - sm);
		}
	}
	X->gg_corr = sxx > 0 && smm > 0 ? sxm / sqrt(sxx * smm) : NAN;
	if (X->ngg < 2) {
		warn("fewer than two distinct repeat customers with a positive mean spend: no Gamma-Gamma "
		     "fit, exp_spend and clv are left empty");
		return;
	}
	gg_fit(X->gg, X->ngg, X->cr.penalty, X->cr.max_iter, X->cr.max_param, &X->ggfit);
	as_written(&X->ggfit);
	X->have_ggfit = 1;
	warn_fit(X, &X->ggfit, "gamma-gamma", gg_param_name);
	if (fabs(X->gg_corr) > X->cr.max_corr)
		warn("gamma-gamma: frequency and mean spend correlate (%.3f, beyond "
		     "clv.max_spend_correlation %s): the model assumes them independent", X->gg_corr,
		     X->cr.t_max_corr);
	if (X->ggfit.par[1] <= 1 && !X->ggfit.any_boundary)
		warn("gamma-gamma: q = %.4g is not above 1: the population mean spend is not finite",
		     X->ggfit.par[1]);
	memcpy(X->par.gg, X->ggfit.par, sizeof X->par.gg);
	X->par.has_gg = 1;
}

void write_counts(const Ctx *X, Out *o)
{
	char b[128];
	out_str(o, "kind\tx\tt_x\tT\tm\tn\trules_id\n");
	for (size_t i = 0; i < X->ntx; i++) {
		const BtydRow *r = &X->tx[i];
		int n = snprintf(b, sizeof b, "tx\t%.0f\t%.17g\t%.17g\t\t%.0f\t", r->x, r->t_x, r->T, r->n);
		out_write(o, b, (size_t)n);
		out_str(o, X->rid);
		out_char(o, '\n');
	}
	for (size_t i = 0; i < X->ngg; i++) {
		const GgRow *r = &X->gg[i];
		int n = snprintf(b, sizeof b, "gg\t%.0f\t\t\t%.17g\t%.0f\t", r->x, r->m, r->n);
		out_write(o, b, (size_t)n);
		out_str(o, X->rid);
		out_char(o, '\n');
	}
}

/* write_fit writes the members of fit F of parameters NAMES, each line
 * after the first indented by IND. */
static void write_fit(Out *o, const BtydFit *f, const char *const *names, const char *ind)
{
	out_str(o, "\"params\": {");
	for (int i = 0; i < f->npar; i++) {
		json_key(o, names[i], i == 0);
		json_num(o, "%.10g", f->par[i]);
	}
	out_str(o, "},\n");
	out_str(o, ind);
	out_str(o, "\"se\": {");
	for (int i = 0; i < f->npar; i++) {
		json_key(o, names[i], i == 0);
		json_num(o, "%.6g", f->any_boundary ? NAN : f->se[i]);
	}
	out_str(o, "},\n");
	out_str(o, ind);
	out_str(o, "\"boundary\": {\"flag\": ");
	out_str(o, f->any_boundary ? "true" : "false");
	out_str(o, ", \"params\": [");
	for (int i = 0, k = 0; i < f->npar; i++)
		if (f->boundary[i]) {
			if (k++)
				out_str(o, ", ");
			json_cstr(o, names[i]);
		}
	out_str(o, "], \"limit\": ");
	if (f->limit)
		json_cstr(o, f->limit);
	else
		out_str(o, "null");
	out_str(o, "},\n");
	out_str(o, ind);
	out_str(o, "\"fit\": {\"loglik\": ");
	json_num(o, "%.6f", f->loglik);
	out_str(o, ", \"loglik_mean\": ");
	json_num(o, "%.10g", f->loglik / f->weight);
	out_str(o, ", \"customers\": ");
	json_num(o, "%.0f", f->weight);
	out_str(o, ", \"converged\": ");
	out_str(o, f->converged ? "true" : "false");
	out_str(o, ", \"iterations\": ");
	json_num(o, "%.0f", f->iterations);
	out_str(o, ", \"method\": ");
	json_cstr(o, f->method);
	out_str(o, ", \"grad_norm\": ");
	json_num(o, "%.3g", f->grad_norm);
	out_str(o, "}");
}

void write_params_object(const Ctx *X, Out *o)
{
	static const char *const unit[] = { "day", "week", "month" };
	out_str(o, "{\n  \"schema\": \"crm-clv-params/1\",\n  \"generator\": \"crm-clv " CRM_VERSION "\",\n  \"rules\": ");
	json_cstr(o, X->rid);
	out_str(o, ",\n  \"model\": ");
	json_cstr(o, btyd_model_name[X->cr.model]);
	out_str(o, ",\n  \"time_unit\": ");
	json_cstr(o, unit[X->cr.unit]);
	out_str(o, ",\n  \"time_unit_days\": ");
	json_num(o, "%.10g", X->cr.unit_days);
	out_str(o, ",\n  \"penalty\": ");
	out_str(o, X->cr.t_penalty);
	out_str(o, ",\n  \"rows\": ");
	json_num(o, "%.0f", (double)X->ntx);
	out_str(o, ",\n  ");
	write_fit(o, &X->fit, btyd_param_name[X->cr.model], "  ");
	out_str(o, ",\n  \"gamma_gamma\": ");
	if (!X->have_ggfit) {
		out_str(o, "null\n}");
		return;
	}
	out_str(o, "{\n    ");
	write_fit(o, &X->ggfit, gg_param_name, "    ");
	out_str(o, ",\n    \"rows\": ");
	json_num(o, "%.0f", (double)X->ngg);
	out_str(o, ", \"spend_frequency_correlation\": ");
	json_num(o, "%.4f", X->gg_corr);
	out_str(o, ", \"weak_correlation\": ");
	out_str(o, fabs(X->gg_corr) <= X->cr.max_corr ? "true" : "false");
	out_str(o, "\n  }\n}");
}

void write_params(const Ctx *X, Out *o)
{
	write_params_object(X, o);
	out_char(o, '\n');
}

void write_loglik(const Ctx *X, Out *o)
{
	double ud = X->par.unit_days, g[4], gg[3];
	BtydRow *u = xmalloc((X->ntx ? X->ntx : 1) * sizeof *u);
	for (size_t i = 0; i < X->ntx; i++)
		u[i] = (BtydRow){ X->tx[i].x, X->tx[i].t_x / ud, X->tx[i].T / ud, X->tx[i].n };
	/* The prepared table, as the fit evaluates it. */
	BtydTable tab;
	btyd_table_init(&tab, u, X->ntx);
	double ll = btyd_table_loglik(X->par.model, X->par.par, &tab, g);
	btyd_table_free(&tab);
	free(u);
	char b[128];
	out_str(o, "name\tvalue\n");
	int n = snprintf(b, sizeof b, "loglik\t%.10g\n", ll);
	out_write(o, b, (size_t)n);
	for (int i = 0; i < 4; i++) {
		n = snprintf(b, sizeof b, "d_%s\t%.10g\n", btyd_param_name[X->par.model][i], g[i]);
		out_write(o, b, (size_t)n);
	}
	if (!X->par.has_gg)
		return;
	ll = gg_loglik_sum(X->par.gg, X->gg, X->ngg, gg);
	n = snprintf(b, sizeof b, "gg_loglik\t%.10g\n", ll);
	out_write(o, b, (size_t)n);
	for (int i = 0; i < 3; i++) {
		n = snprintf(b, sizeof b, "d_%s\t%.10g\n", gg_param_name[i], gg[i]);
		out_write(o, b, (size_t)n);
	}
}
