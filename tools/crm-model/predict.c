/* predict: feature rows in, the same rows out with the model's prediction
 * (and with --explain the margin, the bias and the largest per-feature
 * contributions, XGBoost's pred_contribs: SHAP values of the trees, which
 * with the bias sum to the margin). Rows go to XGBoost BATCH at a time and
 * leave in input order.
 *
 * Two batches take turns: while a scorer thread has XGBoost predict one,
 * the main thread writes the one before and reads the next, so that
 * parsing and writing overlap prediction. */
#include "filteropt.h"
#include "model.h"
#include "money.h"
#include "progress.h"
#include "util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Batch: rows and, once scored, their predictions. */
typedef struct {
	size_t n, d;
	float *x;          /* n x d in the model's feature order */
	char *text;        /* the rows without rules_id */
	size_t text_n, text_cap;
	size_t *off;       /* n + 1 offsets into text */
	float *p, *margin; /* BATCH each; margin with --explain */
	float *contrib;    /* BATCH x (d + 1) with --explain, the bias last */
} Batch;

/* Pipe: the scorer thread that predicts, and the hand-over of batches. */
typedef struct {
	const Model *m;
	int explain, nthread;
	Batch *b;          /* the two batches */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int todo;          /* the batch to predict next, or -1 */
	int done[2];       /* set when a batch's predictions are in */
	int quit;
} Pipe;

/* score_batch predicts the rows of B with M into B's arrays. */
static void score_batch(const Model *m, Batch *B, int explain, int nthread)
{
	size_t n = B->n, d = B->d;
	memcpy(B->p, predict_dense(m->b, B->x, n, d, 0), n * sizeof *B->p);
	if (explain) {
		memcpy(B->margin, predict_dense(m->b, B->x, n, d, 1), n * sizeof *B->margin);
		DMatrixHandle dm = dmatrix(B->x, n, d, NULL, nthread);
		memcpy(B->contrib, predict_batch(m->b, dm, 2), n * (d + 1) * sizeof *B->contrib);
		XGDMatrixFree(dm);
	}
}

/* pipe_main is the scorer thread: it predicts each batch handed to it
 * until told to quit. */
static void *pipe_main(void *arg)
{
	Pipe *S = arg;
	pthread_mutex_lock(&S->mu);
	for (;;) {
		while (S->todo < 0 && !S->quit)
			pthread_cond_wait(&S->cv, &S->mu);
		if (S->todo < 0)
			break;
		int k = S->todo;
		S->todo = -1;
		pthread_mutex_unlock(&S->mu);
		score_batch(S->m, &S->b[k], S->explain, S->nthread);
		pthread_mutex_lock(&S->mu);
		S->done[k] = 1;
		pthread_cond_broadcast(&S->cv);
	}
	pthread_mutex_unlock(&S->mu);
	return NULL;
}

/* submit hands batch K to the scorer. */
static void submit(Pipe *S, int k)
{
	pthread_mutex_lock(&S->mu);
	S->done[k] = 0;
	S->todo = k;
	pthread_cond_broadcast(&S->cv);
	pthread_mutex_unlock(&S->mu);
}

/* await waits until batch K is scored. */
static void await(Pipe *S, int k)
{
	pthread_mutex_lock(&S->mu);
	while (!S->done[k])
		pthread_cond_wait(&S->cv, &S->mu);
	pthread_mutex_unlock(&S->mu);
}

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

/* write_batch writes the scored rows of B with their added columns and
 * the rules_id RID to O, and empties B. */
static void write_batch(Batch *B, const Model *m, const Explain *ex, const char *rid, int dec,
			Out *o)
{
	size_t n = B->n, d = B->d;
	for (size_t i = 0; i < n; i++) {
		out_write(o, B->text + B->off[i], B->off[i + 1] - B->off[i]);
		out_char(o, '\t');
		fixed(o, B->p[i], m->target == TARGET_CHURN ? 6 : dec);
		if (ex->on) {
			const float *c = B->contrib + i * (d + 1);
			out_char(o, '\t');
			fixed(o, B->margin[i], 6);
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
	B->n = 0;
	B->text_n = 0;
}

/* batch_init allocates B for rows of D features. */
static void batch_init(Batch *B, size_t d, int explain)
{
	memset(B, 0, sizeof *B);
	B->d = d;
	B->x = xmalloc((size_t)BATCH * (d ? d : 1) * sizeof *B->x);
	B->off = xmalloc(((size_t)BATCH + 1) * sizeof *B->off);
	B->text_cap = 1 << 20;
	B->text = xmalloc(B->text_cap);
	B->p = xmalloc((size_t)BATCH * sizeof *B->p);
	if (explain) {
		B->margin = xmalloc((size_t)BATCH * sizeof *B->margin);
		B->contrib = xmalloc((size_t)BATCH * (d + 1) * sizeof *B->contrib);
	}
}

static void batch_free(Batch *B)
{
	free(B->x);
	free(B->off);
	free(B->text);
	free(B->p);
	free(B->margin);
	free(B->contrib);
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

	Batch B[2];
	batch_init(&B[0], m.d, explain);
	batch_init(&B[1], m.d, explain);
	Pipe S = { &m, explain, mr->nthread, B, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
		     -1, { 1, 1 }, 0 };
	pthread_t th;
	if (pthread_create(&th, NULL, pipe_main, &S) != 0)
		die("cannot start a thread");
	Explain ex = { explain, mr->explain_top, m.feat, xmalloc((m.d + 1) * sizeof(size_t)) };
	Progress pg;
	progress_init(&pg, progress);
	uint64_t rows = 0;
	/* cur fills while the other batch, when pending, is scored. */
	int cur = 0, pending = 0;
	while (tsv_next(&t)) {
		Batch *c = &B[cur];
		size_t len = filter_rules_row(&t, ri, mr->rules_id);
		if (c->text_n + len > c->text_cap) {
			while (c->text_n + len > c->text_cap)
				c->text_cap *= 2;
			c->text = xrealloc(c->text, c->text_cap);
		}
		c->off[c->n] = c->text_n;
		memcpy(c->text + c->text_n, t.line, len);
		c->text_n += len;
		c->off[c->n + 1] = c->text_n;
		parse_features(&t, mcol, m.d, c->x + c->n * m.d);
		rows++;
		if (++c->n == BATCH) {
			/* The scorer takes this batch as soon as it is done
			 * with the other, which is written meanwhile. */
			submit(&S, cur);
			if (pending) {
				await(&S, cur ^ 1);
				write_batch(&B[cur ^ 1], &m, &ex, mr->rules_id, mr->decimals, &o);
			}
			pending = 1;
			cur ^= 1;
		}
		progress_add(&pg, 1);
	}
	if (pending) {
		await(&S, cur ^ 1);
		write_batch(&B[cur ^ 1], &m, &ex, mr->rules_id, mr->decimals, &o);
	}
	if (B[cur].n > 0) {
		submit(&S, cur);
		await(&S, cur);
		write_batch(&B[cur], &m, &ex, mr->rules_id, mr->decimals, &o);
	}
	pthread_mutex_lock(&S.mu);
	S.quit = 1;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	pthread_join(th, NULL);
	progress_end(&pg);
	out_close(&o);
	if (stats)
		fprintf(stderr, "crm-model: %llu rows in, %llu rows out, 0 rejected\n",
			(unsigned long long)rows, (unsigned long long)rows);
	tsv_close(&t);
	free(ex.ord);
	batch_free(&B[0]);
	batch_free(&B[1]);
	free(mcol);
	free(fcol);
	rules_list_free(feat);
	model_free(&m);
}
