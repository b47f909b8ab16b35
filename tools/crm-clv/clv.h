/* crm-clv internals.
 *
 * Data flow: read.c folds crm-agg's monthly rows, customer by customer,
 * into one summary each (purchase days, first and last purchase day, sums
 * of the calibration and the holdout periods) and the monthly tracking
 * counts; or reads compressed tables (--from-counts). fit.c makes the
 * compressed tables of distinct summaries, fits the models (common/btyd)
 * and writes the parameters document and the tables. score.c scores each
 * customer and writes the rows; doc.c writes the value document (--json),
 * with labels.c attaching tiers and segments from other stages. */
#ifndef CRM_CLV_H
#define CRM_CLV_H

#include "brandrules.h"
#include "btyd.h"
#include "out.h"
#include "progress.h"
#include "tsv.h"

#include <stddef.h>
#include <stdint.h>

enum { UNIT_DAY, UNIT_WEEK, UNIT_MONTH };
enum { PROB_D = 6, TIME_D = 4, NPRED_D = 4 }; /* decimals written */
enum { NO_LABEL = 0xffff };

/* clv.*: global keys, read once. Rates and the penalty in millionths as
 * written, and as doubles for the model. */
typedef struct {
	BtydModel model;
	int unit;
	double unit_days;           /* 1, 7 or 365.2425 / 12 */
	int horizon_months;
	double discount;            /* per month */
	double penalty;
	int max_iter;
	double max_param;
	double max_corr;            /* clv.max_spend_correlation */
	const char *t_discount, *t_penalty, *t_max_corr; /* as written */
} ClvRules;

/* One customer's summary. Days are days since 1970-01-01. */
typedef struct {
	uint32_t key_off, key_n;    /* brand NUL customer_id, or customer_id */
	int32_t first, last;        /* purchase days of the calibration period */
	uint32_t n;                 /* purchase days of the calibration period */
	uint32_t first_k;           /* purchase days of the first month */
	int64_t total;              /* consumable amount of the calibration period */
	int64_t first_amt;          /* of the first month */
	uint32_t hold_n;            /* purchase days after the calibration end */
	int64_t hold_amt;
	uint16_t tier, seg;         /* labels.c; NO_LABEL */
	uint8_t warmup;             /* first purchase in the data's warm-up months */
	/* Filled by scoring. */
	double p_alive, exp_n, p_none, spend, clv, m, exp_hold;
} Cust;

/* Names of labels (tiers or segments) as met. */
typedef struct {
	char **name;
	size_t n;
} Labels;

typedef struct {
	RulesCache rc;
	Rules *rules;
	int decimals;
	const char *currency;
	char rid[17];
	ClvRules cr;
	int explain;
	Progress pg;
	/* Input. */
	int has_brand;
	int32_t as_of;              /* period_end */
	int32_t start_day;          /* period_start; INT32_MIN: unknown */
	int32_t cal_end;            /* --calibration-end; INT32_MIN: none */
	int32_t warmup_months;      /* window.activity_months */
	Cust *cust;
	size_t ncust, custcap;
	char *keys;
	size_t keys_n, keys_cap;
	uint64_t rows, no_purchase, holdout_only;
	/* Tracking: repeat purchases per month from the data's first month,
	 * and first purchases per day from the first purchase day. */
	int32_t month0, nmonths;
	double *track_actual;
	int32_t day0, ndays;
	uint32_t *first_days;
	/* The fit. */
	BtydRow *tx;
	size_t ntx;
	GgRow *gg;
	size_t ngg;
	double gg_customers, gg_corr, gg_left_out;
	BtydFit fit, ggfit;
	int have_ggfit;
	BtydParams par;
	int params_given;
	Labels tiers, segs;
} Ctx;

/* ---- read.c ---- */

/* clv_rules_load reads the clv.* keys of R into CR. */
void clv_rules_load(ClvRules *cr, const Rules *r);

/* read_agg reads crm-agg's monthly rows from PATH into X's customers. */
void read_agg(Ctx *X, const char *path);

/* read_counts adds the compressed tables of PATH (crm-clv --counts) to
 * X->tx and X->gg; rows of a different rules fingerprint are an error. */
void read_counts(Ctx *X, const char *path);

/* key_of returns customer C's key, C->key_n bytes. */
const char *key_of(const Ctx *X, const Cust *c);

/* ---- fit.c ---- */

/* make_tables builds X->tx and X->gg from the customers (days, merged and
 * sorted); sort_tables merges and sorts tables read from counts. */
void make_tables(Ctx *X);
void sort_tables(Ctx *X);

/* fit_models fits the transaction model and Gamma-Gamma to the tables,
 * warns on a boundary and sets X->par. */
void fit_models(Ctx *X);

/* repeat_mean returns the mean value of the repeat purchases of customer
 * U with X > 0 repeat purchase days, in currency units: the first purchase
 * day's amount is not in the monthly rows when the first month has several
 * purchase days, so it is taken as that month's mean (exact when it has
 * one). */
double repeat_mean(const Ctx *X, const Cust *u, double x);

/* write_counts writes the compressed tables; write_params the parameters
 * document (--fit-only); write_loglik the log-likelihood and gradient at
 * X->par (--loglik). */
void write_counts(const Ctx *X, Out *o);
void write_params(const Ctx *X, Out *o);
void write_params_object(const Ctx *X, Out *o); /* without the newline */
void write_loglik(const Ctx *X, Out *o);

/* json_num writes V with the printf format FMT, or null when not finite. */
void json_num(Out *o, const char *fmt, double v);

/* ---- score.c ---- */

/* summary_of returns customer C's x, t_x and T in the unit of the fit. */
void summary_of(const Ctx *X, const Cust *c, double *x, double *t_x, double *T);

/* score_all scores every customer with X->par. */
void score_all(Ctx *X);

/* write_rows writes the per-customer rows. */
void write_rows(const Ctx *X, Out *o);

/* to_minor returns V currency units in minor units, rounded half away
 * from zero; dies naming WHAT on a value beyond int64. */
int64_t to_minor(const Ctx *X, double v, const char *what);

/* ---- labels.c ---- */

/* read_labels reads COLUMN of PATH (crm-tier or crm-rfm output, sorted by
 * (brand,) customer_id) and sets each customer's label (its last row's)
 * into X's tier (SEG 0) or seg (SEG 1). */
void read_labels(Ctx *X, const char *path, const char *column, int seg);

/* ---- doc.c ---- */

/* write_doc writes the value document (--json). */
void write_doc(const Ctx *X, Out *o);

#endif
