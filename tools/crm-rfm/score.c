/* crm-rfm: folding each customer's records, and scoring each brand. */
#include "rfm.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const measure_name[3] = { "recency", "frequency", "monetary" };

/* cmp_when orders records by when, for qsort. */
static int cmp_when(const void *a, const void *b)
{
	int32_t x = ((const Rec *)a)->when, y = ((const Rec *)b)->when;
	return (x > y) - (x < y);
}

int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* fold groups the records by customer and computes recency, frequency and
 * monetary over each customer's brand period. */
void fold(Ctx *X)
{
	/* Group the records by customer in place, with no second copy: first
	 * into at most 256 blocks of customers (few write cursors, which stay
	 * in cache), then each block, small enough for the cache, by customer.
	 * Each pass is a counting sort moving every record straight to its
	 * room. */
	uint32_t *start = xcalloc(X->ncust + 1, sizeof *start);
	for (size_t i = 0; i < X->nrec; i++)
		start[X->rec[i].cust + 1]++;
	for (size_t c = 0; c < X->ncust; c++)
		start[c + 1] += start[c];
	Rec *g = X->rec;
	X->rec = NULL;
	int shift = 0;
	while ((X->ncust >> shift) >= 256)
		shift++;
	uint32_t nblk = (uint32_t)(X->ncust >> shift) + 1;
	uint32_t bstart[257], bnext[257];
	for (uint32_t b = 0; b <= nblk; b++) {
		uint64_t c = (uint64_t)b << shift;
		bstart[b] = start[c < X->ncust ? c : X->ncust];
	}
	memcpy(bnext, bstart, sizeof bnext);
	for (uint32_t b = 0; b < nblk; b++)
		while (bnext[b] < bstart[b + 1]) {
			Rec r = g[bnext[b]];
			while (r.cust >> shift != b) {
				uint32_t d = r.cust >> shift;
				Rec t = g[bnext[d]];
				g[bnext[d]++] = r;
				r = t;
			}
			g[bnext[b]++] = r;
		}
	uint32_t *next = xmalloc((X->ncust + 1) * sizeof *next);
	memcpy(next, start, (X->ncust + 1) * sizeof *next);
	for (uint32_t c = 0; c < X->ncust; c++)
		while (next[c] < start[c + 1]) {
			Rec r = g[next[c]];
			while (r.cust != c) {
				Rec t = g[next[r.cust]];
				g[next[r.cust]++] = r;
				r = t;
			}
			g[next[c]++] = r;
		}
	free(next);
	int32_t as_of_mon = month_of_day(X->as_of);
	for (size_t c = 0; c < X->ncust; c++) {
		Cust *u = &X->cust[c];
		const Brand *b = &X->br[u->brand];
		uint32_t lo = start[c], hi = start[c + 1];
		/* Days of one customer: sort to count distinct purchase days. */
		if (!X->monthly && hi - lo > 1)
			qsort(g + lo, hi - lo, sizeof *g, cmp_when);
		int32_t first = X->as_of - b->r->period_days; /* the period is (first, as_of] */
		int32_t prev_day = INT32_MIN;
		for (uint32_t i = lo; i < hi; i++) {
			if (X->monthly) {
				int32_t mon = g[i].when >> 5;
				if (mon <= as_of_mon - b->r->period_months || mon > as_of_mon)
					continue;
				u->freq += (uint32_t)(g[i].when & 31);
			} else {
				int32_t day = g[i].when >> 1;
				if ((g[i].when & 1) && day > u->last)
					u->last = day;
				if ((g[i].when & 1) && day < u->first)
					u->first = day;
				if (day <= first)
					continue;
				if ((g[i].when & 1) && day != prev_day) {
					u->freq++;
					prev_day = day;
				}
			}
			if (add_check(&u->mon, g[i].amount))
				die("the monetary value of customer '%.*s' overflows 64 bits", (int)u->key_n, key_of(X, u));
		}
		if (u->freq && u->last == INT32_MIN)
			die("customer '%.*s' has orders but no last_date", (int)u->key_n, key_of(X, u));
		if (u->freq)
			u->recency = X->as_of - u->last;
	}
	free(start);
	free(g);
}

int64_t measure(const Cust *u, int m)
{
	return m == M_R ? u->recency : m == M_F ? (int64_t)u->freq : u->mon;
}

/* score: higher is better; a value at or below threshold k is in bin k
 * (the thresholds are inclusive upper bounds); recency counts in reverse. */
static int score(const Brand *b, int m, int64_t v)
{
	int above = 0;
	for (int k = 0; k < b->r->bins - 1; k++)
		above += v > b->thr[m][k];
	return m == M_R ? b->r->bins - above : 1 + above;
}

int cmp_key(const void *a, const void *b, void *ctx)
{
	const Ctx *X = ctx;
	const Cust *x = &X->cust[*(const uint32_t *)a], *y = &X->cust[*(const uint32_t *)b];
	size_t n = x->key_n < y->key_n ? x->key_n : y->key_n;
	int c = memcmp(key_of(X, x), key_of(X, y), n);
	if (c)
		return c;
	return (x->key_n > y->key_n) - (x->key_n < y->key_n);
}

/* warn_empty_scores warns which scores 1..bins of brand B's measure M no
 * customer gets, given CNT[score], the customers per score: equal values
 * share a score. */
void warn_empty_scores(const Brand *b, int m, const uint64_t *cnt)
{
	char list[64];
	size_t len = 0;
	for (int sc = 1; sc <= b->r->bins; sc++)
		if (!cnt[sc])
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", len ? ", " : "", sc);
	if (len)
		warn("%s%.*s%s%s: no customer scores %s; equal values share a score (see --thresholds)",
		     b->name ? "brand " : "", (int)b->name_n, b->name ? b->name : "", b->name ? ": " : "",
		     measure_name[m], list);
}

/* score_brand sets brand B's thresholds (quantiles of its customers, or
 * its cut points) and each customer's scores and segment. */
static void score_brand(Ctx *X, Brand *b)
{
	for (int m = 0; m < 3 && X->cuts_given && b->n; m++)
		if (b->r->quantile[m] && !(b->given & (1u << m)))
			die("the cut points have no %s thresholds for %s%.*s", measure_name[m],
			    b->name ? "brand " : "the customers", (int)b->name_n, b->name ? b->name : "");
	int64_t *v = xmalloc((b->n ? b->n : 1) * sizeof *v);
	for (int m = 0; m < 3; m++) {
		if (!b->r->quantile[m]) {
			memcpy(b->thr[m], b->r->cut[m], sizeof b->r->cut[m]);
			continue;
		}
		if (X->cuts_given) {
			/* --cuts: the thresholds of every partition's customers. */
			memcpy(b->thr[m], b->given_thr[m], sizeof b->given_thr[m]);
			continue;
		}
		for (size_t i = 0; i < b->n; i++)
			v[i] = measure(&X->cust[b->idx[i]], m);
		qsort(v, b->n, sizeof *v, cmp_i64);
		/* Nearest rank: threshold k is the value at rank ceil(k n / bins). */
		for (int k = 1; k < b->r->bins; k++) {
			size_t rank = (size_t)(((uint64_t)k * b->n + (uint64_t)b->r->bins - 1) / (uint64_t)b->r->bins);
			b->thr[m][k - 1] = b->n ? v[rank ? rank - 1 : 0] : 0;
		}
	}
	free(v);
	for (size_t i = 0; i < b->n; i++) {
		Cust *u = &X->cust[b->idx[i]];
		for (int m = 0; m < 3; m++)
			u->score[m] = (uint8_t)score(b, m, measure(u, m));
		size_t s = 0;
		for (; s < b->r->nseg; s++) {
			const RfmSegment *g = &b->r->seg[s];
			int ok = 1;
			for (int m = 0; m < 3; m++)
				ok &= u->score[m] >= g->lo[m] && u->score[m] <= g->hi[m];
			if (ok)
				break;
		}
		/* crm-rules makes the last segment take every score. */
		u->seg = (uint8_t)(s < b->r->nseg ? s : b->r->nseg - 1);
	}
	/* Returns above purchases in the period leave monetary below 0: such a
	 * customer is scored like any other (monetary sorts lowest), and said. */
	for (size_t i = 0; i < b->n; i++)
		b->net_negative += X->cust[b->idx[i]].mon < 0;
	if (b->net_negative)
		warn("%s%.*s%s%zu customer%s a net-negative monetary value (returns above purchases in "
		     "the period); they rank lowest on monetary", b->name ? "brand " : "", (int)b->name_n,
		     b->name ? b->name : "", b->name ? ": " : "", b->net_negative,
		     b->net_negative == 1 ? " has" : "s have");
	/* Quantile scores left empty by ties are said, not silent. */
	for (int m = 0; m < 3; m++) {
		/* For partitions, crm-rfm --combine says it of all of them. */
		if (!b->r->quantile[m] || X->cuts_given || X->values_only || b->n < (size_t)b->r->bins)
			continue;
		uint64_t cnt[MAXBINS + 1] = { 0 };
		for (size_t i = 0; i < b->n; i++)
			cnt[X->cust[b->idx[i]].score[m]]++;
		warn_empty_scores(b, m, cnt);
	}
}

void score_all(Ctx *X)
{
	for (size_t c = 0; c < X->ncust; c++)
		if (X->cust[c].freq)
			X->br[X->cust[c].brand].n++;
	for (size_t i = 0; i < X->nbr; i++) {
		X->br[i].idx = xmalloc((X->br[i].n ? X->br[i].n : 1) * sizeof *X->br[i].idx);
		X->br[i].n = 0;
	}
	for (size_t c = 0; c < X->ncust; c++)
		if (X->cust[c].freq) {
			Brand *b = &X->br[X->cust[c].brand];
			b->idx[b->n++] = (uint32_t)c;
		}
	for (size_t i = 0; i < X->nbr; i++) {
		qsort_r(X->br[i].idx, X->br[i].n, sizeof *X->br[i].idx, cmp_key, X);
		score_brand(X, &X->br[i]);
	}
}

/* Brands in output order: by name. */
int cmp_brand(const void *a, const void *b, void *ctx)
{
	const Ctx *X = ctx;
	const Brand *x = &X->br[*(const uint32_t *)a], *y = &X->br[*(const uint32_t *)b];
	size_t n = x->name_n < y->name_n ? x->name_n : y->name_n;
	int c = n ? memcmp(x->name, y->name, n) : 0;
	return c ? c : (x->name_n > y->name_n) - (x->name_n < y->name_n);
}
