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
}

void data_read(Data *D, const char *path, const char *rid, int decimals, int progress)
{
	memset(D, 0, sizeof *D);
	Tsv t;
	tsv_open(&t, path);
	D->name = xstrdup(t.name);
	int ai = tsv_need(&t, "as_of", "crm-features");
	int ci = tsv_need(&t, "label_churn", "crm-features");
	int vi = tsv_need(&t, "label_revenue", "crm-features");
	int ri = tsv_need(&t, "rules_id", "crm-features");
	D->d = feature_columns(&t, &D->feat, &D->fcol);
	if (D->d == 0)
		die("%s:1: no feature columns", t.name);
	Progress pg;
	progress_init(&pg, progress);
	while (tsv_next(&t)) {
		filter_rules_row(&t, ri, rid);
		grow(D);
		size_t i = D->n++;
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
		progress_add(&pg, 1);
	}
	progress_end(&pg);
	tsv_close(&t);
}

void data_free(Data *D)
{
	free(D->x);
	free(D->churn);
	free(D->revenue);
	free(D->as_of);
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
