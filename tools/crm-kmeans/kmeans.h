/* crm-kmeans internals.
 *
 * Data flow: data.c reads the rows and their feature columns and
 * standardizes the features; fit.c runs k-means (k-means++ starts, Lloyd
 * iterations, the best of n_init runs); elbow.c scores a fit by its
 * silhouette for the elbow table; name.c renumbers and names the clusters;
 * write.c writes the rows, the profile or the --json document. */
#ifndef CRM_KMEANS_H
#define CRM_KMEANS_H

#include "brandrules.h"
#include "out.h"

#include <stddef.h>
#include <stdint.h>

/* CHUNK: rows per partial sum (sums over rows are taken chunk by chunk in
 * row order); SAMPLE: points in --json's scatter. */
enum { CHUNK = 4096, SAMPLE = 2000 };

/* ---- the data ---- */

/* Data: the input, its features as read and standardized, and its rows. */
typedef struct {
	size_t n, d;
	double *x;          /* n x d standardized features */
	double *raw;        /* n x d features as read */
	double *mean, *sd;  /* of the transformed features */
	char **names;
	int log1p;
	/* The input rows, for writing them back. */
	char *text;
	size_t text_n, text_cap;
	size_t *off;        /* n + 1 offsets into text */
	char *header, *name;
	int has_cluster_col;
	int rfm_col[3];     /* feature index of recency, frequency, monetary, or -1 */
} Data;

/* Fit: one k-means run's centres and labels. */
typedef struct {
	int k;
	double *c;          /* k x d centres */
	uint32_t *label;
	double inertia;
	int iter, run;
} Fit;

/* Params: how to run k-means (kmeans.* and the options). */
typedef struct {
	int n_init, max_iter;
	double tol;
	uint64_t seed;
	int stats;
} Params;

/* A cluster as written: its size, means and medians, and name. */
typedef struct {
	uint64_t size;
	double *zmean;     /* mean standardized features */
	double *mean, *median;  /* features as read */
	double value;      /* zF + zM - zR when named by RFM */
	char *name;        /* owned */
	int old;           /* the run's cluster index */
} Cluster;

/* A row of the elbow table. */
typedef struct {
	int k;
	double inertia, sil;
} ElbowRow;

/* dist2 returns the squared distance of the D-feature points A and B. */
static inline double dist2(const double *a, const double *b, size_t d)
{
	double s = 0;
	for (size_t t = 0; t < d; t++) {
		double e = a[t] - b[t];
		s += e * e;
	}
	return s;
}

/* ---- data.c ---- */

/* read_data reads PATH (- for stdin) into D: its rows, and the NFEAT
 * feature columns FEAT (kept as D->names); dies naming file:line and
 * column on a value that is not a number. */
void read_data(Data *D, const char *path, char **feat, size_t nfeat);

/* standardize sets D->x to the z-scores of the (log1p) features. */
void standardize(Data *D);

/* data_free frees what D owns, not D->names. */
void data_free(Data *D);

/* ---- fit.c ---- */

/* distinct counts D's distinct points, up to LIMIT. */
size_t distinct(const Data *D, size_t limit);

/* kmeans fits K clusters to D into *BEST (owned by the caller, fit_free):
 * the run of lowest inertia of P->n_init. */
void kmeans(const Data *D, int k, const Params *P, Fit *best);

/* fit_free frees F's centres and labels. */
void fit_free(Fit *F);

/* ---- elbow.c ---- */

/* silhouette returns F's mean silhouette over D's rows, or over LIMIT rows
 * drawn with SEED. */
double silhouette(const Data *D, const Fit *F, size_t limit, uint64_t seed);

/* write_elbow writes the N rows of the elbow table E. */
void write_elbow(Out *o, const ElbowRow *e, int n);

/* ---- name.c ---- */

/* rfm_columns sets D->rfm_col from the NFEAT features FEAT. */
void rfm_columns(Data *D, char **feat, size_t nfeat);

/* describe renumbers and names F's clusters by KR; returns them in their
 * new order (the caller frees them with clusters_free). */
Cluster *describe(const Data *D, Fit *F, const KmeansRules *kr);

/* clusters_free frees the K clusters CL. */
void clusters_free(Cluster *cl, int k);

/* ---- write.c ---- */

/* put_fix writes V with DEC decimals, never -0. */
void put_fix(Out *o, double v, int dec);

/* write_rows, write_profile and write_json write the fit F of D with its
 * clusters CL to O: the input rows with their cluster, a row per cluster,
 * or the document crm-report reads (with the elbow rows E[0..NE)). */
void write_rows(Out *o, const Data *D, const Fit *F, const Cluster *cl);
void write_profile(Out *o, const Data *D, const Fit *F, const Cluster *cl);
void write_json(Out *o, const Data *D, const Fit *F, const Cluster *cl, const Params *P,
		const ElbowRow *e, int ne);

#endif
