/* crm-kmeans: k-means segmentation of a customer table.
 *
 * Reads any TSV with a header (crm-rfm's rows, say), takes the feature
 * columns, optionally log1p, standardizes them (z-scores), and clusters them
 * with k-means++ starts and Lloyd iterations; the lowest inertia of n_init
 * runs is kept. Writes the input rows with `cluster` and `cluster_name`
 * added, or a profile, an elbow table or a JSON document for the dashboard.
 *
 * Determinism: every random choice comes from the seed (each run from its
 * own stream, seed and run number), and every sum over rows is taken chunk
 * by chunk in row order, so the same input and seed give the same bytes. */
#include "brandrules.h"
#include "hash.h"
#include "json.h"
#include "opt.h"
#include "out.h"
#include "rng.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-kmeans [--rules FILE] [-k K] [--features LIST] [--log1p | --no-log1p]\n"
	"                  [--seed S] [--n-init N] [--max-iter N] [--tol T]\n"
	"                  [--profile | --elbow LO-HI | --json [--elbow LO-HI]] [--stats]\n"
	"                  [-o FILE] [FILE]";

enum { CHUNK = 4096, SAMPLE = 2000 };

/* ---- the data ---- */

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
} Data;

typedef struct {
	int k;
	double *c;          /* k x d centres */
	uint32_t *label;
	double inertia;
	int iter, run;
} Fit;

typedef struct {
	int n_init, max_iter;
	double tol;
	uint64_t seed;
	int stats;
} Params;

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

static void read_data(Data *D, const char *path, char **feat, size_t nfeat)
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
static void standardize(Data *D)
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

/* ---- k-means ---- */

static inline double dist2(const double *a, const double *b, size_t d)
{
	double s = 0;
	for (size_t t = 0; t < d; t++) {
		double e = a[t] - b[t];
		s += e * e;
	}
	return s;
}

/* same_point tells whether two rows of D features are equal in every one. */
static int same_point(const double *a, const double *b, size_t d)
{
	for (size_t t = 0; t < d; t++)
		if (a[t] != b[t])
			return 0;
	return 1;
}

/* distinct counts the distinct rows of standardized features, up to LIMIT:
 * k-means cannot make more non-empty clusters than there are distinct
 * points. Rows equal in every feature count once (0.0 and -0.0 alike). */
static size_t distinct(const Data *D, size_t limit)
{
	size_t n = D->n, d = D->d, cap = 16, found = 0;
	while (cap < 2 * limit)
		cap *= 2;
	size_t *slot = xmalloc(cap * sizeof *slot); /* row + 1; 0: free */
	memset(slot, 0, cap * sizeof *slot);
	double *key = xmalloc(d * sizeof *key);
	for (size_t i = 0; i < n && found < limit; i++) {
		const double *x = D->x + i * d;
		for (size_t t = 0; t < d; t++)
			key[t] = x[t] + 0.0; /* -0.0 + 0.0 is 0.0 */
		size_t j = hash_bytes(key, d * sizeof *key) & (cap - 1);
		for (; slot[j]; j = (j + 1) & (cap - 1))
			if (same_point(D->x + (slot[j] - 1) * d, x, d))
				break;
		if (!slot[j]) {
			slot[j] = i + 1;
			found++;
		}
	}
	free(key);
	free(slot);
	return found;
}

/* kmeanspp picks K starting centres: the first uniformly, each next one
 * with probability proportional to the squared distance to the nearest
 * centre so far, the best of 2 + ln k candidates (greedy k-means++). */
static void kmeanspp(const Data *D, int k, Rng *r, double *c, double *closest)
{
	size_t n = D->n, d = D->d;
	size_t first = rng_below64(r, n);
	memcpy(c, D->x + first * d, d * sizeof *c);
	for (size_t i = 0; i < n; i++)
		closest[i] = dist2(D->x + i * d, c, d);
	int trials = 2 + (int)log((double)k);
	/* Cumulative sums for sampling. */
	double *cum = xmalloc(n * sizeof *cum);
	for (int j = 1; j < k; j++) {
		double acc = 0;
		for (size_t i = 0; i < n; i++)
			cum[i] = acc += closest[i];
		size_t best_id = 0;
		double best_pot = DBL_MAX;
		for (int tr = 0; tr < trials; tr++) {
			double target = rng_unit(r) * acc;
			size_t lo = 0, hi = n - 1;
			while (lo < hi) { /* the first i with cum[i] > target */
				size_t mid = lo + (hi - lo) / 2;
				if (cum[mid] > target)
					hi = mid;
				else
					lo = mid + 1;
			}
			const double *cand = D->x + lo * d;
			double p = 0;
			for (size_t i = 0; i < n; i++) {
				double e = dist2(D->x + i * d, cand, d);
				p += e < closest[i] ? e : closest[i];
			}
			if (p < best_pot) {
				best_pot = p;
				best_id = lo;
			}
		}
		memcpy(c + (size_t)j * d, D->x + best_id * d, d * sizeof *c);
		const double *cb = c + (size_t)j * d;
		for (size_t i = 0; i < n; i++) {
			double e = dist2(D->x + i * d, cb, d);
			if (e < closest[i])
				closest[i] = e;
		}
	}
	free(cum);
}

/* assign labels every row with its nearest centre (the lowest index on a
 * tie) and, when SUMS is not NULL, adds the rows into per-cluster sums and
 * counts, chunk by chunk. Returns the inertia; *changed counts new labels. */
static double assign(const Data *D, int k, const double *c, uint32_t *label, double *mind,
		     double *sums, uint64_t *count, size_t *changed)
{
	size_t n = D->n, d = D->d;
	double inertia = 0;
	size_t ch = 0;
	double *ps = xmalloc((size_t)k * d * sizeof *ps);
	for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
		size_t c1 = c0 + CHUNK < n ? c0 + CHUNK : n;
		double part = 0;
		if (sums)
			memset(ps, 0, (size_t)k * d * sizeof *ps);
		for (size_t i = c0; i < c1; i++) {
			const double *x = D->x + i * d;
			double best = DBL_MAX;
			uint32_t bj = 0;
			for (int j = 0; j < k; j++) {
				double e = dist2(x, c + (size_t)j * d, d);
				if (e < best) {
					best = e;
					bj = (uint32_t)j;
				}
			}
			ch += label[i] != bj;
			label[i] = bj;
			if (mind)
				mind[i] = best;
			part += best;
			if (sums) {
				double *s = ps + (size_t)bj * d;
				for (size_t t = 0; t < d; t++)
					s[t] += x[t];
				count[bj]++;
			}
		}
		inertia += part;
		if (sums)
			for (size_t t = 0; t < (size_t)k * d; t++)
				sums[t] += ps[t];
	}
	free(ps);
	if (changed)
		*changed = ch;
	return inertia;
}

/* lloyd runs one k-means from the centres in F->c. */
static void lloyd(const Data *D, Fit *F, const Params *P, double *mind)
{
	size_t n = D->n, d = D->d;
	int k = F->k;
	double *sums = xmalloc((size_t)k * d * sizeof *sums);
	double *newc = xmalloc((size_t)k * d * sizeof *newc);
	uint64_t *count = xmalloc((size_t)k * sizeof *count);
	for (size_t i = 0; i < n; i++)
		F->label[i] = UINT32_MAX;
	int it;
	for (it = 0; it < P->max_iter; it++) {
		memset(sums, 0, (size_t)k * d * sizeof *sums);
		memset(count, 0, (size_t)k * sizeof *count);
		size_t changed;
		assign(D, k, F->c, F->label, mind, sums, count, &changed);
		if (changed == 0)
			break; /* the labels are stable: converged exactly */
		/* An empty cluster takes the row farthest from its centre. */
		for (int j = 0; j < k; j++) {
			if (count[j])
				continue;
			size_t far = 0;
			for (size_t i = 1; i < n; i++)
				if (mind[i] > mind[far])
					far = i;
			uint32_t from = F->label[far];
			const double *x = D->x + far * d;
			for (size_t t = 0; t < d; t++) {
				sums[(size_t)from * d + t] -= x[t];
				sums[(size_t)j * d + t] = x[t];
			}
			count[from]--;
			count[j] = 1;
			F->label[far] = (uint32_t)j;
			mind[far] = 0;
		}
		double shift = 0;
		for (int j = 0; j < k; j++)
			for (size_t t = 0; t < d; t++) {
				double v = sums[(size_t)j * d + t] / (double)count[j];
				double e = v - F->c[(size_t)j * d + t];
				shift += e * e;
				newc[(size_t)j * d + t] = v;
			}
		memcpy(F->c, newc, (size_t)k * d * sizeof *newc);
		if (shift <= P->tol) {
			it++;
			break;
		}
	}
	F->iter = it;
	/* Labels and inertia of the final centres. */
	F->inertia = assign(D, k, F->c, F->label, NULL, NULL, NULL, NULL);
	free(sums);
	free(newc);
	free(count);
}

static void fit_alloc(Fit *F, const Data *D, int k)
{
	F->k = k;
	F->c = xmalloc((size_t)k * D->d * sizeof *F->c);
	F->label = xmalloc((D->n ? D->n : 1) * sizeof *F->label);
}

static void fit_free(Fit *F)
{
	free(F->c);
	free(F->label);
}

/* kmeans keeps the run of lowest inertia of P->n_init (the first on a tie). */
static void kmeans(const Data *D, int k, const Params *P, Fit *best)
{
	Fit f;
	fit_alloc(&f, D, k);
	fit_alloc(best, D, k);
	best->inertia = DBL_MAX;
	double *mind = xmalloc(D->n * sizeof *mind);
	for (int run = 0; run < P->n_init; run++) {
		Rng r;
		rng_seed(&r, P->seed, (uint64_t)run);
		kmeanspp(D, k, &r, f.c, mind);
		lloyd(D, &f, P, mind);
		f.run = run;
		if (P->stats)
			fprintf(stderr, "crm-kmeans: k %d run %d: %d iterations, inertia %.6f\n", k, run + 1,
				f.iter, f.inertia);
		if (f.inertia < best->inertia) {
			Fit t = *best;
			*best = f;
			f = t;
		}
	}
	free(mind);
	fit_free(&f);
}

/* silhouette: the mean over rows of (b - a) / max(a, b), a the mean
 * distance to the rest of the row's cluster, b the lowest mean distance to
 * another cluster (0 for a row alone in its cluster). Over every row up to
 * LIMIT rows, else over LIMIT rows drawn with the seed (distances among the
 * drawn rows only). */
static double silhouette(const Data *D, const Fit *F, size_t limit, uint64_t seed)
{
	size_t n = D->n, d = D->d, m = n;
	size_t *idx = xmalloc(n * sizeof *idx);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (n > limit) {
		Rng r;
		rng_seed(&r, seed, 1000003);
		for (size_t i = 0; i < limit; i++) {
			size_t j = i + rng_below64(&r, n - i);
			size_t t = idx[i];
			idx[i] = idx[j];
			idx[j] = t;
		}
		m = limit;
	}
	int k = F->k;
	double *sum = xmalloc((size_t)k * sizeof *sum);
	uint64_t *cnt = xcalloc((size_t)k, sizeof *cnt);
	for (size_t a = 0; a < m; a++)
		cnt[F->label[idx[a]]]++;
	double total = 0;
	for (size_t a = 0; a < m; a++) {
		size_t i = idx[a];
		memset(sum, 0, (size_t)k * sizeof *sum);
		const double *x = D->x + i * d;
		for (size_t b = 0; b < m; b++)
			sum[F->label[idx[b]]] += sqrt(dist2(x, D->x + idx[b] * d, d));
		uint32_t own = F->label[i];
		if (cnt[own] < 2)
			continue;
		double ai = sum[own] / (double)(cnt[own] - 1), bi = DBL_MAX;
		for (int j = 0; j < k; j++)
			if ((uint32_t)j != own && cnt[j] && sum[j] / (double)cnt[j] < bi)
				bi = sum[j] / (double)cnt[j];
		if (bi == DBL_MAX)
			continue;
		double mx = ai > bi ? ai : bi;
		total += mx > 0 ? (bi - ai) / mx : 0;
	}
	free(idx);
	free(sum);
	free(cnt);
	return total / (double)m;
}

/* ---- naming and ordering clusters ---- */

typedef struct {
	uint64_t size;
	double *zmean;     /* mean standardized features */
	double *mean, *median;  /* features as read */
	double value;      /* zF + zM - zR when named by RFM */
	char *name;        /* owned */
	int old;           /* the run's cluster index */
} Cluster;

static int rfm_col[3]; /* feature index of recency, frequency, monetary, or -1 */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static const Data *sortD;

static int cmp_cluster(const void *a, const void *b)
{
	const Cluster *x = a, *y = b;
	if (rfm_col[0] >= 0 && x->value != y->value)
		return x->value > y->value ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	for (size_t t = 0; t < sortD->d; t++)
		if (x->zmean[t] != y->zmean[t])
			return x->zmean[t] < y->zmean[t] ? -1 : 1;
	return x->old - y->old;
}

/* describe renumbers the clusters (1 = best by the naming rule, or the
 * largest) and names them by the kmeans.name.* rules of KR; returns the clusters in their new order (owned
 * by the caller, clusters_free) and rewrites F's labels to the new numbers
 * (0-based). A cluster with no row is dropped, said on standard error, and
 * F->k becomes the number kept. */
static Cluster *describe(const Data *D, Fit *F, const KmeansRules *kr)
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
		if (rfm_col[0] >= 0)
			c->value = c->zmean[rfm_col[1]] + c->zmean[rfm_col[2]] - c->zmean[rfm_col[0]];
	}
	free(v);
	sortD = D;
	qsort(cl, (size_t)k, sizeof *cl, cmp_cluster);
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
		if (rfm_col[0] < 0) {
			size = strlen(kr->name_other) + 16;
			c->name = xmalloc(size);
			snprintf(c->name, size, "%s %d", kr->name_other, j + 1);
			continue;
		}
		int recent = c->zmean[rfm_col[0]] <= recent_z;
		int engaged = c->zmean[rfm_col[1]] + c->zmean[rfm_col[2]] > engaged_z;
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

/* ---- writing ---- */

static void put_num(Out *o, double v)
{
	char b[64];
	int n = snprintf(b, sizeof b, "%.6g", v);
	out_write(o, b, (size_t)n);
}

static void put_fix(Out *o, double v, int dec)
{
	char b[64];
	if (fabs(v) < 0.5 * pow(10, -dec))
		v = 0; /* no "-0.00" */
	int n = snprintf(b, sizeof b, "%.*f", dec, v);
	out_write(o, b, (size_t)n);
}

static void write_rows(Out *o, const Data *D, const Fit *F, const Cluster *cl)
{
	out_str(o, D->header);
	out_str(o, "\tcluster\tcluster_name\n");
	for (size_t i = 0; i < D->n; i++) {
		out_write(o, D->text + D->off[i], D->off[i + 1] - D->off[i]);
		out_char(o, '\t');
		out_u64(o, F->label[i] + 1);
		out_char(o, '\t');
		out_str(o, cl[F->label[i]].name);
		out_char(o, '\n');
	}
}

static void write_profile(Out *o, const Data *D, const Fit *F, const Cluster *cl)
{
	out_str(o, "cluster\tcluster_name\tcustomers\tshare");
	for (size_t t = 0; t < D->d; t++) {
		out_str(o, "\tmean_");
		out_str(o, D->names[t]);
		out_str(o, "\tmedian_");
		out_str(o, D->names[t]);
	}
	out_char(o, '\n');
	for (int j = 0; j < F->k; j++) {
		out_u64(o, (uint64_t)j + 1);
		out_char(o, '\t');
		out_str(o, cl[j].name);
		out_char(o, '\t');
		out_u64(o, cl[j].size);
		out_char(o, '\t');
		put_fix(o, (double)cl[j].size / (double)D->n, 4);
		for (size_t t = 0; t < D->d; t++) {
			out_char(o, '\t');
			put_fix(o, cl[j].mean[t], 2);
			out_char(o, '\t');
			put_fix(o, cl[j].median[t], 2);
		}
		out_char(o, '\n');
	}
}

typedef struct {
	int k;
	double inertia, sil;
} ElbowRow;

static void write_elbow(Out *o, const ElbowRow *e, int n)
{
	out_str(o, "k\tinertia\tsilhouette\n");
	for (int i = 0; i < n; i++) {
		out_u64(o, (uint64_t)e[i].k);
		out_char(o, '\t');
		put_fix(o, e[i].inertia, 4);
		out_char(o, '\t');
		put_fix(o, e[i].sil, 4);
		out_char(o, '\n');
	}
}

typedef struct {
	uint64_t h;
	size_t i;
} Pick;

static int cmp_pick(const void *a, const void *b)
{
	const Pick *x = a, *y = b;
	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return (x->i > y->i) - (x->i < y->i);
}

static void write_json(Out *o, const Data *D, const Fit *F, const Cluster *cl, const Params *P,
		       const ElbowRow *e, int ne)
{
	out_str(o, "{\"schema\":\"crm-kmeans/1\",\"generator\":\"crm-kmeans " CRM_VERSION "\",\"rows\":");
	out_u64(o, D->n);
	out_str(o, ",\"k\":");
	out_u64(o, (uint64_t)F->k);
	out_str(o, ",\"features\":[");
	for (size_t t = 0; t < D->d; t++) {
		if (t)
			out_char(o, ',');
		json_cstr(o, D->names[t]);
	}
	out_str(o, "],\"log1p\":");
	out_str(o, D->log1p ? "true" : "false");
	out_str(o, ",\"seed\":");
	out_u64(o, P->seed);
	out_str(o, ",\"n_init\":");
	out_u64(o, (uint64_t)P->n_init);
	out_str(o, ",\"inertia\":");
	put_fix(o, F->inertia, 4);
	out_str(o, ",\"clusters\":[");
	for (int j = 0; j < F->k; j++) {
		out_str(o, j ? ",\n{\"cluster\":" : "\n{\"cluster\":");
		out_u64(o, (uint64_t)j + 1);
		out_str(o, ",\"name\":");
		json_cstr(o, cl[j].name);
		out_str(o, ",\"customers\":");
		out_u64(o, cl[j].size);
		out_str(o, ",\"share\":");
		put_fix(o, (double)cl[j].size / (double)D->n, 4);
		static const char *const what[3] = { "mean", "median", "z_mean" };
		for (int w = 0; w < 3; w++) {
			out_str(o, ",\"");
			out_str(o, what[w]);
			out_str(o, "\":{");
			for (size_t t = 0; t < D->d; t++) {
				if (t)
					out_char(o, ',');
				json_cstr(o, D->names[t]);
				out_char(o, ':');
				put_fix(o, w == 0 ? cl[j].mean[t] : w == 1 ? cl[j].median[t] : cl[j].zmean[t],
					w == 2 ? 4 : 2);
			}
			out_char(o, '}');
		}
		out_char(o, '}');
	}
	out_str(o, "],\"elbow\":[");
	for (int i = 0; i < ne; i++) {
		out_str(o, i ? ",{\"k\":" : "{\"k\":");
		out_u64(o, (uint64_t)e[i].k);
		out_str(o, ",\"inertia\":");
		put_fix(o, e[i].inertia, 4);
		out_str(o, ",\"silhouette\":");
		put_fix(o, e[i].sil, 4);
		out_char(o, '}');
	}
	/* A sample for the scatter: the rows of the smallest hashes of their
	 * text, so it never depends on input order. */
	Pick *p = xmalloc((D->n ? D->n : 1) * sizeof *p);
	for (size_t i = 0; i < D->n; i++)
		p[i] = (Pick){ hash_bytes(D->text + D->off[i], D->off[i + 1] - D->off[i]), i };
	qsort(p, D->n, sizeof *p, cmp_pick);
	size_t np = D->n < SAMPLE ? D->n : SAMPLE;
	out_str(o, "],\"points\":[");
	for (size_t s = 0; s < np; s++) {
		size_t i = p[s].i;
		out_str(o, s ? ",[" : "[");
		for (size_t t = 0; t < D->d; t++) {
			put_num(o, D->raw[i * D->d + t]);
			out_char(o, ',');
		}
		out_u64(o, F->label[i] + 1);
		out_char(o, ']');
	}
	free(p);
	out_str(o, "]}\n");
}

static void data_free(Data *D)
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

static void clusters_free(Cluster *cl, int k)
{
	for (int j = 0; j < k; j++) {
		free(cl[j].zmean);
		free(cl[j].mean);
		free(cl[j].median);
		free(cl[j].name);
	}
	free(cl);
}

/* ---- options ---- */

/* A --tol: the value, and whether it was given. */
typedef struct {
	double v;
	int given;
} OptTol;

/* opt_tol reads --tol T, a finite number >= 0, into the OptTol at DST. */
static const char *opt_tol(const char *s, void *dst)
{
	OptTol *t = dst;
	char *end;
	t->v = strtod(s, &end);
	if (*end || !(t->v >= 0) || !isfinite(t->v))
		return "is not a number >= 0";
	t->given = 1;
	return NULL;
}

/* opt_elbow reads --elbow LO-HI (or LO..HI), 1 <= LO <= HI <= 1000, into
 * the two ints at DST. */
static const char *opt_elbow(const char *s, void *dst)
{
	int *k = dst, used = 0;
	if (sscanf(s, "%d-%d%n", &k[0], &k[1], &used) != 2 || s[used] || k[0] < 1 || k[1] < k[0] ||
	    k[1] > 1000)
		if (sscanf(s, "%d..%d%n", &k[0], &k[1], &used) != 2 || s[used] || k[0] < 1 || k[1] < k[0] ||
		    k[1] > 1000)
			return "is not a range of k such as 2-8";
	return NULL;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *features = NULL;
	OptTol tol = { 0, 0 };
	int elbow_k[2] = { 0, 0 };
	OptUint k_o = { 1, 1000, 0, 0 }, ninit_o = { 1, 1000, 0, 0 }, iter_o = { 1, 1000000, 0, 0 };
	OptUint seed_o = { 0, 4294967295u, 0, 0 };
	int log1p_opt = -1, profile = 0, json = 0;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ NULL, 'k', "K", opt_uint, &k_o, 0, "clusters (kmeans.k)" },
		{ "features", 0, "LIST", opt_str, &features, 0, "comma-separated numeric columns (kmeans.features)" },
		{ "log1p", 0, NULL, NULL, &log1p_opt, 1, "take log(1 + x) of the features (kmeans.log1p)" },
		{ "no-log1p", 0, NULL, NULL, &log1p_opt, 0, "use the features as they are" },
		{ "seed", 0, "S", opt_uint, &seed_o, 0, "the seed (kmeans.seed)" },
		{ "n-init", 0, "N", opt_uint, &ninit_o, 0, "runs from different starts; the best is kept (kmeans.n_init)" },
		{ "max-iter", 0, "N", opt_uint, &iter_o, 0, "iterations of one run at most (kmeans.max_iter)" },
		{ "tol", 0, "T", opt_tol, &tol, 0, "stop when centres move less than this (kmeans.tol)" },
		{ "profile", 0, NULL, NULL, &profile, 1, "write a profile per cluster instead of the rows" },
		{ "elbow", 0, "LO-HI", opt_elbow, elbow_k, 0, "write inertia and silhouette for every k from LO to HI" },
		{ "json", 0, NULL, NULL, &json, 1, "write the document crm-report reads" },
		OPT_STATS(&c, "report each run's iterations and inertia on stderr"),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	int elbow = elbow_k[1] > 0, elo = elbow_k[0], ehi = elbow_k[1];
	if (argc - first > 1)
		usage_fail(usage_text, "one input at most");
	if (profile && (json || elbow))
		usage_fail(usage_text, "--profile goes alone; --json holds the profile");
	RulesCache rc;
	rules_cache_open(&rc, c.rules);
	const KmeansRules *kr = &rc.kmeans;
	Params P = { 0 };
	P.stats = c.stats;
	int k = k_o.given ? (int)k_o.v : kr->k;
	P.n_init = ninit_o.given ? (int)ninit_o.v : kr->n_init;
	P.max_iter = iter_o.given ? (int)iter_o.v : kr->max_iter;
	P.seed = seed_o.given ? seed_o.v : kr->seed;
	P.tol = tol.given ? tol.v : (double)kr->tol / 1e6;
	size_t sil_limit = kr->silhouette_sample;

	Data D = { 0 };
	D.log1p = log1p_opt >= 0 ? log1p_opt : kr->log1p;
	char **feat;
	size_t nfeat;
	if (features) {
		char *copy = xstrdup(features);
		nfeat = 0;
		feat = xmalloc((strlen(features) / 2 + 2) * sizeof *feat);
		for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			feat[nfeat++] = xstrdup(tok);
		feat[nfeat] = NULL;
		free(copy);
	} else {
		nfeat = kr->nfeatures;
		feat = xmalloc((nfeat + 1) * sizeof *feat);
		for (size_t i = 0; i < nfeat; i++)
			feat[i] = xstrdup(kr->features[i]);
		feat[nfeat] = NULL;
	}
	if (nfeat == 0)
		usage_fail(usage_text, "--features: no feature columns");
	for (size_t i = 0; i < nfeat; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(feat[i], feat[j]) == 0)
				usage_fail(usage_text, "--features: '%s' is named twice", feat[i]);
	rfm_col[0] = rfm_col[1] = rfm_col[2] = -1;
	static const char *const rfm_names[3] = { "recency", "frequency", "monetary" };
	for (int m = 0; m < 3; m++)
		for (size_t i = 0; i < nfeat; i++)
			if (strcmp(feat[i], rfm_names[m]) == 0)
				rfm_col[m] = (int)i;
	if (rfm_col[0] < 0 || rfm_col[1] < 0 || rfm_col[2] < 0)
		rfm_col[0] = -1;

	Out o;
	out_create(&o, c.output);
	const char *path = first < argc ? argv[first] : "-";
	read_data(&D, path, feat, nfeat);
	if (D.has_cluster_col && !profile && !json && !elbow)
		die("%s: the input has a 'cluster' or 'cluster_name' column already", D.name);
	/* The largest k asked for: the elbow's, and k itself unless the elbow
	 * table is all that is written. */
	int kmax = elbow && (ehi > k || !json) ? ehi : k;
	if ((size_t)kmax > D.n)
		die("%s: k = %d clusters need at least %d rows; there are %zu", D.name, kmax, kmax, D.n);
	standardize(&D);
	/* Rows equal in every feature are one point: k-means cannot make more
	 * clusters than there are points, so k comes down to their number. */
	size_t nd = distinct(&D, (size_t)kmax);
	if (elbow && (size_t)ehi > nd) {
		if ((size_t)elo > nd)
			warn("%s: only %zu distinct point%s: --elbow %d-%d has no k to try", D.name, nd,
			     nd == 1 ? "" : "s", elo, ehi);
		else
			warn("%s: only %zu distinct point%s: --elbow %d-%d stops at k = %zu", D.name, nd,
			     nd == 1 ? "" : "s", elo, ehi, nd);
		ehi = (int)nd;
	}
	if ((json || !elbow) && (size_t)k > nd) {
		warn("%s: only %zu distinct point%s: k reduced from %d to %zu", D.name, nd, nd == 1 ? "" : "s",
		     k, nd);
		k = (int)nd;
	}

	ElbowRow *er = NULL;
	int ne = 0;
	if (elbow) {
		er = xmalloc((size_t)(ehi >= elo ? ehi - elo + 1 : 1) * sizeof *er);
		for (int kk = elo; kk <= ehi; kk++) {
			Fit f;
			kmeans(&D, kk, &P, &f);
			er[ne++] = (ElbowRow){ kk, f.inertia, kk > 1 ? silhouette(&D, &f, sil_limit, P.seed) : 0 };
			fit_free(&f);
		}
		if (!json) {
			write_elbow(&o, er, ne);
			out_close(&o);
			free(er);
			data_free(&D);
			rules_list_free(feat);
			rules_cache_close(&rc);
			return 0;
		}
	}
	Fit best;
	kmeans(&D, k, &P, &best);
	Cluster *cl = describe(&D, &best, kr);
	if (c.stats)
		fprintf(stderr, "crm-kmeans: %zu rows, k %d: best of %d runs is run %d, %d iterations, "
			"inertia %.6f\n", D.n, k, P.n_init, best.run + 1, best.iter, best.inertia);
	if (profile)
		write_profile(&o, &D, &best, cl);
	else if (json)
		write_json(&o, &D, &best, cl, &P, er, ne);
	else
		write_rows(&o, &D, &best, cl);
	out_close(&o);
	clusters_free(cl, best.k);
	fit_free(&best);
	free(er);
	data_free(&D);
	rules_list_free(feat);
	rules_cache_close(&rc);
	return 0;
}
