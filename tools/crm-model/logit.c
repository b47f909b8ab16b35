/* logit: the logistic-regression baseline, fitted by Newton's method
 * (iteratively reweighted least squares) on standardised features.
 *
 * Each feature j is standardised by its training mean m_j and standard
 * deviation s_j, z_ij = (x_ij - m_j) / s_j, a missing value counting as 0
 * (the mean). With eta_i = b + sum_j w_j z_ij and N training rows, the fit
 * minimises
 *   L(b, w) = sum_i [log(1 + exp(eta_i)) - y_i eta_i] + (lambda N / 2) sum_j w_j^2,
 * lambda = model.logit_lambda, the bias unpenalised: the objective of
 * XGBoost's linear booster, whose L2 penalty is scaled by the rows, and of
 * scikit-learn's LogisticRegression with C = 1 / (lambda N). Each Newton
 * step solves (Z'WZ + lambda N I') delta = -gradient by Cholesky (GSL),
 * W = diag(p_i (1 - p_i)), halving the step until L falls; the fit stops
 * when no coefficient moves by more than 1e-10 or after model.logit_rounds
 * steps. Sums run over the rows in order on one thread: the same rows give
 * the same coefficients. */
#include "model.h"
#include "util.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* LogitFit: the training rows and the standardisation of their features. */
typedef struct {
	const float *x, *y;
	size_t n, d;
	double *mean, *sd;
	double lambda_n;      /* lambda times the rows */
} LogitFit;

/* standardise sets F's mean and sd per feature over its non-missing
 * values (sd 1 where a feature is constant or has fewer than two values). */
static void standardise(LogitFit *F)
{
	size_t d = F->d;
	F->mean = xcalloc(d + 1, sizeof *F->mean);
	F->sd = xcalloc(d + 1, sizeof *F->sd);
	for (size_t j = 0; j < d; j++) {
		double s = 0, ss = 0, c = 0;
		for (size_t i = 0; i < F->n; i++) {
			float v = F->x[i * d + j];
			if (!isnan(v)) {
				s += v;
				c++;
			}
		}
		F->mean[j] = c ? s / c : 0;
		for (size_t i = 0; i < F->n; i++) {
			float v = F->x[i * d + j];
			if (!isnan(v))
				ss += (v - F->mean[j]) * (v - F->mean[j]);
		}
		F->sd[j] = c > 1 && ss > 0 ? sqrt(ss / (c - 1)) : 1;
	}
}

/* row_z sets Z[0] = 1 and Z[1..d] to row I's standardised features, as
 * crm-model eval computes them when it scores. */
static void row_z(const LogitFit *F, size_t i, double *z)
{
	z[0] = 1;
	for (size_t j = 0; j < F->d; j++) {
		float v = F->x[i * F->d + j];
		z[j + 1] = isnan(v) ? 0 : ((double)v - F->mean[j]) / F->sd[j];
	}
}

/* softplus returns log(1 + exp(e)) without overflow. */
static double softplus(double e)
{
	return e > 0 ? e + log1p(exp(-e)) : log1p(exp(e));
}

/* objective returns L at the coefficients B (B[0] the bias). */
static double objective(const LogitFit *F, const double *b, double *z)
{
	size_t k = F->d + 1;
	double l = 0;
	for (size_t i = 0; i < F->n; i++) {
		row_z(F, i, z);
		double e = 0;
		for (size_t j = 0; j < k; j++)
			e += b[j] * z[j];
		l += softplus(e) - F->y[i] * e;
	}
	double pen = 0;
	for (size_t j = 1; j < k; j++)
		pen += b[j] * b[j];
	return l + 0.5 * F->lambda_n * pen;
}

/* newton_system fills G with L's gradient and H (k x k, both triangles)
 * with its Hessian at B. */
static void newton_system(const LogitFit *F, const double *b, double *g, double *h, double *z)
{
	size_t k = F->d + 1;
	memset(g, 0, k * sizeof *g);
	memset(h, 0, k * k * sizeof *h);
	for (size_t i = 0; i < F->n; i++) {
		row_z(F, i, z);
		double e = 0;
		for (size_t j = 0; j < k; j++)
			e += b[j] * z[j];
		double p = 1 / (1 + exp(-e)), w = p * (1 - p), r = p - F->y[i];
		for (size_t a = 0; a < k; a++) {
			double wa = w * z[a];
			g[a] += r * z[a];
			double *ha = h + a * k;
			for (size_t c = a; c < k; c++)
				ha[c] += wa * z[c];
		}
	}
	for (size_t a = 1; a < k; a++) {
		g[a] += F->lambda_n * b[a];
		h[a * k + a] += F->lambda_n;
	}
	for (size_t a = 0; a < k; a++) {
		if (h[a * k + a] == 0)  /* a feature that is 0 on every row: it stays 0 */
			h[a * k + a] = 1;
		for (size_t c = 0; c < a; c++)
			h[a * k + c] = h[c * k + a];
	}
}

/* logit fits the baseline on the N rows of X (D features) with labels Y
 * and returns its attribute text: the bias, then each feature's mean, sd
 * and weight, tab-separated (owned). */
char *logit(const ModelRules *mr, size_t d, const float *x, const float *y, size_t n)
{
	LogitFit F = { x, y, n, d, NULL, NULL, mr->logit_lambda * (double)n };
	standardise(&F);
	size_t k = d + 1;
	double *b = xcalloc(k, sizeof *b), *nb = xcalloc(k, sizeof *nb);
	double *g = xcalloc(k, sizeof *g), *h = xcalloc(k * k, sizeof *h);
	double *z = xcalloc(k, sizeof *z), *step = xcalloc(k, sizeof *step);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	double l = objective(&F, b, z);
	for (int it = 0; it < mr->logit_rounds && n > 0; it++) {
		newton_system(&F, b, g, h, z);
		gsl_matrix_view H = gsl_matrix_view_array(h, k, k);
		gsl_vector_view G = gsl_vector_view_array(g, k), S = gsl_vector_view_array(step, k);
		if (gsl_linalg_cholesky_decomp1(&H.matrix) ||
		    gsl_linalg_cholesky_solve(&H.matrix, &G.vector, &S.vector))
			die("crm-model: the logistic-regression baseline has no unique fit; "
			    "set model.logit_lambda above 0");
		double moved = 0, t = 1, nl = l;
		for (int half = 0; half < 60; half++, t /= 2) {
			for (size_t j = 0; j < k; j++)
				nb[j] = b[j] - t * step[j];
			nl = objective(&F, nb, z);
			if (nl <= l)
				break;
		}
		if (!(nl <= l))
			break;  /* no step lowers L: B is its minimum to rounding */
		for (size_t j = 0; j < k; j++) {
			moved = fmax(moved, fabs(nb[j] - b[j]));
			b[j] = nb[j];
		}
		l = nl;
		if (moved <= 1e-10)
			break;
	}
	gsl_set_error_handler(old);
	size_t cap = 32 * (3 * d + 1), len = 0;
	char *s = xmalloc(cap);
	len += (size_t)snprintf(s + len, cap - len, "%.17g", b[0]);
	for (size_t j = 0; j < d; j++)
		len += (size_t)snprintf(s + len, cap - len, "\t%.17g\t%.17g\t%.17g", F.mean[j], F.sd[j],
					b[j + 1]);
	free(b);
	free(nb);
	free(g);
	free(h);
	free(z);
	free(step);
	free(F.mean);
	free(F.sd);
	return s;
}
