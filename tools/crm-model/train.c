/* train: the time split, boosting with early stopping, the logistic-
 * regression baseline, and the model file with its card.
 *
 * Objective (binary:logistic): minimise the log loss
 *   -sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)],  p_i = 1/(1 + exp(-f(x_i))),
 * with f a sum of trees (Chen & Guestrin 2016, XGBoost). The revenue model
 * minimises reg:tweedie's deviance (log link) or the squared error. */
#include "date.h"
#include "json.h"
#include "model.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Split: the rows of one side of the time split, copied out of the Data. */
typedef struct {
	size_t n;
	float *x, *y;
	int32_t from, to;
	size_t snapshots;
	double positives;   /* churn: label sum; revenue: rows with revenue > 0 */
} Split;

/* Fit: what training found, for the card. */
typedef struct {
	int rounds_run, best;        /* rounds boosted; the best, 1-based */
	double scale_pos_weight;
	Profit th;                   /* on validation */
	double m[4];                 /* churn: auc, pr_auc, brier, logloss;
				      * revenue: mae, rmse, spearman */
	double *gain, *total_gain;   /* per feature */
} Fit;

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* label returns row I's label for TARGET, NAN when unlabelled. */
static double label(const Data *D, size_t i, Target target)
{
	return target == TARGET_CHURN ? (double)D->churn[i] : D->revenue[i];
}

/* split copies D's labelled rows into TR (snapshots before CUT) and VA
 * (CUT and after); returns the unlabelled rows. Dies when there is nothing
 * to train on or too few snapshots for the split. */
static size_t split(const Data *D, Target target, int valid_months, Split *tr, Split *va)
{
	int32_t *days = xmalloc((D->n ? D->n : 1) * sizeof *days);
	size_t nl = 0;
	for (size_t i = 0; i < D->n; i++)
		if (!isnan(label(D, i, target)))
			days[nl++] = D->as_of[i];
	if (nl == 0) {
		free(days);
		die("%s: no labelled rows (%s is empty in every row): nothing to train on", D->name,
		    target == TARGET_CHURN ? "label_churn" : "label_revenue");
	}
	qsort(days, nl, sizeof *days, cmp_i32);
	size_t nd = 0;
	for (size_t i = 0; i < nl; i++)
		if (i == 0 || days[i] != days[i - 1])
			days[nd++] = days[i];
	if (nd <= (size_t)valid_months) {
		free(days);
		die("%s: %zu labelled snapshot%s: the time split needs more than model.valid_months = %d",
		    D->name, nd, nd == 1 ? "" : "s", valid_months);
	}
	int32_t cut = days[nd - (size_t)valid_months];
	tr->from = days[0];
	tr->to = days[nd - (size_t)valid_months - 1];
	tr->snapshots = nd - (size_t)valid_months;
	va->from = cut;
	va->to = days[nd - 1];
	va->snapshots = (size_t)valid_months;
	free(days);
	tr->n = va->n = 0;
	for (size_t i = 0; i < D->n; i++)
		if (!isnan(label(D, i, target)))
			(D->as_of[i] < cut ? tr : va)->n++;
	Split *s[2] = { tr, va };
	for (int k = 0; k < 2; k++) {
		s[k]->x = xmalloc((s[k]->n * D->d + 1) * sizeof(float));
		s[k]->y = xmalloc((s[k]->n + 1) * sizeof(float));
		s[k]->n = 0;
		s[k]->positives = 0;
	}
	for (size_t i = 0; i < D->n; i++) {
		double y = label(D, i, target);
		if (isnan(y))
			continue;
		Split *sp = D->as_of[i] < cut ? tr : va;
		memcpy(sp->x + sp->n * D->d, D->x + i * D->d, D->d * sizeof(float));
		sp->y[sp->n++] = (float)y;
		sp->positives += target == TARGET_CHURN ? y : y > 0;
	}
	return D->n - nl;
}

/* last_metric reads the value of XGBoost's evaluation line "[3]\tvalid-logloss:0.41". */
static double last_metric(const char *s)
{
	const char *c = strrchr(s, ':');
	if (!c)
		die("XGBoost: unexpected evaluation '%s'", s);
	return strtod(c + 1, NULL);
}

/* boost trains a booster on TR with early stopping on VA; sets F's rounds
 * and returns the booster cut to the best round. */
static BoosterHandle boost(const ModelRules *mr, Target target, size_t d, const Split *tr,
			   const Split *va, Fit *F)
{
	DMatrixHandle mt = dmatrix(tr->x, tr->n, d, tr->y, mr->nthread);
	DMatrixHandle mv = dmatrix(va->x, va->n, d, va->y, mr->nthread);
	DMatrixHandle both[2] = { mt, mv };
	BoosterHandle b;
	xg(XGBoosterCreate(both, 2, &b), "booster");
	booster_set(b, "nthread", "%d", mr->nthread);
	booster_set(b, "seed", "%llu", (unsigned long long)mr->seed);
	booster_set(b, "tree_method", "hist");
	booster_set(b, "max_depth", "%d", mr->max_depth);
	booster_set(b, "max_bin", "%d", mr->max_bin);
	booster_set(b, "eta", "%.6f", mr->eta);
	booster_set(b, "min_child_weight", "%.6f", mr->min_child_weight);
	booster_set(b, "subsample", "%.6f", mr->subsample);
	booster_set(b, "colsample_bytree", "%.6f", mr->colsample);
	if (target == TARGET_CHURN) {
		booster_set(b, "objective", "binary:logistic");
		booster_set(b, "eval_metric", "logloss");
		F->scale_pos_weight = 1;
		if (mr->imbalance == IMB_WEIGHT)
			F->scale_pos_weight = mr->scale_pos_weight;
		else if (mr->imbalance == IMB_BALANCED && tr->positives > 0)
			F->scale_pos_weight = ((double)tr->n - tr->positives) / tr->positives;
		booster_set(b, "scale_pos_weight", "%.6f", F->scale_pos_weight);
	} else if (mr->revenue_tweedie) {
		booster_set(b, "objective", "reg:tweedie");
		booster_set(b, "tweedie_variance_power", "%.6f", mr->tweedie_power);
		booster_set(b, "eval_metric", "rmse");
	} else {
		booster_set(b, "objective", "reg:squarederror");
		booster_set(b, "eval_metric", "rmse");
	}
	const char *names[1] = { "valid" };
	double best = INFINITY;
	F->best = 0;
	for (int it = 0; it < mr->rounds; it++) {
		xg(XGBoosterUpdateOneIter(b, it, mt), "training round");
		const char *ev;
		xg(XGBoosterEvalOneIter(b, it, &mv, names, 1, &ev), "validation");
		double v = last_metric(ev);
		F->rounds_run = it + 1;
		if (v < best) {
			best = v;
			F->best = it + 1;
		} else if (mr->early_stop > 0 && it + 1 - F->best >= mr->early_stop) {
			break;
		}
	}
	if (F->best < F->rounds_run) {
		BoosterHandle cut;
		xg(XGBoosterSlice(b, 0, F->best, 1, &cut), "cutting to the best round");
		XGBoosterFree(b);
		b = cut;
	}
	XGDMatrixFree(mt);
	XGDMatrixFree(mv);
	return b;
}

/* importance sets F's gain and total gain per feature (0: never split on). */
static void importance(BoosterHandle b, size_t d, Fit *F)
{
	const char *kind[2] = { "gain", "total_gain" };
	double *dst[2];
	for (int k = 0; k < 2; k++) {
		dst[k] = xcalloc(d ? d : 1, sizeof(double));
		char conf[64];
		snprintf(conf, sizeof conf, "{\"importance_type\": \"%s\"}", kind[k]);
		bst_ulong nf, dim;
		const char **names;
		const bst_ulong *shape;
		const float *sc;
		xg(XGBoosterFeatureScore(b, conf, &nf, &names, &dim, &shape, &sc), "importance");
		for (bst_ulong i = 0; i < nf; i++) {
			unsigned long j;
			if (sscanf(names[i], "f%lu", &j) == 1 && j < d)
				dst[k][j] = sc[i];
		}
	}
	F->gain = dst[0];
	F->total_gain = dst[1];
}

/* validate scores VA with B and sets F's metrics and (churn) threshold. */
static void validate(BoosterHandle b, const ModelRules *mr, Target target, size_t d,
		     const Split *va, Fit *F)
{
	DMatrixHandle m = dmatrix(va->x, va->n, d, NULL, mr->nthread);
	const float *p = predict_batch(b, m, 0);
	double *s = xmalloc((va->n + 1) * sizeof *s), *y = xmalloc((va->n + 1) * sizeof *y);
	for (size_t i = 0; i < va->n; i++) {
		s[i] = p[i];
		y[i] = va->y[i];
	}
	XGDMatrixFree(m);
	if (target == TARGET_CHURN) {
		Scored sc = { va->n, s, y, NULL };
		metrics_sort(&sc);
		F->m[0] = roc_auc(&sc);
		F->m[1] = average_precision(&sc);
		F->m[2] = brier(&sc);
		double ll = 0;
		for (size_t i = 0; i < va->n; i++) {
			double q = fmin(fmax(s[i], 1e-15), 1 - 1e-15);
			ll -= y[i] * log(q) + (1 - y[i]) * log(1 - q);
		}
		F->m[3] = ll / (double)va->n;
		F->th = best_profit(&sc, mr->contact_cost, mr->saved_value);
		free(sc.ord);
	} else {
		double ae = 0, se = 0;
		for (size_t i = 0; i < va->n; i++) {
			ae += fabs(s[i] - y[i]);
			se += (s[i] - y[i]) * (s[i] - y[i]);
		}
		F->m[0] = ae / (double)va->n;
		F->m[1] = sqrt(se / (double)va->n);
		F->m[2] = spearman(s, y, va->n);
		F->th = (Profit){ NAN, 0, 0, 0 };
	}
	free(s);
	free(y);
}

/* by_gain orders feature indices by descending gain, then name. */
static int by_gain(const void *a, const void *b, void *ctx)
{
	const void **c = ctx;
	const double *g = c[0];
	char **names = (char **)c[1];
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (g[i] != g[j])
		return g[i] > g[j] ? -1 : 1;
	return strcmp(names[i], names[j]);
}

/* span writes the "from", "to", "snapshots", "rows", "positives" of S. */
static void span(Out *o, const char *key, const Split *s)
{
	char b1[11], b2[11];
	json_key(o, key, 0);
	out_str(o, "{\"from\":\"");
	out_str(o, date_str(b1, s->from));
	out_str(o, "\",\"to\":\"");
	out_str(o, date_str(b2, s->to));
	out_str(o, "\",\"snapshots\":");
	out_u64(o, s->snapshots);
	out_str(o, ",\"rows\":");
	out_u64(o, s->n);
	out_str(o, ",\"positives\":");
	out_u64(o, (uint64_t)s->positives);
	out_char(o, '}');
}

/* card writes the card of the model to O. */
static void card(Out *o, const ModelRules *mr, Target target, const Data *D, const Split *tr,
		 const Split *va, size_t unlabelled, const Fit *F)
{
	out_str(o, "{\"schema\":\"crm-model-card/1\",\"generator\":\"crm-model " CRM_VERSION "\"");
	json_key(o, "target", 0);
	json_cstr(o, target == TARGET_CHURN ? "churn" : "revenue");
	json_key(o, "objective", 0);
	json_cstr(o, target == TARGET_CHURN ? "binary:logistic"
		  : mr->revenue_tweedie ? "reg:tweedie" : "reg:squarederror");
	out_str(o, ",\"rules\":{\"id\":");
	json_cstr(o, mr->rules_id);
	out_char(o, '}');
	json_key(o, "features", 0);
	out_char(o, '[');
	for (size_t j = 0; j < D->d; j++) {
		if (j)
			out_char(o, ',');
		json_cstr(o, D->feat[j]);
	}
	out_char(o, ']');
	span(o, "training", tr);
	span(o, "validation", va);
	json_key(o, "unlabelled_rows", 0);
	out_u64(o, unlabelled);
	out_str(o, ",\"params\":{\"max_depth\":");
	out_i64(o, mr->max_depth);
	out_str(o, ",\"eta\":");
	json_num(o, mr->eta, 6);
	out_str(o, ",\"rounds\":");
	out_i64(o, mr->rounds);
	out_str(o, ",\"early_stopping_rounds\":");
	out_i64(o, mr->early_stop);
	out_str(o, ",\"min_child_weight\":");
	json_num(o, mr->min_child_weight, 6);
	out_str(o, ",\"subsample\":");
	json_num(o, mr->subsample, 6);
	out_str(o, ",\"colsample\":");
	json_num(o, mr->colsample, 6);
	out_str(o, ",\"imbalance\":");
	json_cstr(o, mr->imbalance == IMB_NONE ? "none" : mr->imbalance == IMB_BALANCED ? "balanced" : "weight");
	out_str(o, ",\"scale_pos_weight\":");
	json_num(o, F->scale_pos_weight, 6);
	out_str(o, ",\"seed\":");
	out_u64(o, mr->seed);
	out_str(o, ",\"nthread\":");
	out_i64(o, mr->nthread);
	out_str(o, ",\"max_bin\":");
	out_i64(o, mr->max_bin);
	if (target == TARGET_REVENUE) {
		out_str(o, ",\"tweedie_power\":");
		json_num(o, mr->tweedie_power, 6);
	}
	out_str(o, "},\"rounds_run\":");
	out_i64(o, F->rounds_run);
	out_str(o, ",\"best_round\":");
	out_i64(o, F->best);
	out_str(o, ",\"metrics\":{");
	if (target == TARGET_CHURN) {
		const char *k[4] = { "auc", "pr_auc", "brier", "logloss" };
		for (int i = 0; i < 4; i++) {
			json_key(o, k[i], i == 0);
			json_num(o, F->m[i], 6);
		}
	} else {
		const char *k[3] = { "mae", "rmse", "spearman" };
		for (int i = 0; i < 3; i++) {
			json_key(o, k[i], i == 0);
			json_num(o, F->m[i], 6);
		}
	}
	out_str(o, "},\"importance\":[");
	size_t *ord = xmalloc((D->d + 1) * sizeof *ord);
	for (size_t j = 0; j < D->d; j++)
		ord[j] = j;
	const void *ctx[2] = { F->gain, D->feat };
	qsort_r(ord, D->d, sizeof *ord, by_gain, ctx);
	for (size_t k = 0; k < D->d; k++) {
		size_t j = ord[k];
		out_str(o, k ? ",{\"feature\":" : "{\"feature\":");
		json_cstr(o, D->feat[j]);
		out_str(o, ",\"gain\":");
		json_num(o, F->gain[j], 6);
		out_str(o, ",\"total_gain\":");
		json_num(o, F->total_gain[j], 6);
		out_char(o, '}');
	}
	free(ord);
	out_char(o, ']');
	if (target == TARGET_CHURN) {
		out_str(o, ",\"threshold\":{\"p\":");
		json_num(o, F->th.threshold, 6);
		out_str(o, ",\"contact_cost\":");
		json_fixed(o, mr->contact_cost, mr->decimals);
		out_str(o, ",\"saved_value\":");
		json_fixed(o, mr->saved_value, mr->decimals);
		out_str(o, ",\"break_even_p\":");
		json_num(o, mr->saved_value > 0 ? (double)mr->contact_cost / (double)mr->saved_value : NAN, 6);
		out_str(o, ",\"contacts\":");
		out_u64(o, F->th.contacts);
		out_str(o, ",\"churners_reached\":");
		out_u64(o, (uint64_t)F->th.reached);
		out_str(o, ",\"profit\":");
		json_fixed(o, F->th.profit, mr->decimals);
		out_char(o, '}');
	}
	out_char(o, '}');
}

/* card_text returns the card as a string (owned), written through a
 * temporary file so that it shares the JSON writer of the tools. */
static char *card_text(const ModelRules *mr, Target target, const Data *D, const Split *tr,
		       const Split *va, size_t unlabelled, const Fit *F)
{
	FILE *f = tmpfile();
	if (!f)
		die_errno("temporary file");
	int fd = dup(fileno(f));
	if (fd < 0)
		die_errno("temporary file");
	Out o;
	out_fd(&o, fd, "card");
	card(&o, mr, target, D, tr, va, unlabelled, F);
	out_close(&o);
	rewind(f);
	size_t len;
	char *s = fread_all(f, &len);
	if (!s)
		die_errno("temporary file");
	fclose(f);
	return s;
}

void train(const TrainOpts *o, const ModelRules *mr)
{
	Data D;
	data_read(&D, o->input, mr->rules_id, mr->decimals, o->progress, NULL);
	Split tr, va;
	size_t unlabelled = split(&D, o->target, mr->valid_months, &tr, &va);
	if (o->target == TARGET_CHURN && (va.positives == 0 || va.positives == (double)va.n))
		die("%s: the validation snapshots hold one class only: early stopping and the "
		    "threshold need churners and non-churners", D.name);
	Fit F = { 0 };
	BoosterHandle b = boost(mr, o->target, D.d, &tr, &va, &F);
	validate(b, mr, o->target, D.d, &va, &F);
	importance(b, D.d, &F);
	char *card = card_text(mr, o->target, &D, &tr, &va, unlabelled, &F);

	size_t fl = 1;
	for (size_t j = 0; j < D.d; j++)
		fl += strlen(D.feat[j]) + 1;
	char *feats = xmalloc(fl), *p = feats;
	for (size_t j = 0; j < D.d; j++)
		p += sprintf(p, j ? "\t%s" : "%s", D.feat[j]);
	char to[11], th[32];
	snprintf(th, sizeof th, "%.9g", F.th.threshold);
	xg(XGBoosterSetAttr(b, "crm_target", o->target == TARGET_CHURN ? "churn" : "revenue"), "attribute");
	xg(XGBoosterSetAttr(b, "crm_features", feats), "attribute");
	xg(XGBoosterSetAttr(b, "crm_rules", mr->rules_id), "attribute");
	xg(XGBoosterSetAttr(b, "crm_train_to", date_str(to, tr.to)), "attribute");
	xg(XGBoosterSetAttr(b, "crm_threshold", isnan(F.th.threshold) ? "none" : th), "attribute");
	if (o->target == TARGET_CHURN) {
		char *lr = logit(mr, D.d, tr.x, tr.y, tr.n);
		xg(XGBoosterSetAttr(b, "crm_logit", lr), "attribute");
		free(lr);
	}
	xg(XGBoosterSetAttr(b, "crm_card", card), "attribute");
	bst_ulong len;
	const char *bytes;
	xg(XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}", &len, &bytes), "saving the model");
	Out out;
	out_create(&out, o->output);
	out_write(&out, bytes, len);
	out_close(&out);
	if (o->card) {
		out_create(&out, o->card);
		out_str(&out, card);
		out_char(&out, '\n');
		out_close(&out);
	}
	if (o->stats)
		fprintf(stderr, "crm-model: %zu rows: %zu trained on, %zu validation, %zu unlabelled; "
			"best round %d of %d\n", D.n, tr.n, va.n, unlabelled, F.best, F.rounds_run);
	XGBoosterFree(b);
	free(feats);
	free(card);
	free(F.gain);
	free(F.total_gain);
	free(tr.x);
	free(tr.y);
	free(va.x);
	free(va.y);
	data_free(&D);
}
