/* crm-json: the series: months of figures and the at-risk list, per
 * brand and for all customers. */
#include "publish.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* risk_better orders at-risk customers: higher 12-month value first, then
 * brand and customer in byte order, so the list never depends on input
 * order beyond the sort crm-agg defines. */
int risk_better(const Risk *a, const Risk *b)
{
	if (a->value12 != b->value12)
		return a->value12 > b->value12;
	int c = strcmp(a->brand ? a->brand : "", b->brand ? b->brand : "");
	if (c)
		return c < 0;
	return strcmp(a->cust, b->cust) < 0;
}

static void risk_free(Risk *r)
{
	free(r->brand);
	free(r->cust);
	free(r->tier);
	free(r->reason);
}

void series_init(Series *s, char *b, size_t top)
{
	memset(s, 0, sizeof *s);
	s->brand = b;
	s->heap = xcalloc(top ? top : 1, sizeof *s->heap);
	s->risk_month = INT32_MIN;
}

void series_free(Series *s)
{
	for (size_t k = 0; k < s->nheap; k++)
		risk_free(&s->heap[k]);
	free(s->heap);
	free(s->m);
	free(s->brand);
}

Series *series_for(Ctx *x, const char *b, size_t n)
{
	for (size_t i = 1; i < x->ns; i++)
		if (strlen(x->s[i].brand) == n && memcmp(x->s[i].brand, b, n) == 0)
			return &x->s[i];
	x->s = xrealloc(x->s, (x->ns + 1) * sizeof *x->s);
	Series *s = &x->s[x->ns++];
	series_init(s, xstrndup(b, n), x->top);
	return s;
}

Month *month_of(Series *s, int32_t m)
{
	if (!s->n) {
		s->lo = m;
		s->n = 1;
		s->m = xcalloc(1, sizeof *s->m);
	} else if (m < s->lo) {
		size_t add = (size_t)(s->lo - m);
		s->m = xrealloc(s->m, (s->n + add) * sizeof *s->m);
		memmove(s->m + add, s->m, s->n * sizeof *s->m);
		memset(s->m, 0, add * sizeof *s->m);
		s->n += add;
		s->lo = m;
	} else if ((size_t)(m - s->lo) >= s->n) {
		size_t n = (size_t)(m - s->lo) + 1;
		s->m = xrealloc(s->m, n * sizeof *s->m);
		memset(s->m + s->n, 0, (n - s->n) * sizeof *s->m);
		s->n = n;
	}
	return &s->m[m - s->lo];
}

static void heap_down(Risk *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, w = i;
		if (l < n && risk_better(&h[w], &h[l]))
			w = l;
		if (l + 1 < n && risk_better(&h[w], &h[l + 1]))
			w = l + 1;
		if (w == i)
			return;
		Risk t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* keep_risk offers R to the top-N list of S for month M (the latest month
 * seen so far: a later month starts the list again). Takes R's strings. */
void keep_risk(Ctx *x, Series *s, int32_t m, Risk *r)
{
	if (m < s->risk_month) {
		risk_free(r);
		return;
	}
	if (m > s->risk_month) {
		for (size_t i = 0; i < s->nheap; i++)
			risk_free(&s->heap[i]);
		s->nheap = 0;
		s->risk_month = m;
	}
	if (s->nheap < x->top) {
		size_t i = s->nheap++;
		s->heap[i] = *r;
		while (i > 0 && risk_better(&s->heap[(i - 1) / 2], &s->heap[i])) {
			Risk t = s->heap[i];
			s->heap[i] = s->heap[(i - 1) / 2];
			s->heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	if (x->top && risk_better(r, &s->heap[0])) {
		risk_free(&s->heap[0]);
		s->heap[0] = *r;
		heap_down(s->heap, s->nheap, 0);
		return;
	}
	risk_free(r);
}

/* overflow dies naming the sum: the figure WHAT (of tier TIER when not
 * NULL) of series S over the month or months DURING, after WHERE (the
 * input line, or ""). */
void overflow_at(const char *where, const Series *s, const char *during, const char *tier,
			const char *what)
{
	char w[300];
	if (tier)
		snprintf(w, sizeof w, "tiers.%s.%s", tier, what);
	else
		snprintf(w, sizeof w, "%s", what);
	if (s->brand)
		die("%sa sum for %s overflows 64 bits (%s of brand '%s')", where, during, w, s->brand);
	die("%sa sum for %s overflows 64 bits (%s of all customers)", where, during, w);
}

void overflow(const Series *s, const char *during, const char *tier, const char *what)
{
	overflow_at("", s, during, tier, what);
}

/* add_month_at: see publish.h. */
void add_month_at(const char *path, unsigned long long line, const Series *s, int32_t month,
		  int64_t *a, int64_t v, const char *tier, const char *what)
{
	if (add_check(a, v)) {
		char where[600], during[16], mb[8];
		month_fmt(mb, month);
		snprintf(during, sizeof during, "month %.7s", mb);
		snprintf(where, sizeof where, "%s:%llu: ", path, line);
		overflow_at(where, s, during, tier, what);
	}
}
