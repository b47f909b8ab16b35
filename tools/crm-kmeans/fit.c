/* crm-kmeans: k-means: k-means++ starts, Lloyd iterations, the best of
 * n_init runs. */
#include "kmeans.h"
#include "hash.h"
#include "rng.h"
#include "util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
size_t distinct(const Data *D, size_t limit)
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

/* fit_alloc sizes F for K centres and D's rows. */
static void fit_alloc(Fit *F, const Data *D, int k)
{
	F->k = k;
	F->c = xmalloc((size_t)k * D->d * sizeof *F->c);
	F->label = xmalloc((D->n ? D->n : 1) * sizeof *F->label);
}

void fit_free(Fit *F)
{
	free(F->c);
	free(F->label);
}

/* kmeans keeps the run of lowest inertia of P->n_init (the first on a tie). */
void kmeans(const Data *D, int k, const Params *P, Fit *best)
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
