/* eval: the evaluation document. The model and the baselines are scored
 * on the same rows: the labelled rows after the model's training window
 * (the validation snapshots and any later labelled ones), or every
 * labelled row with --all or without a model. */
#include "date.h"
#include "json.h"
#include "model.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_num(Out *o, double v, int dec)
{
	if (!isfinite(v)) {
		out_str(o, "null");
		return;
	}
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%.*f", dec, v);
	/* -0.000000 is 0. */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == (size_t)n - 1)
		out_write(o, buf + 1, (size_t)n - 1);
	else
		out_write(o, buf, (size_t)n);
}

const char *date_str(char *buf, int32_t days)
{
	date_fmt(buf, days);
	buf[10] = 0;
	return buf;
}

/* model_key writes a model.* rule of the rules in effect as a member of
 * the document's "rules" (the shape of crm-json's); *CTX is the Out and
 * whether it is the first. */
static void model_key(void *ctx, const char *key, const RuleEntry *e, const RuleDef *d)
{
	void **c = ctx;
	Out *o = c[0];
	int *first = c[1];
	if (strncmp(key, "model.", 6) != 0)
		return;
	out_str(o, *first ? "{" : ",{");
	*first = 0;
	json_key(o, "key", 1);
	json_cstr(o, key);
	json_key(o, "value", 0);
	json_cstr(o, e ? e->value : "none");
	json_key(o, "source", 0);
	if (e) {
		char src[600];
		snprintf(src, sizeof src, "%s:%d", e->file, e->line);
		json_cstr(o, src);
	} else {
		out_str(o, "null");
	}
	json_key(o, "unit", 0);
	json_cstr(o, d->unit);
	json_key(o, "meaning", 0);
	json_cstr(o, d->doc);
	out_char(o, '}');
}

/* Scorer: one column of scores over the evaluated rows. */
typedef struct {
	const char *name, *kind;
	int probability;    /* the scores estimate P(churn): Brier and calibration apply */
	double *s;          /* owned */
} Scorer;

/* feature returns the index of feature NAME of D, or -1. */
static int feature(const Data *D, const char *name)
{
	for (size_t j = 0; j < D->d; j++)
		if (strcmp(D->feat[j], name) == 0)
			return (int)j;
	return -1;
}

/* column scores the rows ROW[0..N) by feature J of D: the value, FLIP: 1
 * minus it; a missing value scores 0. */
static double *column(const Data *D, int j, const size_t *row, size_t n, int flip)
{
	double *s = xmalloc((n + 1) * sizeof *s);
	for (size_t k = 0; k < n; k++) {
		float v = D->x[row[k] * D->d + (size_t)j];
		s[k] = isnan(v) ? 0 : flip ? 1 - (double)v : (double)v;
	}
	return s;
}

/* model_scores predicts the rows ROW[0..N) of D with M (MAP: the D column
 * of each model feature), BATCH rows at a time. */
static double *model_scores(const Model *m, const Data *D, const size_t *map, const size_t *row,
			    size_t n)
{
	double *s = xmalloc((n + 1) * sizeof *s);
	float *x = xmalloc((size_t)BATCH * (m->d ? m->d : 1) * sizeof *x);
	for (size_t k0 = 0; k0 < n; k0 += BATCH) {
		size_t nb = n - k0 < BATCH ? n - k0 : BATCH;
		for (size_t k = 0; k < nb; k++)
			for (size_t i = 0; i < m->d; i++)
				x[k * m->d + i] = D->x[row[k0 + k] * D->d + map[i]];
		const float *p = predict_dense(m->b, x, nb, m->d, 0);
		for (size_t k = 0; k < nb; k++)
			s[k0 + k] = p[k];
	}
	free(x);
	return s;
}

/* logit_scores applies the logistic-regression baseline kept in M. */
static double *logit_scores(const Model *m, const Data *D, const size_t *map, const size_t *row,
			    size_t n)
{
	double *s = xmalloc((n + 1) * sizeof *s);
	for (size_t k = 0; k < n; k++) {
		double z = m->lr_bias;
		for (size_t i = 0; i < m->d; i++) {
			float v = D->x[row[k] * D->d + map[i]];
			if (!isnan(v))
				z += m->lr_w[i] * ((double)v - m->lr_mean[i]) / m->lr_sd[i];
		}
		s[k] = 1 / (1 + exp(-z));
	}
	return s;
}

/* profit_json writes P as an object. */
static void profit_json(Out *o, const Profit *p, int dec)
{
	out_str(o, "{\"threshold\":");
	json_num(o, p->threshold, 6);
	out_str(o, ",\"contacts\":");
	out_u64(o, p->contacts);
	out_str(o, ",\"churners_reached\":");
	out_u64(o, (uint64_t)p->reached);
	out_str(o, ",\"profit\":");
	json_fixed(o, p->profit, dec);
	out_char(o, '}');
}

/* churn_scorer writes the measures of scorer S over Y[0..N). */
static void churn_scorer(Out *o, const Scorer *S, const double *y, size_t n, const ModelRules *mr,
			 double model_threshold)
{
	Scored sc = { n, S->s, y, NULL };
	metrics_sort(&sc);
	out_str(o, "{\"name\":");
	json_cstr(o, S->name);
	out_str(o, ",\"kind\":");
	json_cstr(o, S->kind);
	out_str(o, ",\"probability\":");
	out_str(o, S->probability ? "true" : "false");
	out_str(o, ",\"auc\":");
	json_num(o, roc_auc(&sc), 6);
	out_str(o, ",\"pr_auc\":");
	json_num(o, average_precision(&sc), 6);
	out_str(o, ",\"brier\":");
	json_num(o, S->probability ? brier(&sc) : NAN, 6);
	static const double tops[3] = { 0.05, 0.10, 0.20 };
	out_str(o, ",\"lift\":[");
	for (int k = 0; k < 3; k++) {
		double g = top_gain(&sc, tops[k]);
		out_str(o, k ? ",{\"top\":" : "{\"top\":");
		json_num(o, tops[k], 2);
		out_str(o, ",\"gains\":");
		json_num(o, g, 6);
		out_str(o, ",\"lift\":");
		json_num(o, g / tops[k], 6);
		out_char(o, '}');
	}
	out_str(o, "],\"gains_curve\":[");
	for (int k = 1; k <= 20; k++) {
		out_str(o, k > 1 ? ",{\"top\":" : "{\"top\":");
		json_num(o, k / 20.0, 2);
		out_str(o, ",\"gains\":");
		json_num(o, top_gain(&sc, k / 20.0), 6);
		out_char(o, '}');
	}
	out_str(o, "],\"calibration\":");
	if (S->probability) {
		Calib c[10];
		calibration(&sc, c);
		out_char(o, '[');
		for (int b = 0; b < 10; b++) {
			out_str(o, b ? ",{\"decile\":" : "{\"decile\":");
			out_i64(o, b + 1);
			out_str(o, ",\"rows\":");
			out_u64(o, c[b].rows);
			out_str(o, ",\"mean_p\":");
			json_num(o, c[b].mean_s, 6);
			out_str(o, ",\"rate\":");
			json_num(o, c[b].rate, 6);
			out_char(o, '}');
		}
		out_char(o, ']');
	} else {
		out_str(o, "null");
	}
	Profit p = best_profit(&sc, mr->contact_cost, mr->saved_value);
	out_str(o, ",\"best_profit\":");
	profit_json(o, &p, mr->decimals);
	if (strcmp(S->name, "model") == 0) {
		p = profit_at(&sc, model_threshold, mr->contact_cost, mr->saved_value);
		out_str(o, ",\"profit_at_threshold\":");
		profit_json(o, &p, mr->decimals);
	}
	out_char(o, '}');
	free(sc.ord);
}

/* revenue_scorer writes MAE, RMSE and Spearman's rho of S against Y. */
static void revenue_scorer(Out *o, const Scorer *S, const double *y, size_t n)
{
	double ae = 0, se = 0;
	for (size_t i = 0; i < n; i++) {
		ae += fabs(S->s[i] - y[i]);
		se += (S->s[i] - y[i]) * (S->s[i] - y[i]);
	}
	out_str(o, "{\"name\":");
	json_cstr(o, S->name);
	out_str(o, ",\"kind\":");
	json_cstr(o, S->kind);
	out_str(o, ",\"mae\":");
	json_num(o, n ? ae / (double)n : NAN, 6);
	out_str(o, ",\"rmse\":");
	json_num(o, n ? sqrt(se / (double)n) : NAN, 6);
	out_str(o, ",\"spearman\":");
	json_num(o, spearman(S->s, y, n), 6);
	out_char(o, '}');
}

/* tsv_num writes V with DEC decimals, or "-" when it is not finite. */
static void tsv_num(Out *o, double v, int dec)
{
	if (isfinite(v))
		json_num(o, v, dec);
	else
		out_char(o, '-');
}

/* table_row writes scorer S's line of the --table summary. */
static void table_row(Out *o, const Scorer *S, const double *y, size_t n, Target target,
		      const ModelRules *mr)
{
	out_str(o, S->name);
	if (target == TARGET_REVENUE) {
		double ae = 0, se = 0;
		for (size_t i = 0; i < n; i++) {
			ae += fabs(S->s[i] - y[i]);
			se += (S->s[i] - y[i]) * (S->s[i] - y[i]);
		}
		out_char(o, '\t');
		tsv_num(o, ae / (double)n, 4);
		out_char(o, '\t');
		tsv_num(o, sqrt(se / (double)n), 4);
		out_char(o, '\t');
		tsv_num(o, spearman(S->s, y, n), 4);
		out_char(o, '\n');
		return;
	}
	Scored sc = { n, S->s, y, NULL };
	metrics_sort(&sc);
	out_char(o, '\t');
	tsv_num(o, roc_auc(&sc), 4);
	out_char(o, '\t');
	tsv_num(o, average_precision(&sc), 4);
	out_char(o, '\t');
	tsv_num(o, S->probability ? brier(&sc) : NAN, 4);
	static const double tops[3] = { 0.05, 0.10, 0.20 };
	for (int k = 0; k < 3; k++) {
		out_char(o, '\t');
		tsv_num(o, top_gain(&sc, tops[k]) / tops[k], 2);
	}
	Profit p = best_profit(&sc, mr->contact_cost, mr->saved_value);
	out_char(o, '\t');
	tsv_num(o, p.threshold, 4);
	out_char(o, '\t');
	out_u64(o, p.contacts);
	out_char(o, '\t');
	char *b = out_reserve(o, 32);
	o->len += fixed_fmt(b, p.profit, mr->decimals);
	out_char(o, '\n');
	free(sc.ord);
}

void eval(const EvalOpts *eo, const ModelRules *mr)
{
	Model m;
	int have_model = eo->model != NULL;
	Target target = eo->target;
	if (have_model) {
		model_load(&m, eo->model, mr->nthread);
		if (strcmp(m.rules, mr->rules_id) != 0)
			die("%s: the model was trained with rules %s but crm-model has rules %s "
			    "(give every stage the same --rules or $CRM_RULES)", eo->model, m.rules,
			    mr->rules_id);
		target = m.target;
	}
	Data D;
	data_read(&D, eo->input, mr->rules_id, mr->decimals, eo->progress, eo->score);
	size_t *map = NULL;
	if (have_model) {
		map = xmalloc((m.d + 1) * sizeof *map);
		data_match(&D, m.feat, m.d, map);
	}
	/* The rows evaluated. */
	size_t *row = xmalloc((D.n + 1) * sizeof *row), n = 0;
	double *y = xmalloc((D.n + 1) * sizeof *y), pos = 0;
	int32_t from = INT32_MAX, to = INT32_MIN;
	int holdout = have_model && !eo->all;
	for (size_t i = 0; i < D.n; i++) {
		double v = target == TARGET_CHURN ? (double)D.churn[i] : D.revenue[i];
		if (isnan(v) || (holdout && D.as_of[i] <= m.train_to))
			continue;
		row[n] = i;
		y[n++] = v;
		pos += target == TARGET_CHURN ? v : v > 0;
		if (D.as_of[i] < from)
			from = D.as_of[i];
		if (D.as_of[i] > to)
			to = D.as_of[i];
	}
	if (n == 0)
		die("%s: no labelled rows%s to evaluate", D.name,
		    holdout ? " after the model's training window (--all evaluates every labelled row)" : "");

	Scorer S[8];
	int ns = 0;
	if (have_model) {
		S[ns++] = (Scorer){ "model", "xgboost", 1, model_scores(&m, &D, map, row, n) };
		if (m.lr_w)
			S[ns++] = (Scorer){ "logit", "logistic regression", 1, logit_scores(&m, &D, map, row, n) };
	}
	int j;
	if (target == TARGET_CHURN) {
		if ((j = feature(&D, "churn_risk")) >= 0)
			S[ns++] = (Scorer){ "churn_risk", "rule flag", 1, column(&D, j, row, n, 0) };
		if ((j = feature(&D, "recency_days")) >= 0)
			S[ns++] = (Scorer){ "recency_days", "recency alone", 0, column(&D, j, row, n, 0) };
		if ((j = feature(&D, "p_alive")) >= 0)
			S[ns++] = (Scorer){ "p_alive", "1 - P(alive)", 1, column(&D, j, row, n, 1) };
	} else if (eo->clv && (j = feature(&D, eo->clv)) >= 0) {
		S[ns++] = (Scorer){ eo->clv, "BG/NBD + Gamma-Gamma", 0, column(&D, j, row, n, 0) };
	}
	if (eo->score) {
		double *s = xmalloc((n + 1) * sizeof *s);
		for (size_t k = 0; k < n; k++)
			s[k] = isnan(D.extra[row[k]]) ? 0 : D.extra[row[k]];
		int prob = 1;
		for (size_t k = 0; k < n; k++)
			prob &= s[k] >= 0 && s[k] <= 1;
		S[ns++] = (Scorer){ eo->score, "column", prob, s };
	}

	Out o;
	out_create(&o, eo->output);
	if (eo->table) {
		out_str(&o, target == TARGET_CHURN
			? "scorer\tauc\tpr_auc\tbrier\tlift_5\tlift_10\tlift_20\tthreshold\tcontacts\tprofit\n"
			: "scorer\tmae\trmse\tspearman\n");
		for (int k = 0; k < ns; k++) {
			table_row(&o, &S[k], y, n, target, mr);
			free(S[k].s);
		}
		ns = 0;
	}
	if (!eo->table) {
		char b1[11], b2[11];
		out_str(&o, "{\"schema\":\"crm-model-eval/1\",\"generator\":\"crm-model " CRM_VERSION "\"");
		json_key(&o, "rules", 0);
		out_str(&o, "{\"id\":");
		json_cstr(&o, mr->rules_id);
		out_str(&o, ",\"keys\":[");
		int first = 1;
		void *ctx[2] = { &o, &first };
		rules_each(eo->rules, NULL, model_key, ctx);
		out_str(&o, "]}");
		json_key(&o, "target", 0);
		json_cstr(&o, target == TARGET_CHURN ? "churn" : "revenue");
		out_str(&o, ",\"rows\":{\"input\":");
		out_u64(&o, D.n);
		out_str(&o, ",\"evaluated\":");
		out_u64(&o, n);
		out_str(&o, ",\"positives\":");
		out_u64(&o, (uint64_t)pos);
		out_str(&o, ",\"base_rate\":");
		json_num(&o, pos / (double)n, 6);
		out_str(&o, ",\"from\":\"");
		out_str(&o, date_str(b1, from));
		out_str(&o, "\",\"to\":\"");
		out_str(&o, date_str(b2, to));
		out_str(&o, "\",\"holdout\":");
		out_str(&o, holdout ? "true" : "false");
		out_char(&o, '}');
		if (target == TARGET_CHURN) {
			out_str(&o, ",\"economics\":{\"contact_cost\":");
			json_fixed(&o, mr->contact_cost, mr->decimals);
			out_str(&o, ",\"saved_value\":");
			json_fixed(&o, mr->saved_value, mr->decimals);
			out_str(&o, ",\"break_even_p\":");
			json_num(&o, mr->saved_value > 0 ? (double)mr->contact_cost / (double)mr->saved_value : NAN, 6);
			out_char(&o, '}');
		}
		out_str(&o, ",\"card\":");
		out_str(&o, have_model ? m.card : "null");
		out_str(&o, ",\"scorers\":[");
		for (int k = 0; k < ns; k++) {
			if (k)
				out_char(&o, ',');
			if (target == TARGET_CHURN)
				churn_scorer(&o, &S[k], y, n, mr, have_model ? m.threshold : NAN);
			else
				revenue_scorer(&o, &S[k], y, n);
			free(S[k].s);
		}
		out_str(&o, "]}\n");
	}
	out_close(&o);
	if (eo->stats)
		fprintf(stderr, "crm-model: %zu rows, %zu evaluated, %d scorers\n", D.n, n, ns);
	free(row);
	free(y);
	free(map);
	data_free(&D);
	if (have_model)
		model_free(&m);
}
