/* crm-model internals.
 *
 * Data flow: data.c reads feature rows (crm-features' layout) into a float
 * matrix with their labels and snapshot days; booster.c wraps the XGBoost
 * C API (errors, parameters, saving and loading the model with its
 * attributes); train.c splits by time, boosts with early stopping, fits the
 * logistic-regression baseline and writes the model and its card; predict.c
 * streams rows through the model in batches; metrics.c holds the measures
 * (ROC AUC, average precision, Brier, calibration, lift, profit, rank
 * correlation); eval.c writes the evaluation document. */
#ifndef CRM_MODEL_H
#define CRM_MODEL_H

#include "out.h"
#include "rules.h"
#include "tsv.h"

#include <stddef.h>
#include <stdint.h>
#include <xgboost/c_api.h>

/* BATCH: rows handed to XGBoost at once by predict and eval. */
enum { BATCH = 65536 };

/* What a model predicts: the churn label or the revenue label. */
typedef enum { TARGET_CHURN, TARGET_REVENUE } Target;

/* ModelRules: the model.* keys as C values (mrules.c). */
typedef struct {
	int max_depth, rounds, early_stop, nthread, max_bin, valid_months;
	int explain_top, logit_rounds;
	double eta, min_child_weight, subsample, colsample, scale_pos_weight;
	double tweedie_power, logit_lambda;
	int imbalance;            /* IMB_* */
	int revenue_tweedie;      /* 1: reg:tweedie, 0: reg:squarederror */
	uint64_t seed;
	int decimals;             /* money.decimals */
	int64_t contact_cost, saved_value;  /* minor units */
	char rules_id[17];        /* the fingerprint of the rules in effect */
} ModelRules;
enum { IMB_NONE, IMB_BALANCED, IMB_WEIGHT };

/* Data: feature rows held in memory (train, eval). */
typedef struct {
	const char *name;   /* the input, for messages */
	size_t n, d, cap;
	float *x;           /* n x d features, NAN where empty */
	float *churn;       /* label_churn: 0, 1, or NAN (unlabelled) */
	double *revenue;    /* label_revenue in currency units, or NAN */
	int32_t *as_of;     /* days */
	char **feat;        /* d feature names, owned */
	int *fcol;          /* the input column of each feature */
	double *extra;      /* data_read's column EXTRA, NAN where empty, or NULL */
} Data;

/* ---- mrules.c ---- */

/* model_rules_load reads the model.* keys of R into M, checking the ranges
 * a key's type cannot state (eta, shares, tweedie power); dies naming the
 * key's file and line. */
void model_rules_load(ModelRules *m, const Rules *r);

/* ---- data.c ---- */

/* is_meta tells whether input column NAME is not a feature: the row's key,
 * labels, rules_id, the rule text churn_reason or a column crm-model
 * writes. */
int is_meta(const char *name);

/* feature_columns sets *FEAT (owned, NULL-terminated) and *FCOL (owned)
 * to the feature columns of T in input order; returns their count. */
size_t feature_columns(const Tsv *t, char ***feat, int **fcol);

/* parse_features reads the D features of T's current row, input columns
 * FCOL, into DST (NAN for an empty field); dies naming file:line, field
 * and value when one is not a finite number. */
void parse_features(const Tsv *t, const int *fcol, size_t d, float *dst);

/* data_read reads every row of PATH ("-": stdin) into D, in the order of
 * brand, customer_id and as_of; each row's rules_id must be RID. EXTRA,
 * when not NULL, names one more numeric column to keep (D->extra), a
 * feature or not. Dies naming file:line on a bad field. */
void data_read(Data *D, const char *path, const char *rid, int decimals, int progress,
	       const char *extra);

/* data_free frees what D owns. */
void data_free(Data *D);

/* data_match checks that D's feature columns are the model's, NAMES[0..N)
 * (in any order), and sets MAP[i] to the D column of the model's feature
 * i; dies naming the first feature missing on either side. */
void data_match(const Data *D, char **names, size_t n, size_t *map);

/* ---- booster.c ---- */

/* xg checks an XGBoost call's status RC: on failure dies with WHAT and
 * XGBoost's message. */
void xg(int rc, const char *what);

/* booster_set sets parameter KEY of B to the printf-formatted value. */
void booster_set(BoosterHandle b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* booster_attr returns attribute KEY of B (owned by XGBoost, valid until
 * the next call on B), or NULL when it is not set. */
const char *booster_attr(BoosterHandle b, const char *key);

/* dmatrix makes a DMatrix of the N x D rows X (NAN missing) with LABEL
 * (NULL: none), using NTHREAD threads; the caller frees it. */
DMatrixHandle dmatrix(const float *x, size_t n, size_t d, const float *label, int nthread);

/* predict_batch returns B's predictions for the N rows of M: TYPE 0
 * values, 1 margins, 2 contributions (N x (D + 1), the bias last). The
 * array belongs to B until its next prediction. */
const float *predict_batch(BoosterHandle b, DMatrixHandle m, int type);

/* predict_dense predicts the N x D rows X (NAN missing) in place, without
 * a DMatrix: TYPE 0 values, 1 margins. The array belongs to B until its
 * next prediction. */
const float *predict_dense(BoosterHandle b, const float *x, size_t n, size_t d, int type);

/* Model: a loaded model and what its attributes say. */
typedef struct {
	BoosterHandle b;
	Target target;
	char **feat;            /* NULL-terminated, owned */
	size_t d;
	char rules[17];         /* the rules it was trained with */
	int32_t train_to;       /* the last training snapshot (days) */
	double threshold;       /* the decision threshold of churn, or NAN */
	char *card;             /* the card's JSON text, owned */
	/* The logistic-regression baseline: p = 1/(1+exp(-(bias + sum w z))),
	 * z = (x - mean) / sd, 0 when x is missing. NULL for revenue. */
	double *lr_mean, *lr_sd, *lr_w, lr_bias;
} Model;

/* model_load reads the model file PATH (JSON) into M, with NTHREAD
 * threads; dies when it is not a crm-model model. */
void model_load(Model *m, const char *path, int nthread);
void model_free(Model *m);

/* ---- train.c ---- */

/* TrainOpts: what the command line adds to the rules. */
typedef struct {
	Target target;
	const char *input, *output, *card;
	int stats, progress;
} TrainOpts;

/* train reads the rows of O->input, trains by MR and writes the model to
 * O->output and its card to O->card (when not NULL). */
void train(const TrainOpts *o, const ModelRules *mr);
/* logit fits the logistic-regression baseline on the N rows of X (D
 * features, row-major) with labels Y by Newton's method and returns its
 * attribute text: the bias, then each feature's mean, sd and weight,
 * tab-separated (owned). */
char *logit(const ModelRules *mr, size_t d, const float *x, const float *y, size_t n);

/* ---- predict.c ---- */

/* predict streams INPUT's rows through the model at MODEL_PATH to OUTPUT,
 * appending p_churn (or pred_revenue), and with EXPLAIN margin, bias and
 * the top contributions. */
void predict(const char *model_path, const char *input, const char *output, int explain,
	     const ModelRules *mr, int stats, int progress);

/* ---- metrics.c ---- */

/* Scored: N rows' scores S (higher: more likely churn) and labels Y. */
typedef struct {
	size_t n;
	const double *s, *y;
	size_t *ord;       /* indices by score, highest first (metrics_sort) */
} Scored;

/* metrics_sort sets SC->ord (owned; free it) to the rows by descending
 * score; rows of equal score keep no particular order, and every measure
 * below treats a group of equal scores as one. */
void metrics_sort(Scored *sc);

/* roc_auc returns the area under the ROC curve (ties count one half, as
 * the Mann-Whitney statistic), NAN without both classes. */
double roc_auc(const Scored *sc);
/* average_precision returns sum over score thresholds of (R_k - R_k-1) P_k
 * (scikit-learn's average_precision_score), NAN without positives. */
double average_precision(const Scored *sc);
/* brier returns the mean of (s - y)^2. */
double brier(const Scored *sc);
/* top_gain returns the positives among the top Q share of rows by score
 * divided by all positives; a tie group across the cut counts with the
 * share of it inside. */
double top_gain(const Scored *sc, double q);

/* Calib: one decile of the calibration table. */
typedef struct {
	size_t rows;
	double mean_s, rate;
} Calib;
/* calibration fills C[0..10) by ascending score, rows of equal score in
 * the decile of the first of them. */
void calibration(const Scored *sc, Calib c[10]);

/* Profit: the best contact list by score. */
typedef struct {
	double threshold;   /* contact when score >= threshold; NAN: nobody */
	size_t contacts;
	double reached;     /* positives contacted */
	int64_t profit;     /* minor units */
} Profit;
/* best_profit returns the cut of largest saved_value * positives -
 * contact_cost * contacts (minor units, checked for overflow), cutting
 * only between scores that differ; ties favour fewer contacts. */
Profit best_profit(const Scored *sc, int64_t contact_cost, int64_t saved_value);
/* profit_at returns the profit of contacting rows of score >= T. */
Profit profit_at(const Scored *sc, double t, int64_t contact_cost, int64_t saved_value);

/* spearman returns the rank correlation of A and B (N values; average
 * ranks for ties), NAN when either is constant. */
double spearman(const double *a, const double *b, size_t n);

/* ---- eval.c ---- */

typedef struct {
	const char *model, *input, *output, *score, *clv;
	Target target;     /* without a model */
	const Rules *rules; /* the rules in effect, whose model.* keys the document lists */
	int all, table, stats, progress;
} EvalOpts;

/* eval writes the evaluation document of O's input. */
void eval(const EvalOpts *o, const ModelRules *mr);

/* ---- json output (eval.c) ---- */

/* json_num writes V with DEC decimals, or null when V is not finite. */
void json_num(Out *o, double v, int dec);

/* date_str writes DAYS as YYYY-MM-DD into BUF (11 bytes) and returns it. */
const char *date_str(char *buf, int32_t days);

#endif
