/* crm-kmeans: reading the rows and their features, and standardizing them. */
#include "kmeans.h"
#include "tsv.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* parse_num returns the number in column COL of T's row, in plain decimal
 * notation; dies naming the file, line, column and value otherwise. */
static double parse_num(const Tsv *t, int col)
{
	Field f = t->f[col];
	char b[64];
	if (f.n == 0)
		tsv_fail(t, col, "is empty; crm-kmeans needs a number");
	if (f.n >= sizeof b)
		tsv_fail(t, col, "is not a number");
	memcpy(b, f.p, f.n);
	b[f.n] = 0;
	char *end;
	double v = strtod(b, &end);
	/* Plain decimal notation only: no hex, inf or nan; the whole field,
	 * so a NUL byte cannot end it early. */
	if (end != b + f.n || !isfinite(v) || strpbrk(b, "xXiInN") || b[0] == ' ')
		tsv_fail(t, col, "is not a number");
	return v;
}

void read_data(Data *D, const char *path, char **feat, size_t nfeat)
{
	Tsv t;
	tsv_open(&t, path);
	D->d = nfeat;
	D->names = feat;
	int *col = xmalloc(nfeat * sizeof *col);
	uint64_t *negative = xcalloc(nfeat, sizeof *negative);
	for (size_t j = 0; j < nfeat; j++)
		col[j] = tsv_need(&t, feat[j], NULL);
	D->has_cluster_col = tsv_col(&t, "cluster") >= 0 || tsv_col(&t, "cluster_name") >= 0;
	/* The header line, rebuilt from the names. */
	size_t hn = 0;
	for (int i = 0; i < t.ncols; i++)
		hn += strlen(t.cols[i]) + 1;
	D->header = xmalloc(hn + 1);
	D->header[0] = 0;
	for (int i = 0; i < t.ncols; i++) {
		if (i)
			strcat(D->header, "\t");
		strcat(D->header, t.cols[i]);
	}
	size_t cap = 1 << 14;
	D->raw = xmalloc(cap * nfeat * sizeof *D->raw);
	D->off = xmalloc((cap + 1) * sizeof *D->off);
	D->off[0] = 0;
	while (tsv_next(&t)) {
		if (D->n == cap) {
			cap *= 2;
			D->raw = xrealloc(D->raw, cap * nfeat * sizeof *D->raw);
			D->off = xrealloc(D->off, (cap + 1) * sizeof *D->off);
		}
		for (size_t j = 0; j < nfeat; j++) {
			double v = parse_num(&t, col[j]);
			negative[j] += v < 0;
			D->raw[D->n * nfeat + j] = v;
		}
		while (D->text_n + t.line_n > D->text_cap) {
			D->text_cap = D->text_cap ? D->text_cap * 2 : 1 << 20;
			D->text = xrealloc(D->text, D->text_cap);
		}
		memcpy(D->text + D->text_n, t.line, t.line_n);
		D->text_n += t.line_n;
		D->off[++D->n] = D->text_n;
	}
	D->name = xstrdup(t.name);
	/* log1p needs x >= 0; a negative value (a monetary net of returns
	 * above purchases) is taken as 0, the lowest, and said. */
	for (size_t j = 0; D->log1p && j < nfeat; j++)
		if (negative[j])
			warn("%s: %llu row%s with a negative %s clamped to 0 before log1p (--no-log1p keeps them)",
			     D->name, (unsigned long long)negative[j], negative[j] == 1 ? "" : "s", feat[j]);
	tsv_close(&t);
	free(negative);
	free(col);
}

/* standardize: x = (f(raw) - mean) / sd, f = log1p(max(raw, 0)) or the
 * identity, with the population standard deviation; a constant feature
 * keeps sd 1 and is 0. The raw values stay as read, for the profile. */
void standardize(Data *D)
{
	size_t n = D->n, d = D->d;
	D->x = xmalloc((n ? n : 1) * d * sizeof *D->x);
	D->mean = xcalloc(d, sizeof *D->mean);
	D->sd = xcalloc(d, sizeof *D->sd);
	for (size_t i = 0; i < n * d; i++)
		D->x[i] = D->log1p ? log1p(D->raw[i] > 0 ? D->raw[i] : 0) : D->raw[i];
	for (size_t j = 0; j < d; j++) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += D->x[i * d + j];
		double m = s / (double)n, v = 0;
		for (size_t i = 0; i < n; i++) {
			double e = D->x[i * d + j] - m;
			v += e * e;
		}
		double sd = sqrt(v / (double)n);
		int constant = !(sd > 1e-12 * (fabs(m) + 1));
		if (constant)
			sd = 1;
		D->mean[j] = m;
		D->sd[j] = sd;
		/* A constant feature is 0 exactly, not the rounding left of x - m. */
		for (size_t i = 0; i < n; i++)
			D->x[i * d + j] = constant ? 0 : (D->x[i * d + j] - m) / sd;
	}
}

void data_free(Data *D)
{
	free(D->x);
	free(D->raw);
	free(D->mean);
	free(D->sd);
	free(D->text);
	free(D->off);
	free(D->header);
	free(D->name);
}
