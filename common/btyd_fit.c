/* btyd_fit: maximum likelihood for the models of btyd.c, with GSL's
 * minimisers on the log-parameters, standard errors from the Hessian and
 * the detection of estimates that ran to the boundary. */
#include "btyd.h"
#include "util.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One fit: the rows and the model, the penalty, the normalising weight. */
typedef struct {
	int gg;                  /* Gamma-Gamma, else the transaction model */
	BtydModel model;
	const BtydRow *rows;
	const GgRow *grows;
	size_t n;
	const BtydTable *tab;    /* the rows prepared for the transaction model */
	const double *logm;      /* Gamma-Gamma: log m of each row */
	int npar;
	double weight, penalty;
	double far;              /* |log par| beyond this: on its way to a limit */
} Problem;

/* gone_far tells whether the point U of PB has left the parameter space
 * that clv.max_param bounds by a factor of 10: the maximum lies at a limit,
 * and further steps only cost time (Pareto/NBD's hypergeometric series
 * lengthen as the parameters run away). */
static int gone_far(const Problem *pb, const gsl_vector *u)
{
	for (int i = 0; i < pb->npar; i++)
		if (fabs(gsl_vector_get(u, i)) > pb->far)
			return 1;
	return 0;
}

/* loglik returns the weighted log-likelihood at natural parameters PAR and
 * its gradient in G (when not NULL). */
static double loglik(const Problem *pb, const double *par, double *g)
{
	if (pb->gg)
		return gg_loglik_logm(par, pb->grows, pb->logm, pb->n, g);
	return btyd_table_loglik(pb->model, par, pb->tab, g);
}

/* The objective on u = log(par): -loglik / weight + penalty * sum(par^2),
 * as lifetimes states it, so that figures and penalties compare. A
 * non-finite value (a step far out of range) is +HUGE: the line search
 * steps back. */
static double objective(const gsl_vector *u, void *v)
{
	const Problem *pb = v;
	double par[4], pen = 0;
	for (int i = 0; i < pb->npar; i++) {
		par[i] = exp(gsl_vector_get(u, i));
		pen += par[i] * par[i];
	}
	double f = -loglik(pb, par, NULL) / pb->weight + pb->penalty * pen;
	return isfinite(f) ? f : GSL_POSINF;
}

static void objective_df(const gsl_vector *u, void *v, double *f, gsl_vector *df)
{
	const Problem *pb = v;
	double par[4], g[4], pen = 0;
	for (int i = 0; i < pb->npar; i++) {
		par[i] = exp(gsl_vector_get(u, i));
		pen += par[i] * par[i];
	}
	double ll = loglik(pb, par, g);
	*f = -ll / pb->weight + pb->penalty * pen;
	if (!isfinite(*f))
		*f = GSL_POSINF;
	for (int i = 0; i < pb->npar; i++) {
		double d = -par[i] * g[i] / pb->weight + 2 * pb->penalty * par[i] * par[i];
		gsl_vector_set(df, i, isfinite(d) ? d : 0);
	}
}

static void objective_d(const gsl_vector *u, void *v, gsl_vector *df)
{
	double f;
	objective_df(u, v, &f, df);
}

/* The gradient norm of the mean objective at which a fit has converged,
 * and the looser one at which a coarse table's fit hands over to Newton's
 * method on the exact table (its maximum is only near the exact one). */
#define GRAD_TOL 1e-8
#define COARSE_TOL 1e-3

/* bfgs runs GSL's BFGS2 from U for at most MAX_ITER iterations; returns
 * the iterations and sets *CONVERGED when the gradient norm fell below
 * TOL. U holds the end point. */
static int bfgs(const Problem *pb, gsl_vector *u, int max_iter, double tol, int *converged, double *gnorm)
{
	gsl_multimin_function_fdf fn = { objective, objective_d, objective_df, (size_t)pb->npar, (void *)pb };
	gsl_multimin_fdfminimizer *m =
		gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)pb->npar);
	gsl_multimin_fdfminimizer_set(m, &fn, u, 0.01, 0.1);
	int it = 0, st = GSL_CONTINUE;
	*converged = 0;
	while (it < max_iter) {
		it++;
		st = gsl_multimin_fdfminimizer_iterate(m);
		if (gsl_multimin_test_gradient(m->gradient, tol) == GSL_SUCCESS) {
			*converged = 1;
			break;
		}
		if (st || gone_far(pb, m->x))
			break;
	}
	if (!*converged && gsl_multimin_test_gradient(m->gradient, 1e-5) == GSL_SUCCESS)
		*converged = 1; /* stalled at float precision, at a stationary point */
	*gnorm = gsl_blas_dnrm2(m->gradient);
	gsl_vector_memcpy(u, m->x);
	gsl_multimin_fdfminimizer_free(m);
	return it;
}

/* simplex runs Nelder-Mead from U, the fallback when BFGS stalls far from
 * a stationary point (a flat or curved valley near the boundary). */
static int simplex(const Problem *pb, gsl_vector *u, int max_iter)
{
	gsl_multimin_function fn = { objective, (size_t)pb->npar, (void *)pb };
	gsl_multimin_fminimizer *m =
		gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)pb->npar);
	gsl_vector *step = gsl_vector_alloc((size_t)pb->npar);
	gsl_vector_set_all(step, 0.5);
	gsl_multimin_fminimizer_set(m, &fn, u, step);
	int it = 0;
	while (it < max_iter) {
		it++;
		if (gsl_multimin_fminimizer_iterate(m) || gone_far(pb, m->x))
			break;
		if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-10) == GSL_SUCCESS)
			break;
	}
	gsl_vector_memcpy(u, m->x);
	gsl_vector_free(step);
	gsl_multimin_fminimizer_free(m);
	return it;
}

/* hessian sets H (npar x npar) to the Hessian of -loglik plus weight times
 * the penalty in the log-parameters U, by central differences of the
 * analytic gradient, made symmetric. Returns 0, or -1 when a diagonal
 * element is not finite. */
static int hessian(const Problem *pb, const double *u, gsl_matrix *h)
{
	int k = pb->npar;
	for (int j = 0; j < k; j++) {
		double gp[4], gm[4], par[4], step = 1e-5;
		for (int s = 0; s < 2; s++) {
			for (int i = 0; i < k; i++)
				par[i] = exp(u[i] + (i == j ? (s ? -step : step) : 0));
			double g[4];
			loglik(pb, par, g);
			/* The penalised objective's curvature: at a penalised
			 * optimum the likelihood's alone need not be definite. */
			for (int i = 0; i < k; i++)
				(s ? gm : gp)[i] = -par[i] * g[i] + 2 * pb->weight * pb->penalty * par[i] * par[i];
		}
		for (int i = 0; i < k; i++)
			gsl_matrix_set(h, (size_t)i, (size_t)j, (gp[i] - gm[i]) / (2 * step));
	}
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++) {
			double m = (gsl_matrix_get(h, (size_t)i, (size_t)j) + gsl_matrix_get(h, (size_t)j, (size_t)i)) / 2;
			gsl_matrix_set(h, (size_t)i, (size_t)j, m);
			gsl_matrix_set(h, (size_t)j, (size_t)i, m);
		}
	for (int i = 0; i < k; i++)
		if (!isfinite(gsl_matrix_get(h, (size_t)i, (size_t)i)))
			return -1;
	return 0;
}

/* hessian_se sets F->se from the Hessian in the log-parameters U; the
 * delta method gives se(par) = par * se(log par). Returns 0, or -1 when
 * the Hessian is not positive definite (no standard errors: the maximum
 * is not a proper one). */
static int hessian_se(const Problem *pb, const double *u, BtydFit *f)
{
	int k = pb->npar;
	gsl_matrix *h = gsl_matrix_alloc((size_t)k, (size_t)k);
	int ok = hessian(pb, u, h) == 0;
	if (ok && gsl_linalg_cholesky_decomp1(h) == GSL_SUCCESS && gsl_linalg_cholesky_invert(h) == GSL_SUCCESS) {
		for (int i = 0; i < k; i++) {
			double var = gsl_matrix_get(h, (size_t)i, (size_t)i);
			f->se[i] = var > 0 ? f->par[i] * sqrt(var) : 0;
		}
	} else {
		ok = 0;
	}
	gsl_matrix_free(h);
	return ok ? 0 : -1;
}

/* limit_of names the model a boundary reduces to. */
static const char *limit_of(const Problem *pb, const BtydFit *f)
{
	const int *bd = f->boundary;
	const double *p = f->par;
	if (pb->gg) {
		if (bd[1] || bd[2])
			return "the same expected spend for every customer (q and v without bound)";
		return "Gamma-Gamma degenerate in p (no spread of spend within a customer)";
	}
	/* BG/NBD, MBG/NBD: b to infinity or a to 0 leaves no dropout; Pareto/NBD:
	 * s to 0 or beta to infinity (s/beta to 0). */
	if (pb->model == BTYD_PARETO && bd[3] && p[3] > 1 && p[2] > 1)
		return "Pareto/NBD with one dropout rate s/beta for every customer (s and beta without bound)";
	if (pb->model != BTYD_PARETO && bd[3] && p[3] > 1 && p[2] > 1)
		return "one dropout probability a/(a+b) for every customer (a and b without bound)";
	if ((bd[2] && p[2] < 1) || (bd[3] && p[3] > 1))
		return "NBD (no dropout identifiable)";
	if (bd[0] && bd[1])
		return "Poisson purchases (r and alpha without bound: one rate for every customer)";
	if (bd[2] || bd[3])
		return pb->model == BTYD_PARETO ? "Pareto/NBD degenerate in the dropout rate (one rate for every customer)"
						: "BG/NBD degenerate in the dropout probability (one value for every customer)";
	return "NBD degenerate in the purchase rate";
}

enum { COARSE_MIN = 50000 };   /* rows from which a fit starts on a coarse table */

/* coarse_start moves U to the maximum of PB's likelihood on a coarse
 * table, to a gradient norm of COARSE_TOL, and sets H to that table's
 * Hessian there, Cholesky-factored, with *HOK when it is positive
 * definite. Transaction rows have t_x and T rounded to a 25th of the
 * longest T, Gamma-Gamma rows m to a step of 2% (0.02 in log m); the rows
 * that become equal are merged. Hundreds of thousands of rows shrink to
 * some thousands, and on the exact table Newton's method with that Hessian
 * needs a few gradients. Returns the iterations taken. */
static int coarse_start(const Problem *pb, gsl_vector *u, int max_iter, gsl_matrix *h, int *hok)
{
	Problem cp = *pb;
	BtydRow *c = NULL;
	GgRow *cg = NULL;
	double *logm = NULL;
	BtydTable tab = { 0 };
	size_t k = 0;
	*hok = 0;
	if (pb->gg) {
		/* Rounding keeps the order of m within an x: no sort. */
		cg = xmalloc(pb->n * sizeof *cg);
		logm = xmalloc(pb->n * sizeof *logm);
		for (size_t i = 0; i < pb->n; i++) {
			GgRow r = pb->grows[i];
			r.m = exp(floor(log(r.m) / 0.02 + 0.5) * 0.02);
			if (k && cg[k - 1].x == r.x && cg[k - 1].m == r.m) {
				cg[k - 1].n += r.n;
			} else {
				logm[k] = log(r.m);
				cg[k++] = r;
			}
		}
		cp.grows = cg;
		cp.logm = logm;
	} else {
		double tmax = 0;
		for (size_t i = 0; i < pb->n; i++)
			tmax = pb->rows[i].T > tmax ? pb->rows[i].T : tmax;
		double g = tmax / 25;
		if (!(g > 0))
			return 0;
		c = xmalloc(pb->n * sizeof *c);
		for (size_t i = 0; i < pb->n; i++) {
			c[i] = pb->rows[i];
			c[i].t_x = floor(c[i].t_x / g + 0.5) * g;
			c[i].T = floor(c[i].T / g + 0.5) * g;
		}
		qsort(c, pb->n, sizeof *c, btyd_row_cmp);
		for (size_t i = 1; i < pb->n; i++)
			if (!btyd_row_cmp(&c[i], &c[k]))
				c[k].n += c[i].n;
			else
				c[++k] = c[i];
		k++;
		btyd_table_init(&tab, c, k);
		cp.rows = c;
		cp.tab = &tab;
	}
	cp.n = k;
	int conv;
	double gn, uu[4];
	int it = bfgs(&cp, u, max_iter, COARSE_TOL, &conv, &gn);
	for (int i = 0; i < pb->npar; i++)
		uu[i] = gsl_vector_get(u, i);
	*hok = !gone_far(&cp, u) && hessian(&cp, uu, h) == 0 && gsl_linalg_cholesky_decomp1(h) == GSL_SUCCESS;
	if (c)
		btyd_table_free(&tab);
	free(c);
	free(cg);
	free(logm);
	return it;
}

/* newton runs Newton's method from U, near the maximum: each step solves
 * with a Hessian H of central differences of the analytic gradient and
 * halves until the objective falls. H is kept from step to step (the chord
 * method: one gradient a step) while the gradient norm falls at least
 * fourfold, and made anew at U where it does not; HSTART, Cholesky-factored,
 * when not NULL, is the first (a coarse table's). Near the maximum the fall
 * of the objective is below the rounding of its sum: there a step is taken
 * when it lowers the gradient norm. It stops when the gradient norm falls
 * below TOL, when no step improves, or after MAX_ITER steps; returns the
 * steps taken and sets *CONVERGED when the gradient norm is below GRAD_TOL.
 * A Hessian that is not positive definite stops it: BFGS goes on from U. */
static int newton(const Problem *pb, gsl_vector *u, int max_iter, double tol, const gsl_matrix *hstart,
		  int *converged, double *gnorm)
{
	int k = pb->npar, it = 0, fresh = 0;
	gsl_matrix *h = gsl_matrix_alloc((size_t)k, (size_t)k);
	gsl_vector *g = gsl_vector_alloc((size_t)k), *d = gsl_vector_alloc((size_t)k);
	gsl_vector *v = gsl_vector_alloc((size_t)k), *gv = gsl_vector_alloc((size_t)k);
	double f, ratio = 0; /* HSTART serves the first step */
	int have = 0;
	if (hstart) {
		gsl_matrix_memcpy(h, hstart);
		have = 1;
	}
	objective_df(u, (void *)pb, &f, g);
	*gnorm = gsl_blas_dnrm2(g);
	while (it < max_iter && isfinite(f) && !(*gnorm < tol)) {
		if (!have || (ratio > 0.25 && !fresh)) {
			double uu[4];
			for (int i = 0; i < k; i++)
				uu[i] = gsl_vector_get(u, i);
			if (hessian(pb, uu, h) || gsl_linalg_cholesky_decomp1(h) != GSL_SUCCESS)
				break;
			have = fresh = 1;
		} else {
			fresh = 0;
		}
		if (gsl_linalg_cholesky_solve(h, g, d) != GSL_SUCCESS)
			break;
		/* H is of the sum, g of the mean: the step is -weight H^-1 g. */
		gsl_vector_scale(d, -pb->weight);
		double slope, t = 1, fn = f, gn = *gnorm;
		gsl_blas_ddot(g, d, &slope);
		if (!(slope < 0))
			break;
		for (; t > 1e-3; t /= 2) {
			gsl_vector_memcpy(v, u);
			gsl_blas_daxpy(t, d, v);
			objective_df(v, (void *)pb, &fn, gv);
			gn = gsl_blas_dnrm2(gv);
			if (fn <= f + 1e-4 * t * slope || (-slope < 1e-11 * fabs(f) && gn < *gnorm))
				break;
		}
		if (!(t > 1e-3) || gone_far(pb, v)) {
			if (fresh)
				break;
			have = 0; /* a stale Hessian: make it anew */
			continue;
		}
		it++;
		ratio = gn / *gnorm;
		gsl_vector_memcpy(u, v);
		gsl_vector_memcpy(g, gv);
		f = fn;
		*gnorm = gn;
	}
	*converged = *gnorm < GRAD_TOL;
	gsl_vector_free(gv);
	gsl_vector_free(v);
	gsl_vector_free(d);
	gsl_vector_free(g);
	gsl_matrix_free(h);
	return it;
}

/* fit runs the minimisation of PB and fills F. */
static void fit(const Problem *pb, int max_iter, double max_param, BtydFit *f)
{
	gsl_set_error_handler_off();
	memset(f, 0, sizeof *f);
	f->npar = pb->npar;
	f->weight = pb->weight;
	f->method = "bfgs2";
	gsl_vector *u = gsl_vector_alloc((size_t)pb->npar);
	gsl_vector_set_all(u, 0);
	double gnorm;
	int polished = 0;
	/* CRM_BTYD_COARSE_MIN lowers the threshold: the tests reach the
	 * coarse start on small tables and compare it with the direct fit. */
	const char *cm = getenv("CRM_BTYD_COARSE_MIN");
	size_t coarse_min = cm && *cm ? (size_t)strtoull(cm, NULL, 10) : COARSE_MIN;
	if (pb->n >= coarse_min) {
		f->method = "bfgs2 (from a coarse table's maximum)";
		gsl_matrix *h = gsl_matrix_alloc((size_t)pb->npar, (size_t)pb->npar);
		int hok;
		f->iterations = coarse_start(pb, u, max_iter, h, &hok);
		if (gone_far(pb, u)) {
			gsl_vector_set_all(u, 0); /* the exact table decides the boundary */
		} else {
			/* On past GRAD_TOL, to where no step improves. */
			f->iterations += newton(pb, u, max_iter - f->iterations, GRAD_TOL * 1e-3, hok ? h : NULL,
						&f->converged, &gnorm);
		}
		gsl_matrix_free(h);
		if (f->converged) {
			f->method = "newton (from a coarse table's maximum)";
			polished = 1;
		}
	}
	if (!f->converged)
		f->iterations += bfgs(pb, u, max_iter, GRAD_TOL, &f->converged, &gnorm);
	if (!f->converged && f->iterations < max_iter && !gone_far(pb, u)) {
		f->method = "nmsimplex2+bfgs2";
		f->iterations += simplex(pb, u, max_iter);
		f->iterations += bfgs(pb, u, max_iter, GRAD_TOL, &f->converged, &gnorm);
	}
	if (f->converged && !polished && !gone_far(pb, u)) {
		/* One Newton step more: BFGS stops anywhere below its
		 * tolerance, which on a flat ridge moves the last digits with
		 * the rounding of the sums; the step lands at the maximum to
		 * the precision of the gradient. */
		int c;
		newton(pb, u, 1, 0, NULL, &c, &gnorm);
	}
	f->grad_norm = gnorm;
	double uu[4];
	for (int i = 0; i < pb->npar; i++) {
		uu[i] = gsl_vector_get(u, i);
		f->par[i] = exp(uu[i]);
		if (f->par[i] > max_param || f->par[i] < 1 / max_param) {
			f->boundary[i] = 1;
			f->any_boundary = 1;
		}
	}
	gsl_vector_free(u);
	f->loglik = loglik(pb, f->par, NULL);
	if (hessian_se(pb, uu, f) < 0 && !f->any_boundary) {
		/* A flat direction: the parameter whose scale moves the most
		 * with the least change is not identified. Flag the largest. */
		int k = 0;
		for (int i = 1; i < pb->npar; i++)
			if (fabs(uu[i]) > fabs(uu[k]))
				k = i;
		f->boundary[k] = 1;
		f->any_boundary = 1;
	}
	if (f->any_boundary) {
		for (int i = 0; i < pb->npar; i++)
			f->se[i] = 0;
		f->limit = limit_of(pb, f);
	}
}

void btyd_fit(BtydModel m, const BtydRow *rows, size_t n, double penalty, int max_iter,
	      double max_param, BtydFit *f)
{
	Problem pb = { .model = m, .rows = rows, .n = n, .npar = 4, .penalty = penalty,
		       .far = log(max_param) + log(10) };
	for (size_t i = 0; i < n; i++)
		pb.weight += rows[i].n;
	BtydTable tab;
	btyd_table_init(&tab, rows, n);
	pb.tab = &tab;
	fit(&pb, max_iter, max_param, f);
	btyd_table_free(&tab);
}

void gg_fit(const GgRow *rows, size_t n, double penalty, int max_iter, double max_param, BtydFit *f)
{
	Problem pb = { .gg = 1, .grows = rows, .n = n, .npar = 3, .penalty = penalty,
		       .far = log(max_param) + log(10) };
	double *logm = xmalloc((n ? n : 1) * sizeof *logm);
	for (size_t i = 0; i < n; i++) {
		pb.weight += rows[i].n;
		logm[i] = log(rows[i].m);
	}
	pb.logm = logm;
	fit(&pb, max_iter, max_param, f);
	free(logm);
}
