/* crm-kmeans: the elbow table: inertia and silhouette per k. */
#include "kmeans.h"
#include "rng.h"
#include "util.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* silhouette: the mean over rows of (b - a) / max(a, b), a the mean
 * distance to the rest of the row's cluster, b the lowest mean distance to
 * another cluster (0 for a row alone in its cluster). Over every row up to
 * LIMIT rows, else over LIMIT rows drawn with the seed (distances among the
 * drawn rows only). */
double silhouette(const Data *D, const Fit *F, size_t limit, uint64_t seed)
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

void write_elbow(Out *o, const ElbowRow *e, int n)
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
