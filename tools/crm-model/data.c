/* data: feature rows in crm-features' layout, read into memory. */
#include "date.h"
#include "filteropt.h"
#include "model.h"
#include "money.h"
#include "progress.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Columns that are not features: the key, the labels, the fingerprint,
 * rule text, and what crm-model itself writes (so that predict's output
 * can be evaluated). */
static const char *const meta[] = {
	"brand", "customer_id", "as_of", "label_churn", "label_revenue", "rules_id",
	"churn_reason", "p_churn", "pred_revenue", "margin", "bias", "explain", NULL,
};

int is_meta(const char *name)
{
	for (size_t i = 0; meta[i]; i++)
		if (strcmp(meta[i], name) == 0)
			return 1;
	return 0;
}

size_t feature_columns(const Tsv *t, char ***feat, int **fcol)
{
	size_t d = 0;
	*feat = xmalloc(((size_t)t->ncols + 1) * sizeof **feat);
	*fcol = xmalloc(((size_t)t->ncols + 1) * sizeof **fcol);
	for (int c = 0; c < t->ncols; c++)
		if (!is_meta(t->cols[c])) {
			(*feat)[d] = xstrdup(t->cols[c]);
			(*fcol)[d++] = c;
		}
	(*feat)[d] = NULL;
	return d;
}

/* num parses F as a decimal number into *V: "-12.5", "3", "1e-3". The
 * plain form is read digit by digit (mantissa / 10^decimals, one correctly
 * rounded division); exponents and long numbers go through strtod.
 * Returns 0, or -1 when F is not a finite number. */
static int num(Field f, double *v)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
				       1e11, 1e12, 1e13, 1e14, 1e15 };
	const char *p = f.p, *e = f.p + f.n;
	int neg = 0;
	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	uint64_t m = 0;
	int nd = 0, frac = -1;
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9') {
			m = m * 10 + (uint64_t)(*p - '0');
			nd++;
			if (frac >= 0)
				frac++;
		} else if (*p == '.' && frac < 0) {
			frac = 0;
		} else {
			break;
		}
	}
	if (p == e && nd > 0 && nd <= 15 && frac != 0) {
		double x = (double)m;
		if (frac > 0)
			x /= p10[frac];
		*v = neg ? -x : x;
		return 0;
	}
	char buf[64];
	if (f.n == 0 || f.n >= sizeof buf)
		return -1;
	memcpy(buf, f.p, f.n);
	buf[f.n] = 0;
	char *end;
	*v = strtod(buf, &end);
	return *end || end == buf || !isfinite(*v) || buf[0] == ' ' ? -1 : 0;
}

void parse_features(const Tsv *t, const int *fcol, size_t d, float *dst)
{
	for (size_t j = 0; j < d; j++) {
		Field f = t->f[fcol[j]];
		double v;
		if (f.n == 0)
			dst[j] = NAN;
		else if (num(f, &v) == 0 && isfinite((float)v))
			dst[j] = (float)v;
		else
			tsv_fail(t, fcol[j], "is not a number");
	}
}

/* Keys: each row's brand, customer_id and as_of, for putting the rows in
 * one order whatever the input's. */
typedef struct {
	char *text;          /* brand NUL customer_id NUL, row after row */
	size_t len, cap, rows_cap;
	size_t *off;         /* per row */
	uint64_t *line;      /* per row: its input line, for messages */
	const int32_t *as_of;
} Keys;

/* by_key orders row indices by brand, customer_id, as_of. */
static int by_key(const void *a, const void *b, void *ctx)
{
	const Keys *k = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const char *p = k->text + k->off[i], *q = k->text + k->off[j];
	int c = strcmp(p, q);
	if (c == 0)
		c = strcmp(p + strlen(p) + 1, q + strlen(q) + 1);
	if (c == 0)
		c = (k->as_of[i] > k->as_of[j]) - (k->as_of[i] < k->as_of[j]);
	return c;
}

/* key_add appends the key of T's current row I (brand column BI, -1: none;
 * customer column CI). */
static void key_add(Keys *k, const Tsv *t, size_t i, int bi, int ci, size_t cap)
{
	Field b = bi >= 0 ? t->f[bi] : (Field){ "", 0 }, c = t->f[ci];
	if (memchr(b.p, 0, b.n) || memchr(c.p, 0, c.n))
		tsv_fail_line(t, "a key holds a NUL byte");
	if (k->len + b.n + c.n + 2 > k->cap) {
		while (k->len + b.n + c.n + 2 > k->cap)
			k->cap = k->cap ? k->cap * 2 : 1 << 16;
		k->text = xrealloc(k->text, k->cap);
	}
	if (cap > k->rows_cap) {
		k->rows_cap = cap;
		k->off = xrealloc(k->off, cap * sizeof *k->off);
		k->line = xrealloc(k->line, cap * sizeof *k->line);
	}
	k->off[i] = k->len;
	k->line[i] = t->lineno;
	memcpy(k->text + k->len, b.p, b.n);
	k->len += b.n;
	k->text[k->len++] = 0;
	memcpy(k->text + k->len, c.p, c.n);
	k->len += c.n;
	k->text[k->len++] = 0;
}

/* canonical puts D's rows in the order of their keys, so that training
 * does not depend on the input's order; two rows of one customer and
 * snapshot are an error. */
static void canonical(Data *D, Keys *k)
{
	size_t n = D->n, d = D->d;
	size_t *ord = xmalloc((n + 1) * sizeof *ord);
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	k->as_of = D->as_of;
	qsort_r(ord, n, sizeof *ord, by_key, k);
	for (size_t r = 1; r < n; r++)
		if (by_key(&ord[r - 1], &ord[r], k) == 0) {
			uint64_t a = k->line[ord[r - 1]], b = k->line[ord[r]];
			die("%s:%llu: the same customer and as_of as line %llu", D->name,
			    (unsigned long long)(a > b ? a : b), (unsigned long long)(a > b ? b : a));
		}
	float *x = xmalloc((n * d + 1) * sizeof *x), *churn = xmalloc((n + 1) * sizeof *churn);
	double *rev = xmalloc((n + 1) * sizeof *rev), *extra = xmalloc((n + 1) * sizeof *extra);
	int32_t *as_of = xmalloc((n + 1) * sizeof *as_of);
	for (size_t r = 0; r < n; r++) {
		size_t i = ord[r];
		memcpy(x + r * d, D->x + i * d, d * sizeof *x);
		churn[r] = D->churn[i];
		rev[r] = D->revenue[i];
		as_of[r] = D->as_of[i];
		extra[r] = D->extra[i];
	}
	free(D->x);
	free(D->churn);
	free(D->revenue);
	free(D->as_of);
	D->x = x;
	D->churn = churn;
	D->revenue = rev;
	D->as_of = as_of;
	free(D->extra);
	D->extra = extra;
	free(ord);
}

/* grow makes room in D for one more row. */
static void grow(Data *D)
{
	if (D->n < D->cap)
		return;
	D->cap = D->cap ? D->cap * 2 : 4096;
	D->x = xrealloc(D->x, D->cap * D->d * sizeof *D->x + 1);
	D->churn = xrealloc(D->churn, D->cap * sizeof *D->churn);
	D->revenue = xrealloc(D->revenue, D->cap * sizeof *D->revenue);
	D->as_of = xrealloc(D->as_of, D->cap * sizeof *D->as_of);
	D->extra = xrealloc(D->extra, D->cap * sizeof *D->extra);
}

void data_read(Data *D, const char *path, const char *rid, int decimals, int progress,
	       const char *extra)
{
	memset(D, 0, sizeof *D);
	Tsv t;
	tsv_open(&t, path);
	D->name = xstrdup(t.name);
	int ai = tsv_need(&t, "as_of", "crm-features");
	int ci = tsv_need(&t, "label_churn", "crm-features");
	int vi = tsv_need(&t, "label_revenue", "crm-features");
	int ri = tsv_need(&t, "rules_id", "crm-features");
	int ki = tsv_need(&t, "customer_id", "crm-features"), bi = tsv_col(&t, "brand");
	int xi = -1;
	if (extra && (xi = tsv_col(&t, extra)) < 0)
		die("%s:1: no column '%s' to score by", t.name, extra);
	Keys k = { 0 };
	D->d = feature_columns(&t, &D->feat, &D->fcol);
	if (D->d == 0)
		die("%s:1: no feature columns", t.name);
	Progress pg;
	progress_init(&pg, progress);
	while (tsv_next(&t)) {
		filter_rules_row(&t, ri, rid);
		grow(D);
		size_t i = D->n++;
		key_add(&k, &t, i, bi, ki, D->cap);
		const char *why = date_parse(t.f[ai].p, t.f[ai].n, &D->as_of[i]);
		if (why)
			tsv_fail(&t, ai, why);
		Field f = t.f[ci];
		if (f.n == 0)
			D->churn[i] = NAN;
		else if (field_eq(f, "0", 1) || field_eq(f, "1", 1))
			D->churn[i] = (float)(f.p[0] - '0');
		else
			tsv_fail(&t, ci, "is not 0, 1 or empty");
		f = t.f[vi];
		int64_t m;
		if (f.n == 0)
			D->revenue[i] = NAN;
		else if ((why = fixed_parse(f.p, f.n, decimals, &m)))
			tsv_fail(&t, vi, why);
		else
			D->revenue[i] = (double)m / (double)pow10_i64[decimals];
		parse_features(&t, D->fcol, D->d, D->x + i * D->d);
		if (xi >= 0) {
			float v;
			parse_features(&t, &xi, 1, &v);
			D->extra[i] = v;
		}
		progress_add(&pg, 1);
	}
	progress_end(&pg);
	tsv_close(&t);
	canonical(D, &k);
	free(k.text);
	free(k.off);
	free(k.line);
}

void data_free(Data *D)
{
	free(D->x);
	free(D->churn);
	free(D->revenue);
	free(D->as_of);
	free(D->extra);
	free(D->fcol);
	rules_list_free(D->feat);
	free((char *)D->name);
}

void data_match(const Data *D, char **names, size_t n, size_t *map)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < D->d && strcmp(D->feat[j], names[i]) != 0)
			j++;
		if (j == D->d)
			die("%s:1: the model's feature '%s' is not a column of the input", D->name, names[i]);
		map[i] = j;
	}
	if (D->d != n)
		for (size_t j = 0; j < D->d; j++) {
			size_t i = 0;
			while (i < n && strcmp(D->feat[j], names[i]) != 0)
				i++;
			if (i == n)
				die("%s:1: column '%s' is not one of the model's features", D->name, D->feat[j]);
		}
}
