/* crm-rfm: exact quantile thresholds across hash partitions, in two phases.
 *
 * A quantile threshold needs every customer's value, but not the customers:
 * --values writes, per brand and measure, each distinct value with its
 * count of scored customers (a partition's sufficient statistics);
 * --combine sums the counts of every partition and writes each brand's
 * thresholds at the same nearest ranks score.c takes; --cuts then scores a
 * partition against those thresholds instead of its own quantiles, so the
 * partitions' rows are the rows of one run over all of them. Each file
 * carries the rules fingerprint, and a reader refuses another's. */
#include "rfm.h"
#include "money.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One distinct value of a brand's measure and its customers. */
typedef struct {
	uint32_t brand;
	int m;
	int64_t v;
	uint64_t n;
} Count;

/* cmp_count orders counts by brand, measure and value, for qsort. */
static int cmp_count(const void *a, const void *b)
{
	const Count *x = a, *y = b;
	if (x->brand != y->brand)
		return (x->brand > y->brand) - (x->brand < y->brand);
	if (x->m != y->m)
		return x->m - y->m;
	return (x->v > y->v) - (x->v < y->v);
}

/* put_value writes V, a value of measure M, in its unit. */
static void put_value(const Ctx *X, Out *o, int m, int64_t v)
{
	char b[32];
	if (m == M_M)
		out_write(o, b, fixed_fmt(b, v, X->decimals));
	else
		out_i64(o, v);
}

/* parse_value reads field COL of T's row as a value of measure M; dies
 * naming file, line, field and value when it is not one. */
static int64_t parse_value(const Ctx *X, const Tsv *t, int col, int m, const char *p, size_t n)
{
	int64_t v;
	const char *why = m == M_M ? fixed_parse(p, n, X->decimals, &v) : int_parse(p, n, &v);
	if (why)
		tsv_fail(t, col, why);
	return v;
}

/* measure_of returns the measure named by field COL of T's row. */
static int measure_of(const Tsv *t, int col)
{
	for (int m = 0; m < 3; m++)
		if (field_eq(t->f[col], measure_name[m], strlen(measure_name[m])))
			return m;
	tsv_fail(t, col, "is not recency, frequency or monetary");
}

/* open_partial opens PATH, a file of --values or --combine, checks that
 * its rules fingerprint is this run's and that it agrees with the files
 * before it on the brand column; returns the brand column or -1. */
static int open_partial(Ctx *X, Tsv *t, const char *path)
{
	tsv_open(t, path);
	int bi = tsv_col(t, "brand");
	if (X->has_brand < 0)
		X->has_brand = bi >= 0;
	else if (X->has_brand != (bi >= 0))
		die("%s: %s a brand column, unlike the files before it", t->name, bi >= 0 ? "has" : "lacks");
	return bi;
}

/* check_id dies unless field COL of T's row is the rules fingerprint ID. */
static void check_id(const Tsv *t, int col, const char *id)
{
	if (!field_eq(t->f[col], id, 16))
		tsv_fail(t, col, "is the fingerprint of other rules than this run's (give each phase the "
			 "same --rules)");
}

void write_values(const Ctx *X, Out *o, const uint32_t *order)
{
	char id[17];
	rules_id(X->rules, id);
	put_header(X, o, "measure\tvalue\tcustomers\trules_id\n");
	int64_t *v = NULL;
	size_t cap = 0;
	for (size_t bi = 0; bi < X->nbr; bi++) {
		const Brand *b = &X->br[order[bi]];
		if (b->n > cap) {
			cap = b->n;
			v = xrealloc(v, cap * sizeof *v);
		}
		for (int m = 0; m < 3; m++) {
			for (size_t i = 0; i < b->n; i++)
				v[i] = measure(&X->cust[b->idx[i]], m);
			qsort(v, b->n, sizeof *v, cmp_i64);
			for (size_t i = 0, j; i < b->n; i = j) {
				for (j = i + 1; j < b->n && v[j] == v[i]; j++)
					;
				if (X->has_brand) {
					out_write(o, b->name, b->name_n);
					out_char(o, '\t');
				}
				out_str(o, measure_name[m]);
				out_char(o, '\t');
				put_value(X, o, m, v[i]);
				out_char(o, '\t');
				out_u64(o, j - i);
				out_char(o, '\t');
				out_write(o, id, 16);
				out_char(o, '\n');
			}
		}
	}
	free(v);
}

/* warn_empty says which scores of brand B's measure M no customer gets,
 * as score.c does for one run: equal values share a score. C[0..N) are the
 * measure's counts in value order, TOTAL their sum. */
static void warn_empty(const Brand *b, int m, const int64_t *thr, const Count *c, size_t n, uint64_t total)
{
	if (total < (uint64_t)b->r->bins)
		return;
	uint64_t cnt[MAXBINS + 1] = { 0 };
	for (size_t i = 0; i < n; i++) {
		int above = 0;
		for (int k = 0; k < b->r->bins - 1; k++)
			above += c[i].v > thr[k];
		cnt[m == M_R ? b->r->bins - above : 1 + above] += c[i].n;
	}
	warn_empty_scores(b, m, cnt);
}

void combine_values(Ctx *X, Out *o, char **paths, int npaths)
{
	char id[17];
	rules_id(X->rules, id);
	Count *c = NULL;
	size_t n = 0, cap = 0;
	for (int f = 0; f < npaths; f++) {
		Tsv t;
		int bi = open_partial(X, &t, paths[f]);
		int mi = tsv_need(&t, "measure", "crm-rfm --values"), vi = tsv_need(&t, "value", "crm-rfm --values");
		int ni = tsv_need(&t, "customers", "crm-rfm --values"), ii = tsv_need(&t, "rules_id", "crm-rfm --values");
		while (tsv_next(&t)) {
			check_id(&t, ii, id);
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				c = xrealloc(c, cap * sizeof *c);
			}
			Count *e = &c[n++];
			e->brand = brand_of(X, bi >= 0 ? t.f[bi].p : "", bi >= 0 ? t.f[bi].n : 0);
			e->m = measure_of(&t, mi);
			e->v = parse_value(X, &t, vi, e->m, t.f[vi].p, t.f[vi].n);
			int64_t k;
			if (int_parse(t.f[ni].p, t.f[ni].n, &k) || k < 1)
				tsv_fail(&t, ni, "is not a count of customers from 1");
			e->n = (uint64_t)k;
		}
		tsv_close(&t);
	}
	if (X->has_brand < 0)
		die("no files of crm-rfm --values to combine");
	qsort(c, n, sizeof *c, cmp_count);
	/* Equal values of several partitions become one. */
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w && cmp_count(&c[w - 1], &c[i]) == 0) {
			if (c[w - 1].n + c[i].n < c[i].n)
				die("more than 2^64 customers");
			c[w - 1].n += c[i].n;
		} else {
			c[w++] = c[i];
		}
	}
	n = w;
	uint32_t *order = xmalloc((X->nbr ? X->nbr : 1) * sizeof *order);
	for (size_t i = 0; i < X->nbr; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, X->nbr, sizeof *order, cmp_brand, X);
	put_header(X, o, "measure\tcustomers\tcuts\trules_id\n");
	for (size_t bi = 0; bi < X->nbr; bi++) {
		const Brand *b = &X->br[order[bi]];
		for (int m = 0; m < 3; m++) {
			if (!b->r->quantile[m])
				continue;
			/* This brand's counts of measure M, in value order. */
			size_t lo = 0;
			while (lo < n && (c[lo].brand != order[bi] || c[lo].m != m))
				lo++;
			size_t hi = lo;
			uint64_t total = 0;
			while (hi < n && c[hi].brand == order[bi] && c[hi].m == m)
				total += c[hi++].n;
			/* Nearest rank, as score.c: threshold k is the value at rank
			 * ceil(k n / bins). */
			int64_t thr[MAXBINS] = { 0 };
			size_t j = lo;
			uint64_t below = 0;   /* customers of the values before c[j] */
			for (int k = 1; k < b->r->bins && total; k++) {
				unsigned __int128 r = ((unsigned __int128)k * total + (unsigned)b->r->bins - 1) /
						      (unsigned)b->r->bins;
				uint64_t rank = r ? (uint64_t)r : 1;
				while (below + c[j].n < rank)
					below += c[j++].n;
				thr[k - 1] = c[j].v;
			}
			warn_empty(b, m, thr, c + lo, hi - lo, total);
			if (X->has_brand) {
				out_write(o, b->name, b->name_n);
				out_char(o, '\t');
			}
			out_str(o, measure_name[m]);
			out_char(o, '\t');
			out_u64(o, total);
			out_char(o, '\t');
			for (int k = 0; k < b->r->bins - 1; k++) {
				if (k)
					out_char(o, ',');
				put_value(X, o, m, thr[k]);
			}
			out_char(o, '\t');
			out_write(o, id, 16);
			out_char(o, '\n');
		}
	}
	free(order);
	free(c);
}

void read_cuts(Ctx *X, const char *path)
{
	char id[17];
	rules_id(X->rules, id);
	Tsv t;
	int bi = open_partial(X, &t, path);
	int mi = tsv_need(&t, "measure", "crm-rfm --combine"), ci = tsv_need(&t, "cuts", "crm-rfm --combine");
	int ii = tsv_need(&t, "rules_id", "crm-rfm --combine");
	while (tsv_next(&t)) {
		check_id(&t, ii, id);
		uint32_t bx = brand_of(X, bi >= 0 ? t.f[bi].p : "", bi >= 0 ? t.f[bi].n : 0);
		Brand *b = &X->br[bx];   /* brand_of may move X->br */
		int m = measure_of(&t, mi);
		if (!b->r->quantile[m])
			tsv_fail(&t, mi, "has cut points in the rules, not quantiles");
		if (b->given & (1u << m))
			tsv_fail(&t, mi, "is given twice for this brand");
		const char *p = t.f[ci].p, *end = p + t.f[ci].n;
		int k = 0;
		for (;;) {
			const char *comma = memchr(p, ',', (size_t)(end - p));
			const char *e = comma ? comma : end;
			if (k == b->r->bins - 1)
				tsv_fail(&t, ci, "has more cut points than rfm.bins - 1");
			int64_t v = parse_value(X, &t, ci, m, p, (size_t)(e - p));
			if (k && v < b->given_thr[m][k - 1])
				tsv_fail(&t, ci, "is not in ascending order");
			b->given_thr[m][k++] = v;
			if (!comma)
				break;
			p = comma + 1;
		}
		if (k != b->r->bins - 1)
			tsv_fail(&t, ci, "has fewer cut points than rfm.bins - 1");
		b->given |= 1u << m;
	}
	tsv_close(&t);
	X->cuts_given = 1;
}
