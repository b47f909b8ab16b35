/* btyd: the buy-till-you-die models of customer lifetime value, stated once.
 *
 * Transaction processes: BG/NBD (Fader, Hardie & Lee 2005, "Counting your
 * customers the easy way"), MBG/NBD (Batislam, Denizel & Filiztekin 2007)
 * and Pareto/NBD (Schmittlein, Morrison & Colombo 1987, in the form of
 * Fader & Hardie's note 008); spend per purchase: Gamma-Gamma (Fader,
 * Hardie & Lee 2005, note 025). A customer is summarised by x, the repeat
 * purchases, t_x, the time of the last purchase, and T, the time since the
 * first, both from the first purchase and in the time unit of the fit.
 *
 * The functions here are the log-likelihoods (with their gradients), the
 * conditional expectations the scores use, the fit by maximum likelihood
 * on a compressed table of distinct summaries with counts (GSL BFGS on the
 * log-parameters, Nelder-Mead when BFGS stalls) and the reader of the
 * parameters document crm-clv --fit-only writes. Hypergeometric functions
 * are taken in the Pfaff-transformed forms whose series stay bounded, and
 * sums of exponentials in log-sum-exp form, so a customer with hundreds of
 * purchases gives finite values. Link with -lgsl -lgslcblas. */
#ifndef CRM_BTYD_H
#define CRM_BTYD_H

#include <stddef.h>
#include <stdint.h>

typedef enum { BTYD_BGNBD, BTYD_PARETO, BTYD_MBGNBD, BTYD_NMODELS } BtydModel;

/* The models' names as clv.model spells them, and their parameters' names
 * as the documents spell them (indexed by BtydModel; then "p", "q", "v"). */
extern const char *const btyd_model_name[BTYD_NMODELS];
extern const char *const btyd_param_name[BTYD_NMODELS][4];
extern const char *const gg_param_name[3];

/* Fitted or given parameters: what scoring needs. */
typedef struct {
	BtydModel model;
	double par[4];      /* r, alpha, a, b; Pareto/NBD: r, alpha, s, beta */
	double gg[3];       /* Gamma-Gamma p, q, v, when has_gg */
	int has_gg;
	double unit_days;   /* days in one time unit of the fit */
	char rules[17];     /* the rules fingerprint of the fit */
} BtydParams;

/* One row of the compressed table of the transaction process: N customers
 * with the same x, t_x and T (time units). */
typedef struct {
	double x, t_x, T, n;
} BtydRow;

/* One row of the Gamma-Gamma table: N customers with x > 0 repeat
 * purchases of mean value M > 0 (currency units). */
typedef struct {
	double x, m, n;
} GgRow;

/* ---- likelihoods (btyd.c) ---- */

/* btyd_loglik returns one customer's log-likelihood under model M with
 * parameters PAR. */
double btyd_loglik(BtydModel m, const double par[4], double x, double t_x, double T);

/* btyd_loglik_sum returns the weighted sum of the log-likelihoods of the N
 * ROWS, sorted by x, and, when GRAD is not NULL, its gradient with respect
 * to the parameters PAR (analytic for BG/NBD and MBG/NBD, central
 * differences for Pareto/NBD). */
double btyd_loglik_sum(BtydModel m, const double par[4], const BtydRow *rows, size_t n, double grad[4]);

/* gg_loglik_sum returns the weighted sum of the Gamma-Gamma
 * log-likelihoods of the N ROWS and, when GRAD is not NULL, its analytic
 * gradient with respect to p, q, v. */
double gg_loglik_sum(const double par[3], const GgRow *rows, size_t n, double grad[3]);

/* gg_loglik_logm is gg_loglik_sum with log m of each row given in LOGM
 * (NULL: computed), for the many evaluations of a fit. */
double gg_loglik_logm(const double par[3], const GgRow *rows, const double *logm, size_t n,
		      double grad[3]);

/* btyd_row_cmp orders table rows by x, t_x, T (qsort). */
int btyd_row_cmp(const void *a, const void *b);

/* A table of rows prepared for many evaluations of the likelihood: each
 * row's t_x and T as an index into the distinct values (a few thousand
 * where the rows are hundreds of thousands), so that the logarithms of
 * alpha + t are taken once per distinct value. */
typedef struct {
	const BtydRow *rows;   /* not owned */
	size_t n;
	double *tv, *Tv;       /* the distinct t_x and T, ascending */
	size_t ntv, nTv;
	uint32_t *ti, *Ti;     /* per row: its t_x's and T's index */
	double *work;          /* per distinct value: the logs and inverses */
} BtydTable;

/* btyd_table_init prepares the N ROWS (sorted by x; kept by the caller
 * while T is in use) into T; btyd_table_free releases what it allocated. */
void btyd_table_init(BtydTable *t, const BtydRow *rows, size_t n);
void btyd_table_free(BtydTable *t);

/* btyd_table_loglik is btyd_loglik_sum on the prepared table T (the same
 * value up to the rounding of the sum's order). */
double btyd_table_loglik(BtydModel m, const double par[4], const BtydTable *t, double grad[4]);

/* ---- scores (btyd.c); times in the unit of P ---- */

/* btyd_p_alive returns the probability that a customer with summary
 * (x, t_x, T) is still alive at T. */
double btyd_p_alive(const BtydParams *p, double x, double t_x, double T);

/* btyd_expected returns the expected purchases in (T, T + t] of a customer
 * with summary (x, t_x, T). */
double btyd_expected(const BtydParams *p, double t, double x, double t_x, double T);

/* btyd_expected_alive returns the expected purchases in (T, T + t] of a
 * customer with X repeat purchases who is alive at T: what
 * btyd_expected multiplies by P(alive) (for BG/NBD and MBG/NBD exactly that
 * product's factor; t_x enters through P(alive) alone). */
double btyd_expected_alive(const BtydParams *p, double t, double x, double T);

/* btyd_expected_new returns the expected repeat purchases in (0, t] of a
 * customer who made a first purchase at 0. */
double btyd_expected_new(const BtydParams *p, double t);

/* btyd_p_none returns the probability of no purchase in (T, T + t]. */
double btyd_p_none(const BtydParams *p, double t, double x, double t_x, double T);

/* gg_expected_spend returns the expected value of a purchase of a
 * customer with X repeat purchases of mean value M (any M when X = 0:
 * the population mean p v / (q - 1)). */
double gg_expected_spend(const double gg[3], double x, double m);

/* ---- fit (btyd_fit.c) ---- */

/* The result of a fit. */
typedef struct {
	int npar;
	double par[4];
	double se[4];         /* from the Hessian; 0 when not defined */
	int boundary[4];      /* the parameter ran to a limit of the space */
	int any_boundary;
	const char *limit;    /* with any_boundary: the model the limit reduces to */
	double loglik;        /* the weighted sum, without the penalty */
	double weight;        /* the customers (sum of the counts) */
	double grad_norm;     /* of the normalised objective at the end */
	int iterations;
	int converged;
	const char *method;   /* "bfgs2" or "nmsimplex2+bfgs2" */
} BtydFit;

/* btyd_fit fits model M to the N ROWS (sorted by x): it minimises
 * -loglik / weight + PENALTY * sum(par^2) over the log-parameters,
 * starting from 1, at most MAX_ITER iterations. A parameter beyond
 * MAX_PARAM or below 1 / MAX_PARAM, or a Hessian that is not positive
 * definite, marks the fit as on the boundary. */
void btyd_fit(BtydModel m, const BtydRow *rows, size_t n, double penalty, int max_iter,
	      double max_param, BtydFit *f);

/* gg_fit fits Gamma-Gamma to the N ROWS, as btyd_fit does. */
void gg_fit(const GgRow *rows, size_t n, double penalty, int max_iter, double max_param, BtydFit *f);

/* ---- the parameters document (btyd_doc.c) ---- */

/* btyd_params_read reads the parameters document PATH that crm-clv
 * --fit-only writes (members "model", "rules", "time_unit_days", the
 * transaction parameters under "params" and, when fitted, "gamma_gamma")
 * into P. Returns 0, or -1 with a message in ERR (CAP bytes). */
int btyd_params_read(const char *path, BtydParams *p, char *err, size_t cap);

#endif
