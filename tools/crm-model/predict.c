/* predict: feature rows in, the same rows out with the model's prediction
 * (and with --explain the margin, the bias and the largest per-feature
 * contributions, XGBoost's pred_contribs: SHAP values of the trees, which
 * with the bias sum to the margin). Rows go to XGBoost BATCH at a time and
 * leave in input order. */
#include "filteropt.h"
#include "model.h"
#include "money.h"
#include "progress.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Batch: rows waiting for their predictions. */
typedef struct {
	size_t n, d;
	float *x;          /* n x d in the model's feature order */
	char *text;        /* the rows without rules_id */
	size_t text_n, text_cap;
	size_t *off;       /* n + 1 offsets into text */
} Batch;

/* fixed writes V rounded to DEC decimals. */
static void fixed(Out *o, double v, int dec)
{
	char *p = out_reserve(o, 32);
	o->len += fixed_fmt(p, llround(v * (double)pow10_i64[dec]), dec);
}

/* Explain: what --explain needs per batch. */
typedef struct {
	int on, top;
	char **feat;
	size_t *ord;
} Explain;

/* by_abs orders feature indices by descending |contribution|, then index. */
static int by_abs(const void *a, const void *b, void *ctx)
{
	const float *c = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	float x = fabsf(c[i]), y = fabsf(c[j]);
	if (x != y)
		return x > y ? -1 : 1;
	return (i > j) - (i < j);
}

/* flush predicts the rows of B with M and writes them with their added
 * columns and the rules_id RID to O. */
static void flush(Batch *B, const Model *m, const Explain *ex, int nthread, const char *rid,
		  int dec, Out *o)
{
	if (B->n == 0)
		return;
	size_t n = B->n, d = B->d;
	float *p = xmalloc(n * sizeof *p), *margin = NULL;
	memcpy(p, predict_dense(m->b, B->x, n, d, 0), n * sizeof *p);
	const float *contrib = NULL;
	DMatrixHandle dm = NULL;
	if (ex->on) {
		margin = xmalloc(n * sizeof *margin);
		memcpy(margin, predict_dense(m->b, B->x, n, d, 1), n * sizeof *margin);
		dm = dmatrix(B->x, n, d, NULL, nthread);
		contrib = predict_batch(m->b, dm, 2);
	}
	for (size_t i = 0; i < n; i++) {
		out_write(o, B->text + B->off[i], B->off[i + 1] - B->off[i]);
		out_char(o, '\t');
		fixed(o, p[i], m->target == TARGET_CHURN ? 6 : dec);
		if (ex->on) {
			const float *c = contrib + i * (d + 1);
			out_char(o, '\t');
			fixed(o, margin[i], 6);
			out_char(o, '\t');
			fixed(o, c[d], 6);
			out_char(o, '\t');
			for (size_t j = 0; j < d; j++)
				ex->ord[j] = j;
			qsort_r(ex->ord, d, sizeof *ex->ord, by_abs, (void *)c);
			size_t k = (size_t)ex->top < d ? (size_t)ex->top : d;
			for (size_t t = 0; t < k; t++) {
				size_t j = ex->ord[t];
				if (t)
					out_char(o, ';');
				out_str(o, ex->feat[j]);
				out_char(o, '=');
				float v = B->x[i * d + j];
				char buf[32];
				if (isnan(v))
					out_str(o, "NA");
				else
					out_write(o, buf, (size_t)snprintf(buf, sizeof buf, "%.6g", v));
				out_char(o, ':');
				if (c[j] >= 0)
					out_char(o, '+');
				fixed(o, c[j], 6);
			}
		}
		out_char(o, '\t');
		out_write(o, rid, 16);
		out_char(o, '\n');
	}
	if (dm)
		XGDMatrixFree(dm);
	free(p);
	free(margin);
	B->n = 0;
	B->text_n = 0;
}

void predict(const char *model_path, const char *input, const char *output, int explain,
	     const ModelRules *mr, int stats, int progress)
{
	Model m;
	model_load(&m, model_path, mr->nthread);
	if (strcmp(m.rules, mr->rules_id) != 0)
		die("%s: the model was trained with rules %s but crm-model has rules %s "
		    "(give every stage the same --rules or $CRM_RULES)", model_path, m.rules, mr->rules_id);
	Tsv t;
	tsv_open(&t, input);
	int ri = tsv_need(&t, "rules_id", "crm-features");
	if (ri != t.ncols - 1)
		die("%s:1: column 'rules_id' is not the last: it must stay behind every other column", t.name);
	char **feat;
	int *fcol;
	size_t d = feature_columns(&t, &feat, &fcol);
	/* The model's features, by name, in the model's order. */
	int *mcol = xmalloc((m.d + 1) * sizeof *mcol);
	for (size_t i = 0; i < m.d; i++) {
		mcol[i] = tsv_col(&t, m.feat[i]);
		if (mcol[i] < 0)
			die("%s:1: the model's feature '%s' is not a column of the input", t.name, m.feat[i]);
	}
	for (size_t j = 0; j < d; j++) {
		size_t i = 0;
		while (i < m.d && strcmp(m.feat[i], feat[j]) != 0)
			i++;
		if (i == m.d)
			die("%s:1: column '%s' is not one of the model's features", t.name, feat[j]);
	}
	const char *added = m.target == TARGET_CHURN ? "p_churn" : "pred_revenue";
	if (tsv_col(&t, added) >= 0)
		die("%s:1: the input already has column '%s' (is it crm-model output?)", t.name, added);

	Out o;
	out_create(&o, output);
	for (int c = 0; c < t.ncols - 1; c++) {
		out_str(&o, t.cols[c]);
		out_char(&o, '\t');
	}
	out_str(&o, added);
	if (explain)
		out_str(&o, "\tmargin\tbias\texplain");
	out_str(&o, "\trules_id\n");

	Batch B = { 0 };
	B.d = m.d;
	B.x = xmalloc((size_t)BATCH * (m.d ? m.d : 1) * sizeof *B.x);
	B.off = xmalloc(((size_t)BATCH + 1) * sizeof *B.off);
	B.text_cap = 1 << 20;
	B.text = xmalloc(B.text_cap);
	Explain ex = { explain, mr->explain_top, m.feat, xmalloc((m.d + 1) * sizeof(size_t)) };
	Progress pg;
	progress_init(&pg, progress);
	uint64_t rows = 0;
	while (tsv_next(&t)) {
		size_t len = filter_rules_row(&t, ri, mr->rules_id);
		if (B.text_n + len > B.text_cap) {
			while (B.text_n + len > B.text_cap)
				B.text_cap *= 2;
			B.text = xrealloc(B.text, B.text_cap);
		}
		B.off[B.n] = B.text_n;
		memcpy(B.text + B.text_n, t.line, len);
		B.text_n += len;
		B.off[B.n + 1] = B.text_n;
		parse_features(&t, mcol, m.d, B.x + B.n * m.d);
		rows++;
		if (++B.n == BATCH)
			flush(&B, &m, &ex, mr->nthread, mr->rules_id, mr->decimals, &o);
		progress_add(&pg, 1);
	}
	flush(&B, &m, &ex, mr->nthread, mr->rules_id, mr->decimals, &o);
	progress_end(&pg);
	out_close(&o);
	if (stats)
		fprintf(stderr, "crm-model: %llu rows in, %llu rows out, 0 rejected\n",
			(unsigned long long)rows, (unsigned long long)rows);
	tsv_close(&t);
	free(ex.ord);
	free(B.x);
	free(B.off);
	free(B.text);
	free(mcol);
	free(fcol);
	rules_list_free(feat);
	model_free(&m);
}
