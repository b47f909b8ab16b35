/* metrics: how well scores rank and estimate a 0/1 label. Each measure is
 * stated in its contract comment (model.h); groups of equal scores are
 * treated as one, so no measure depends on the order of the rows. */
#include "model.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

/* by_score orders indices into the scores by descending score; the index
 * breaks ties only to make the sort well defined. */
static int by_score(const void *a, const void *b, void *ctx)
{
	const double *s = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (s[i] != s[j])
		return s[i] > s[j] ? -1 : 1;
	return (i > j) - (i < j);
}

void metrics_sort(Scored *sc)
{
	sc->ord = xmalloc((sc->n ? sc->n : 1) * sizeof *sc->ord);
	for (size_t i = 0; i < sc->n; i++)
		sc->ord[i] = i;
	qsort_r(sc->ord, sc->n, sizeof *sc->ord, by_score, (void *)sc->s);
}

/* group returns the end of the group of equal scores starting at position
 * K of the order, adding its positives to *POS. */
static size_t group(const Scored *sc, size_t k, double *pos)
{
	double s = sc->s[sc->ord[k]], p = 0;
	size_t e = k;
	while (e < sc->n && sc->s[sc->ord[e]] == s)
		p += sc->y[sc->ord[e++]];
	*pos = p;
	return e;
}

static double positives(const Scored *sc)
{
	double p = 0;
	for (size_t i = 0; i < sc->n; i++)
		p += sc->y[i];
	return p;
}

double roc_auc(const Scored *sc)
{
	double P = positives(sc), N = (double)sc->n - P;
	if (P == 0 || N == 0)
		return NAN;
	/* Walking down the scores: each negative of a group beats the
	 * positives of the groups below it, ties count one half. */
	double above_neg = 0, sum = 0;
	for (size_t k = 0; k < sc->n;) {
		double gp;
		size_t e = group(sc, k, &gp);
		double gn = (double)(e - k) - gp;
		sum += gp * (N - above_neg - gn) + 0.5 * gp * gn;
		above_neg += gn;
		k = e;
	}
	return sum / (P * N);
}

double average_precision(const Scored *sc)
{
	double P = positives(sc);
	if (P == 0)
		return NAN;
	double tp = 0, ap = 0;
	for (size_t k = 0; k < sc->n;) {
		double gp;
		size_t e = group(sc, k, &gp);
		tp += gp;
		ap += gp / P * (tp / (double)e);
		k = e;
	}
	return ap;
}

double brier(const Scored *sc)
{
	double s = 0;
	for (size_t i = 0; i < sc->n; i++) {
		double e = sc->s[i] - sc->y[i];
		s += e * e;
	}
	return sc->n ? s / (double)sc->n : NAN;
}

double top_gain(const Scored *sc, double q)
{
	double P = positives(sc), want = q * (double)sc->n, got = 0;
	if (P == 0)
		return NAN;
	for (size_t k = 0; k < sc->n && (double)k < want;) {
		double gp;
		size_t e = group(sc, k, &gp);
		double g = (double)(e - k);
		got += (double)e <= want ? gp : gp * (want - (double)k) / g;
		k = e;
	}
	return got / P;
}

void calibration(const Scored *sc, Calib c[10])
{
	double sum_s[10] = { 0 }, sum_y[10] = { 0 };
	for (int b = 0; b < 10; b++)
		c[b].rows = 0;
	/* The order is descending: position k from the top is rank n-1-k
	 * from the bottom; a group takes the decile of its lowest rank. */
	for (size_t k = 0; k < sc->n;) {
		double gp;
		size_t e = group(sc, k, &gp);
		size_t low = sc->n - e;
		int b = (int)(low * 10 / sc->n);
		for (size_t j = k; j < e; j++)
			sum_s[b] += sc->s[sc->ord[j]];
		sum_y[b] += gp;
		c[b].rows += e - k;
		k = e;
	}
	for (int b = 0; b < 10; b++) {
		c[b].mean_s = c[b].rows ? sum_s[b] / (double)c[b].rows : NAN;
		c[b].rate = c[b].rows ? sum_y[b] / (double)c[b].rows : NAN;
	}
}

/* gain returns saved * pos - cost * n (minor units), dying on overflow. */
static int64_t gain(int64_t pos, int64_t n, int64_t cost, int64_t saved)
{
	int64_t a, b;
	if (__builtin_mul_overflow(pos, saved, &a) || __builtin_mul_overflow(n, cost, &b) ||
	    sub_check(&a, b))
		die("crm-model: the profit of %lld contacts overflows", (long long)n);
	return a;
}

Profit best_profit(const Scored *sc, int64_t contact_cost, int64_t saved_value)
{
	Profit best = { NAN, 0, 0, 0 };
	double tp = 0;
	for (size_t k = 0; k < sc->n;) {
		double gp;
		size_t e = group(sc, k, &gp);
		tp += gp;
		int64_t p = gain((int64_t)tp, (int64_t)e, contact_cost, saved_value);
		if (p > best.profit)
			best = (Profit){ sc->s[sc->ord[k]], e, tp, p };
		k = e;
	}
	return best;
}

Profit profit_at(const Scored *sc, double t, int64_t contact_cost, int64_t saved_value)
{
	Profit r = { t, 0, 0, 0 };
	if (isnan(t))
		return r;
	for (size_t i = 0; i < sc->n; i++)
		if (sc->s[i] >= t) {
			r.contacts++;
			r.reached += sc->y[i];
		}
	r.profit = gain((int64_t)r.reached, (int64_t)r.contacts, contact_cost, saved_value);
	return r;
}

/* ranks returns the average ranks (1-based) of V[0..N), owned. */
static double *ranks(const double *v, size_t n)
{
	Scored sc = { n, v, NULL, NULL };
	metrics_sort(&sc);
	double *r = xmalloc((n ? n : 1) * sizeof *r);
	for (size_t k = 0; k < n;) {
		size_t e = k;
		while (e < n && v[sc.ord[e]] == v[sc.ord[k]])
			e++;
		double avg = (double)(k + 1 + e) / 2;
		for (size_t j = k; j < e; j++)
			r[sc.ord[j]] = avg;
		k = e;
	}
	free(sc.ord);
	return r;
}

double spearman(const double *a, const double *b, size_t n)
{
	if (n < 2)
		return NAN;
	double *ra = ranks(a, n), *rb = ranks(b, n);
	double m = (double)(n + 1) / 2, sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		double x = ra[i] - m, y = rb[i] - m;
		sab += x * y;
		saa += x * x;
		sbb += y * y;
	}
	free(ra);
	free(rb);
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}
