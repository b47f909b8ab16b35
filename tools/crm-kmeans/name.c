/* crm-kmeans: ordering the clusters and naming them (kmeans.name.*). */
#include "kmeans.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rfm_columns finds recency, frequency and monetary among the NFEAT
 * features FEAT, for naming clusters by RFM: D->rfm_col[m] is each one's
 * index, or D->rfm_col[0] is -1 when any of the three is missing. */
void rfm_columns(Data *D, char **feat, size_t nfeat)
{
	static const char *const rfm_names[3] = { "recency", "frequency", "monetary" };
	D->rfm_col[0] = D->rfm_col[1] = D->rfm_col[2] = -1;
	for (int m = 0; m < 3; m++)
		for (size_t i = 0; i < nfeat; i++)
			if (strcmp(feat[i], rfm_names[m]) == 0)
				D->rfm_col[m] = (int)i;
	if (D->rfm_col[0] < 0 || D->rfm_col[1] < 0 || D->rfm_col[2] < 0)
		D->rfm_col[0] = -1;
}

/* cmp_double orders doubles, for qsort. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* cmp_cluster orders clusters best first, for qsort_r with the Data: by
 * RFM value where the features have it, then by size, then by mean. */
static int cmp_cluster(const void *a, const void *b, void *data)
{
	const Data *D = data;
	const Cluster *x = a, *y = b;
	if (D->rfm_col[0] >= 0 && x->value != y->value)
		return x->value > y->value ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	for (size_t t = 0; t < D->d; t++)
		if (x->zmean[t] != y->zmean[t])
			return x->zmean[t] < y->zmean[t] ? -1 : 1;
	return x->old - y->old;
}

/* describe renumbers the clusters (1 = best by the naming rule, or the
 * largest) and names them by the kmeans.name.* rules of KR; returns the clusters in their new order (owned
 * by the caller, clusters_free) and rewrites F's labels to the new numbers
 * (0-based). A cluster with no row is dropped, said on standard error, and
 * F->k becomes the number kept. */
Cluster *describe(const Data *D, Fit *F, const KmeansRules *kr)
{
	size_t n = D->n, d = D->d;
	int k = F->k;
	Cluster *cl = xcalloc((size_t)k, sizeof *cl);
	for (int j = 0; j < k; j++) {
		cl[j].zmean = xcalloc(d, sizeof(double));
		cl[j].mean = xcalloc(d, sizeof(double));
		cl[j].median = xcalloc(d, sizeof(double));
		cl[j].old = j;
	}
	for (size_t i = 0; i < n; i++) {
		Cluster *c = &cl[F->label[i]];
		c->size++;
		for (size_t t = 0; t < d; t++) {
			c->zmean[t] += D->x[i * d + t];
			c->mean[t] += D->raw[i * d + t];
		}
	}
	double *v = xmalloc((n ? n : 1) * sizeof *v);
	for (int j = 0; j < k; j++) {
		Cluster *c = &cl[j];
		for (size_t t = 0; t < d; t++) {
			if (c->size) {
				c->zmean[t] /= (double)c->size;
				c->mean[t] /= (double)c->size;
			}
			size_t m = 0;
			for (size_t i = 0; i < n; i++)
				if (F->label[i] == (uint32_t)j)
					v[m++] = D->raw[i * d + t];
			qsort(v, m, sizeof *v, cmp_double);
			c->median[t] = m == 0 ? 0 : m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
		}
		if (D->rfm_col[0] >= 0)
			c->value = c->zmean[D->rfm_col[1]] + c->zmean[D->rfm_col[2]] - c->zmean[D->rfm_col[0]];
	}
	free(v);
	qsort_r(cl, (size_t)k, sizeof *cl, cmp_cluster, (void *)D);
	/* A cluster no row is nearest to is left out, said: it has no mean
	 * to name it by. */
	int kept = 0;
	for (int j = 0; j < k; j++) {
		if (cl[j].size) {
			cl[kept++] = cl[j];
			continue;
		}
		free(cl[j].zmean);
		free(cl[j].mean);
		free(cl[j].median);
	}
	if (kept < k)
		warn("%s: k = %d: %d of the clusters came out empty; %d written", D->name, k, k - kept, kept);
	uint32_t *map = xmalloc((size_t)k * sizeof *map);
	F->k = k = kept;
	for (int j = 0; j < k; j++)
		map[cl[j].old] = (uint32_t)j;
	for (size_t i = 0; i < n; i++)
		F->label[i] = map[F->label[i]];
	free(map);
	/* Names (kmeans.*): recent = mean standardized recency <= recent_max_z;
	 * engaged = mean standardized frequency + monetary > engaged_min_z; the
	 * best recent and engaged cluster is the champions, later ones loyal. */
	int used[KM_NNAMES] = { 0 };
	double recent_z = (double)kr->recent_z / 1e6, engaged_z = (double)kr->engaged_z / 1e6;
	for (int j = 0; j < k; j++) {
		Cluster *c = &cl[j];
		size_t size;
		if (D->rfm_col[0] < 0) {
			size = strlen(kr->name_other) + 16;
			c->name = xmalloc(size);
			snprintf(c->name, size, "%s %d", kr->name_other, j + 1);
			continue;
		}
		int recent = c->zmean[D->rfm_col[0]] <= recent_z;
		int engaged = c->zmean[D->rfm_col[1]] + c->zmean[D->rfm_col[2]] > engaged_z;
		int b = recent ? (engaged ? (used[KM_CHAMPIONS] ? KM_LOYAL : KM_CHAMPIONS) : KM_NEW)
			       : (engaged ? KM_AT_RISK : KM_LOST);
		size = strlen(kr->name[b]) + 16;
		c->name = xmalloc(size);
		if (used[b]++)
			snprintf(c->name, size, "%s %d", kr->name[b], used[b]);
		else
			snprintf(c->name, size, "%s", kr->name[b]);
	}
	return cl;
}

void clusters_free(Cluster *cl, int k)
{
	for (int j = 0; j < k; j++) {
		free(cl[j].zmean);
		free(cl[j].mean);
		free(cl[j].median);
		free(cl[j].name);
	}
	free(cl);
}
