/* btyd: likelihoods and conditional expectations of BG/NBD, MBG/NBD,
 * Pareto/NBD and Gamma-Gamma. The formulas are those of the papers named in
 * btyd.h, in the forms lifetimes (Python) and BTYD (R) use, rewritten where
 * noted so that large x neither overflows nor loses precision. */
#include "btyd.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radix.h"
#include "util.h"

const char *const btyd_model_name[BTYD_NMODELS] = { "bgnbd", "pareto", "mbgnbd" };
const char *const btyd_param_name[BTYD_NMODELS][4] = {
	{ "r", "alpha", "a", "b" },
	{ "r", "alpha", "s", "beta" },
	{ "r", "alpha", "a", "b" },
};
const char *const gg_param_name[3] = { "p", "q", "v" };

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

/* GSL's default handler aborts; every call here checks its status. */
static void gsl_quiet(void)
{
	gsl_set_error_handler_off();
}

/* logaddexp returns log(exp(A) + exp(B)) without overflow. */
static double logaddexp(double a, double b)
{
	if (a == -INFINITY)
		return b;
	if (b == -INFINITY)
		return a;
	return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* hyp2f1_series returns 2F1(A, B; C; Z) for 0 <= Z < 1 by its series,
 * summed with rescaling so that large terms do not overflow: the value is
 * the result times exp(*LOGSCALE). Used where GSL's 2F1 reports an error.
 * Near Z = 1 the terms fall like n^(A+B-C-1) Z^n, millions of them: past
 * SERIES_MAX terms the rest is taken as the geometric series of the last
 * ratio (close there to Z), which bounds the time of one evaluation. */
enum { SERIES_MAX = 20000 };

static double hyp2f1_series(double a, double b, double c, double z, double *logscale)
{
	double term = 1, sum = 1, ratio = 0;
	*logscale = 0;
	for (long k = 0; k < SERIES_MAX; k++) {
		ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
		term *= ratio;
		sum += term;
		if (fabs(sum) > 1e250) {
			sum *= 1e-250;
			term *= 1e-250;
			*logscale += 250 * M_LN10;
		}
		if (fabs(term) <= 1e-17 * fabs(sum) && k > 2 && fabs(ratio) < 1)
			return sum;
	}
	if (fabs(ratio) < 1)
		sum += term * ratio / (1 - ratio);
	return sum;
}

/* hyp2f1 returns 2F1(A, B; C; Z) for Z <= 0 (the Pfaff-transformed
 * arguments of the NBD expectations): GSL where it succeeds, else the
 * series of the transformation into (0, 1). */
static double hyp2f1_neg(double a, double b, double c, double z)
{
	pthread_once(&gsl_once, gsl_quiet);
	gsl_sf_result r;
	if (z >= -0.5 && gsl_sf_hyperg_2F1_e(a, b, c, z, &r) == GSL_SUCCESS && isfinite(r.val))
		return r.val;
	/* Pfaff: 2F1(a, b; c; z) = (1 - z)^-b 2F1(c - a, b; c; z / (z - 1)). */
	double w = z / (z - 1), ls;
	if (gsl_sf_hyperg_2F1_e(c - a, b, c, w, &r) == GSL_SUCCESS && isfinite(r.val))
		return r.val * exp(-b * log1p(-z));
	double s = hyp2f1_series(c - a, b, c, w, &ls);
	return s * exp(ls - b * log1p(-z));
}

/* log_hyp2f1 returns log 2F1(A, B; C; Z) for 0 <= Z < 1 with A, B, C > 0,
 * where the value may be beyond double range (Pareto/NBD with many
 * purchases). */
static double log_hyp2f1(double a, double b, double c, double z)
{
	pthread_once(&gsl_once, gsl_quiet);
	if (z == 0)
		return 0;
	gsl_sf_result r;
	if (gsl_sf_hyperg_2F1_e(a, b, c, z, &r) == GSL_SUCCESS && isfinite(r.val) && r.val > 0 &&
	    r.val < 1e300)
		return log(r.val);
	double ls, s = hyp2f1_series(a, b, c, z, &ls);
	return log(s) + ls;
}

/* The integrand of Euler's integral of 2F1(a, b; a+1; z), scaled by its
 * value at u = 1, its largest. */
typedef struct {
	double a, b, z, lmax;
} EulerArgs;

static double euler_integrand(double u, void *v)
{
	const EulerArgs *e = v;
	if (u <= 0)
		return 0;
	return exp((e->a - 1) * log(u) - e->b * log1p(-e->z * u) - e->lmax);
}

/* log_hyp2f1_a1 returns log 2F1(A, B; A+1; Z), 0 <= Z < 1, A, B > 0 (the
 * Pareto/NBD terms). Near Z = 1 the series needs some 40 / (1 - Z) terms:
 * there Euler's integral A int_0^1 u^(A-1) (1 - Z u)^-B du, its integrand
 * scaled by its largest value, by GSL's adaptive quadrature. */
static double log_hyp2f1_a1(double a, double b, double z)
{
	if (z <= 0.9)
		return log_hyp2f1(a, b, a + 1, z);
	EulerArgs e = { a, b, z, -b * log1p(-z) };
	gsl_function f = { euler_integrand, &e };
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(256);
	double r, err;
	int st = gsl_integration_qag(&f, 0, 1, 0, 1e-11, 256, GSL_INTEG_GAUSS31, w, &r, &err);
	gsl_integration_workspace_free(w);
	if (st != GSL_SUCCESS || !(r > 0))
		return log_hyp2f1(a, b, a + 1, z);
	return log(a) + e.lmax + log(r);
}

/* ---- BG/NBD and MBG/NBD ----
 * BG/NBD, Fader, Hardie & Lee (2005), eq. 6:
 *   L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b)
 *       * [ (alpha+T)^-(r+x) + [x>0] a / (b+x-1) * (alpha+t_x)^-(r+x) ]
 * MBG/NBD (Batislam et al. 2007): B(a, b+x+1) / B(a, b) and
 *   [ (alpha+T)^-(r+x) + a / (b+x) * (alpha+t_x)^-(r+x) ] for every x.
 * Written as A1 + A2 + log(exp(A3) + exp(A4)). */

/* The terms of one customer that depend on x only, with their
 * derivatives: shared by the rows of one x (the rows come sorted by x). */
typedef struct {
	double x;
	double a1, a2;          /* A1 less r log alpha; A2 */
	double d1r, d2a, d2b;   /* dA1/dr less log alpha; dA2/da; dA2/db */
	double bx, la4;         /* b+x-1 (MBG/NBD b+x); log a - log bx */
	double lal;             /* log alpha */
} XTerms;

static void x_terms(BtydModel m, const double *par, double x, XTerms *t, int grad)
{
	double r = par[0], a = par[2], b = par[3];
	double k = m == BTYD_MBGNBD ? 1 : 0;   /* MBG/NBD: B(a, b+x+1) */
	t->x = x;
	t->a1 = lgamma(r + x) - lgamma(r);
	t->a2 = lgamma(a + b) + lgamma(b + x + k) - lgamma(b) - lgamma(a + b + x + k);
	t->bx = m == BTYD_MBGNBD ? b + x : b + x - 1;
	t->la4 = log(a) - log(t->bx);
	t->lal = log(par[1]);
	if (!grad)
		return;
	pthread_once(&gsl_once, gsl_quiet);
	double pab = gsl_sf_psi(a + b), pabx = gsl_sf_psi(a + b + x + k);
	t->d1r = gsl_sf_psi(r + x) - gsl_sf_psi(r);
	t->d2a = pab - pabx;
	t->d2b = pab + gsl_sf_psi(b + x + k) - gsl_sf_psi(b) - pabx;
}

/* bg_row returns the log-likelihood of one customer given its x terms XT
 * and adds N times its gradient to G (when not NULL). */
static double bg_row(BtydModel m, const double *par, const XTerms *xt, double t_x, double T,
		     double n, double *g)
{
	double r = par[0], al = par[1], a = par[2], x = xt->x, bx = xt->bx;
	double lT = log(al + T), lt = 0;
	double a3 = -(r + x) * lT, a4 = -INFINITY;
	if (m == BTYD_MBGNBD || x > 0) {
		lt = log(al + t_x);
		a4 = xt->la4 - (r + x) * lt;
	}
	double mix = logaddexp(a3, a4);
	double ll = xt->a1 + r * xt->lal + xt->a2 + mix;
	if (g) {
		double w4 = a4 == -INFINITY ? 0 : exp(a4 - mix), w3 = 1 - w4;
		g[0] += n * (xt->d1r + xt->lal - w3 * lT - w4 * lt);
		g[1] += n * (r / al - w3 * (r + x) / (al + T) - w4 * (r + x) / (al + t_x));
		g[2] += n * (xt->d2a + w4 / a);
		g[3] += n * (xt->d2b - (w4 > 0 ? w4 / bx : 0)); /* x = 0: no A4 term */
	}
	return ll;
}

/* ---- Pareto/NBD ----
 * Fader & Hardie, note 008, eq. 2 (as lifetimes writes it):
 *   L = Gamma(r+x) alpha^r beta^s / Gamma(r)
 *       * [ (alpha+T)^-(r+x) (beta+T)^-s + s / (r+s+x) * A0 ]
 * with, for alpha >= beta (else swap the roles, with r+x for s+1),
 *   A0 = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t_x)) / (alpha+t_x)^(r+s+x)
 *      - 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+T)) / (alpha+T)^(r+s+x)
 * kept in logs: both 2F1 grow like (1-z)^-(s+1), beyond double range for
 * customers with hundreds of purchases. */
static double pareto_log_a0(const double *par, double x, double t_x, double T)
{
	double r = par[0], al = par[1], s = par[2], be = par[3];
	double lo, hi, t;
	if (al < be) {
		lo = al;
		hi = be;
		t = r + x;
	} else {
		lo = be;
		hi = al;
		t = s + 1;
	}
	double d = hi - lo, rsf = r + s + x;
	double q1 = hi + t_x, q2 = hi + T;
	double l1 = log_hyp2f1_a1(rsf, t, d / q1) + rsf * log(q2);
	double l2 = log_hyp2f1_a1(rsf, t, d / q2) + rsf * log(q1);
	if (!(l1 > l2))
		return -INFINITY; /* t_x = T: the two terms cancel */
	return l1 + log1p(-exp(l2 - l1)) - rsf * (log(q1) + log(q2));
}

static double pareto_ll(const double *par, double x, double t_x, double T)
{
	double r = par[0], al = par[1], s = par[2], be = par[3];
	double a1 = lgamma(r + x) - lgamma(r) + r * log(al) + s * log(be);
	double a2 = logaddexp(-(r + x) * log(al + T) - s * log(be + T),
			      log(s) + pareto_log_a0(par, x, t_x, T) - log(r + s + x));
	return a1 + a2;
}

double btyd_loglik(BtydModel m, const double par[4], double x, double t_x, double T)
{
	if (m == BTYD_PARETO)
		return pareto_ll(par, x, t_x, T);
	XTerms xt;
	x_terms(m, par, x, &xt, 0);
	return bg_row(m, par, &xt, t_x, T, 1, NULL);
}

static double pareto_sum(const double *par, const BtydRow *rows, size_t n)
{
	double ll = 0;
	for (size_t i = 0; i < n; i++)
		ll += rows[i].n * pareto_ll(par, rows[i].x, rows[i].t_x, rows[i].T);
	return ll;
}

int btyd_row_cmp(const void *a, const void *b)
{
	const BtydRow *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	if (x->t_x != y->t_x)
		return x->t_x < y->t_x ? -1 : 1;
	return (x->T > y->T) - (x->T < y->T);
}

/* distinct_ids sets *VALS to the distinct values of the N doubles V (taken
 * STRIDE bytes apart), ascending, *NV their number, and ID[i] to row i's
 * index in them. */
static void distinct_ids(const char *v, size_t stride, size_t n, double **vals, size_t *nv, uint32_t *id)
{
	uint64_t *key = xmalloc((n ? n : 1) * sizeof *key);
	for (size_t i = 0; i < n; i++) {
		double x;
		memcpy(&x, v + i * stride, sizeof x);
		key[i] = radix_of_double(x);
	}
	radix_sort_u64(key, n);
	double *d = xmalloc((n ? n : 1) * sizeof *d);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!i || key[i] != key[i - 1])
			d[k++] = radix_double(key[i]);
	free(key);
	for (size_t i = 0; i < n; i++) {
		double x;
		memcpy(&x, v + i * stride, sizeof x);
		size_t lo = 0, hi = k;
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (d[mid] <= x)
				lo = mid;
			else
				hi = mid;
		}
		id[i] = (uint32_t)lo;
	}
	*vals = xrealloc(d, (k ? k : 1) * sizeof *d);
	*nv = k;
}

void btyd_table_init(BtydTable *t, const BtydRow *rows, size_t n)
{
	memset(t, 0, sizeof *t);
	t->rows = rows;
	t->n = n;
	t->ti = xmalloc((n ? n : 1) * sizeof *t->ti);
	t->Ti = xmalloc((n ? n : 1) * sizeof *t->Ti);
	distinct_ids((const char *)&rows[0].t_x, sizeof *rows, n, &t->tv, &t->ntv, t->ti);
	distinct_ids((const char *)&rows[0].T, sizeof *rows, n, &t->Tv, &t->nTv, t->Ti);
	t->work = xmalloc((2 * (t->ntv + t->nTv) + 1) * sizeof *t->work);
}

void btyd_table_free(BtydTable *t)
{
	free(t->ti);
	free(t->Ti);
	free(t->tv);
	free(t->Tv);
	free(t->work);
	memset(t, 0, sizeof *t);
}

/* bg_table_sum is btyd_loglik_sum for BG/NBD and MBG/NBD on a prepared
 * table: log(alpha + t) and 1 / (alpha + t) once per distinct t_x and T,
 * then per row the two terms A3 and A4 from them and one exp and one log1p
 * for their log-sum-exp, which stays finite for any x. */
static double bg_table_sum(BtydModel m, const double *par, const BtydTable *t, double *g)
{
	double r = par[0], al = par[1], a = par[2];
	double *lt = t->work, *it = lt + t->ntv, *lT = it + t->ntv, *iT = lT + t->nTv;
	for (size_t j = 0; j < t->ntv; j++) {
		lt[j] = log(al + t->tv[j]);
		it[j] = 1 / (al + t->tv[j]);
	}
	for (size_t j = 0; j < t->nTv; j++) {
		lT[j] = log(al + t->Tv[j]);
		iT[j] = 1 / (al + t->Tv[j]);
	}
	double ll = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0;
	XTerms xt = { .x = -1 };
	for (size_t i = 0; i < t->n; i++) {
		const BtydRow *row = &t->rows[i];
		if (row->x != xt.x)
			x_terms(m, par, row->x, &xt, g != NULL);
		double x = xt.x, rx = r + x, n = row->n;
		double l3 = lT[t->Ti[i]], a3 = -rx * l3, mix = a3, w4 = 0, l4 = 0;
		if (m == BTYD_MBGNBD || x > 0) {
			l4 = lt[t->ti[i]];
			double a4 = xt.la4 - rx * l4, d = a4 - a3;
			/* log(e^a3 + e^a4) and the weight e^a4 / (e^a3 + e^a4)
			 * from one exponential of the smaller less the larger;
			 * log(1 + e), e <= 1, is within an ulp of 1 of log1p(e)
			 * in absolute terms, all a sum of log-likelihoods sees,
			 * and cheaper. */
			if (d <= 0) {
				double e = exp(d), s = 1 + e;
				mix = a3 + log(s);
				w4 = e / s;
			} else {
				double e = exp(-d), s = 1 + e;
				mix = a4 + log(s);
				w4 = 1 / s;
			}
		}
		ll += n * (xt.a1 + r * xt.lal + xt.a2 + mix);
		if (g) {
			double w3 = 1 - w4;
			g0 += n * (xt.d1r + xt.lal - w3 * l3 - w4 * l4);
			g1 += n * (r / al - rx * (w3 * iT[t->Ti[i]] + (w4 > 0 ? w4 * it[t->ti[i]] : 0)));
			g2 += n * (xt.d2a + w4 / a);
			g3 += n * (xt.d2b - (w4 > 0 ? w4 / xt.bx : 0));
		}
	}
	if (g) {
		g[0] = g0;
		g[1] = g1;
		g[2] = g2;
		g[3] = g3;
	}
	return ll;
}

double btyd_table_loglik(BtydModel m, const double par[4], const BtydTable *t, double grad[4])
{
	if (m == BTYD_PARETO)
		return btyd_loglik_sum(m, par, t->rows, t->n, grad);
	return bg_table_sum(m, par, t, grad);
}

double btyd_loglik_sum(BtydModel m, const double par[4], const BtydRow *rows, size_t n, double grad[4])
{
	if (m == BTYD_PARETO) {
		double ll = pareto_sum(par, rows, n);
		if (grad)
			for (int i = 0; i < 4; i++) {
				/* Central differences on a relative step. */
				double p[4] = { par[0], par[1], par[2], par[3] }, h = 1e-6 * par[i];
				p[i] = par[i] + h;
				double up = pareto_sum(p, rows, n);
				p[i] = par[i] - h;
				grad[i] = (up - pareto_sum(p, rows, n)) / (2 * h);
			}
		return ll;
	}
	double ll = 0;
	if (grad)
		grad[0] = grad[1] = grad[2] = grad[3] = 0;
	XTerms xt = { .x = -1 };
	for (size_t i = 0; i < n; i++) {
		if (rows[i].x != xt.x)
			x_terms(m, par, rows[i].x, &xt, grad != NULL);
		ll += rows[i].n * bg_row(m, par, &xt, rows[i].t_x, rows[i].T, rows[i].n, grad);
	}
	return ll;
}

/* ---- Gamma-Gamma ----
 * Fader, Hardie & Lee (2005), "RFM and CLV", and note 025: with x repeat
 * purchases of mean m,
 *   L = Gamma(px+q) / (Gamma(px) Gamma(q)) * v^q m^(px-1) x^(px)
 *       / (v + x m)^(px+q). */
double gg_loglik_sum(const double par[3], const GgRow *rows, size_t n, double grad[3])
{
	return gg_loglik_logm(par, rows, NULL, n, grad);
}

double gg_loglik_logm(const double par[3], const GgRow *rows, const double *logm, size_t n, double grad[3])
{
	double p = par[0], q = par[1], v = par[2], ll = 0, g0 = 0, g1 = 0, g2 = 0;
	if (grad)
		pthread_once(&gsl_once, gsl_quiet);
	double lgq = lgamma(q), psq = grad ? gsl_sf_psi(q) : 0, lv = log(v);
	/* The terms in x alone, once per run of rows of one x. */
	double cx = -1, px = 0, lx = 0, lgx = 0, ppq = 0, pp = 0;
	for (size_t i = 0; i < n; i++) {
		double x = rows[i].x, m = rows[i].m, w = rows[i].n;
		if (x != cx) {
			cx = x;
			px = p * x;
			lx = log(x);
			lgx = lgamma(px + q) - lgamma(px);
			if (grad) {
				ppq = gsl_sf_psi(px + q);
				pp = gsl_sf_psi(px);
			}
		}
		double lxm = log(x * m + v), lm = logm ? logm[i] : log(m);
		ll += w * (lgx - lgq + q * lv + (px - 1) * lm + px * lx - (px + q) * lxm);
		if (grad) {
			g0 += w * x * (ppq - pp + lm + lx - lxm);
			g1 += w * (ppq - psq + lv - lxm);
			g2 += w * (q / v - (px + q) / (x * m + v));
		}
	}
	if (grad) {
		grad[0] = g0;
		grad[1] = g1;
		grad[2] = g2;
	}
	return ll;
}

/* ---- scores ---- */

double btyd_p_alive(const BtydParams *p, double x, double t_x, double T)
{
	const double *q = p->par;
	double r = q[0], al = q[1], a = q[2], b = q[3], l;
	switch (p->model) {
	case BTYD_BGNBD:
		if (x == 0)
			return 1;
		l = log(a) - log(b + x - 1) + (r + x) * (log(al + T) - log(al + t_x));
		break;
	case BTYD_MBGNBD:
		l = log(a) - log(b + x) + (r + x) * (log(al + T) - log(al + t_x));
		break;
	default: {
		double s = a, be = b;
		l = log(s) - log(r + s + x) + (r + x) * log(al + T) + s * log(be + T) +
		    pareto_log_a0(q, x, t_x, T);
		break;
	}
	}
	/* 1 / (1 + e^l): 0 rather than NaN when e^l overflows. */
	return l > 700 ? 0 : 1 / (1 + exp(l));
}

/* pareto_bracket returns [1 - (U / (U + t))^(s-1)] / (s - 1), taken by
 * expm1 so that s near 1 keeps its limit (Pareto/NBD's expectations). */
static double pareto_bracket(double s, double u, double t)
{
	double k = log(u / (u + t));
	return fabs(s - 1) < 1e-12 ? -k : -expm1((s - 1) * k) / (s - 1);
}

double btyd_expected(const BtydParams *p, double t, double x, double t_x, double T)
{
	const double *q = p->par;
	if (t <= 0)
		return 0;
	if (p->model == BTYD_PARETO)
		return btyd_p_alive(p, x, t_x, T) * (q[0] + x) * (q[3] + T) / (q[1] + T) *
		       pareto_bracket(q[2], q[3] + T, t);
	return btyd_expected_alive(p, t, x, T) * btyd_p_alive(p, x, t_x, T);
}

double btyd_expected_alive(const BtydParams *p, double t, double x, double T)
{
	const double *q = p->par;
	double r = q[0], al = q[1], a = q[2], b = q[3];
	if (t <= 0)
		return 0;
	/* Pareto/NBD, note 008, eq. 21: P(alive) (r+x)(beta+T) / ((alpha+T)(s-1))
	 * [1 - ((beta+T)/(beta+T+t))^(s-1)]. */
	if (p->model == BTYD_PARETO)
		return (r + x) * (b + T) / (al + T) * pareto_bracket(a, b + T, t);
	/* BG/NBD, eq. 10: (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
	 * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] / (1 + [x>0] a/(b+x-1)
	 * ((alpha+T)/(alpha+t_x))^(r+x)), the last factor P(alive). By Pfaff's
	 * transformation the product in the bracket is 2F1(r+x, a-1; a+b+x-1;
	 * -t/(alpha+T)), whose series stays bounded for any x. MBG/NBD: b+x+1
	 * and a+b+x. */
	double k = p->model == BTYD_MBGNBD ? 1 : 0;
	double c = a + b + x - 1 + k;
	double h = hyp2f1_neg(r + x, a - 1, c, -t / (al + T));
	return c / (a - 1) * (1 - h);
}

double btyd_expected_new(const BtydParams *p, double t)
{
	const double *q = p->par;
	double r = q[0], al = q[1], a = q[2], b = q[3];
	if (t <= 0)
		return 0;
	if (p->model == BTYD_PARETO) {
		/* Note 008, eq. 17: r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]. */
		return r * b / al * pareto_bracket(a, b, t);
	}
	/* BG/NBD, eq. 7: (a+b-1)/(a-1) [1 - 2F1(r, a-1; a+b-1; -t/alpha)]
	 * (Pfaff form); MBG/NBD: b/(a-1) [1 - 2F1(r, a-1; a+b; -t/alpha)]. */
	if (p->model == BTYD_MBGNBD)
		return b / (a - 1) * (1 - hyp2f1_neg(r, a - 1, a + b, -t / al));
	return (a + b - 1) / (a - 1) * (1 - hyp2f1_neg(r, a - 1, a + b - 1, -t / al));
}

/* The integrand of Pareto/NBD's probability of a purchase in (T, T+t]
 * given alive at T: E[lambda e^-lambda u] E[e^-mu u] over the posteriors
 * lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T). */
typedef struct {
	double k, th, s, be;
} PnArgs;

/* The 20 Gauss-Legendre nodes, made once and kept to the exit. */
static gsl_integration_glfixed_table *gl20;
static pthread_once_t gl_once = PTHREAD_ONCE_INIT;

static void gl_init(void)
{
	gl20 = gsl_integration_glfixed_table_alloc(20);
}

static double pn_integrand(double u, void *v)
{
	const PnArgs *a = v;
	return a->k / a->th * exp((a->k + 1) * log(a->th / (a->th + u)) + a->s * log(a->be / (a->be + u)));
}

double btyd_p_none(const BtydParams *p, double t, double x, double t_x, double T)
{
	const double *q = p->par;
	double r = q[0], al = q[1];
	double pa = btyd_p_alive(p, x, t_x, T);
	if (t <= 0)
		return 1;
	if (p->model != BTYD_PARETO) {
		/* Dropout follows a purchase: alive at T and no purchase in t
		 * is no purchase of a Poisson process of rate lambda ~
		 * Gamma(r+x, alpha+T). */
		return 1 - pa + pa * exp((r + x) * log((al + T) / (al + T + t)));
	}
	/* Pareto/NBD: alive at T, a purchase comes before death and before t
	 * with probability int_0^t E[lambda e^-lambda u] E[e^-mu u] du,
	 * by 20-point Gauss-Legendre quadrature (smooth, monotone integrand). */
	pthread_once(&gl_once, gl_init);
	PnArgs a = { r + x, al + T, q[2], q[3] + T };
	gsl_function f = { pn_integrand, &a };
	double buy = gsl_integration_glfixed(&f, 0, t, gl20);
	return 1 - pa * buy;
}

double gg_expected_spend(const double gg[3], double x, double m)
{
	double p = gg[0], q = gg[1], v = gg[2];
	/* Note 025, eq. 5: (q-1)/(px+q-1) * pv/(q-1) + px/(px+q-1) * m. */
	if (x <= 0)
		return p * v / (q - 1);
	return p * (v + x * m) / (p * x + q - 1);
}
