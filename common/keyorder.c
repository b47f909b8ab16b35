#include "keyorder.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void keyorder_init(KeyOrder *k, const Tsv *t)
{
	memset(k, 0, sizeof *k);
	k->bi = tsv_col(t, "brand");
	k->ci = tsv_need(t, "customer_id", "crm-agg");
}

void keyorder_free(KeyOrder *k)
{
	free(k->brand);
	free(k->cust);
	memset(k, 0, sizeof *k);
}

/* key_same compares N bytes, two overlapping 8-byte loads for 8 to 16. */
static inline int key_same(const char *a, const char *b, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t u, v, w, z;
		memcpy(&u, a, 8);
		memcpy(&v, b, 8);
		memcpy(&w, a + n - 8, 8);
		memcpy(&z, b + n - 8, 8);
		return ((u ^ v) | (w ^ z)) == 0;
	}
	return memcmp(a, b, n) == 0;
}

/* cmp orders byte strings as the C locale does: a prefix first. */
static int cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return (an > bn) - (an < bn);
}

static void keep(char **dst, size_t *n, size_t *cap, Field f)
{
	if (f.n + 1 > *cap) {
		*cap = f.n + 64;
		*dst = xrealloc(*dst, *cap);
	}
	memcpy(*dst, f.p, f.n);
	*n = f.n;
}

int keyorder_next(KeyOrder *k, const Tsv *t, int32_t month)
{
	Field b = k->bi >= 0 ? t->f[k->bi] : (Field){ "", 0 };
	Field c = t->f[k->ci];
	int order = 1; /* > 0: a later customer */
	/* Most rows continue the customer before them: test that first,
	 * without a library call for the short keys. */
	if (k->have && month > k->month && c.n == k->cn && b.n == k->bn &&
	    key_same(c.p, k->cust, c.n) && (!b.n || key_same(b.p, k->brand, b.n))) {
		k->prev_month = k->month;
		k->month = month;
		return 0;
	}
	if (k->have) {
		order = cmp(b.p, b.n, k->brand ? k->brand : "", k->bn);
		if (order == 0)
			order = cmp(c.p, c.n, k->cust, k->cn);
		if (order < 0 || (order == 0 && month <= k->month)) {
			char pm[8], cm[8];
			month_fmt(pm, k->month);
			month_fmt(cm, month);
			tsv_fail_line(t, "not sorted by %scustomer_id, month: '%.*s' %.7s after '%.*s' %.7s "
				      "(crm-agg writes rows in this order: keep its order, or sort by these columns)", k->bi >= 0 ? "brand, " : "",
				      (int)c.n, c.p, cm, (int)k->cn, k->cust, pm);
		}
	}
	if (order > 0) {
		if (k->bi >= 0)
			keep(&k->brand, &k->bn, &k->bcap, b);
		keep(&k->cust, &k->cn, &k->ccap, c);
	}
	k->prev_month = k->month;
	k->month = month;
	k->have = 1;
	return order > 0;
}

/* who writes "customer 'c1'" or "brand 'b' customer 'c1'" for messages. */
static void who(const KeyOrder *k, char *buf, size_t n)
{
	if (k->bi >= 0)
		snprintf(buf, n, "brand '%.*s' customer '%.*s'", (int)k->bn, k->brand,
			 (int)k->cn, k->cust);
	else
		snprintf(buf, n, "customer '%.*s'", (int)k->cn, k->cust);
}

void keyorder_whole(const KeyOrder *k, const Tsv *t, int start, int tenure_col)
{
	char w[600], m1[8], m2[8];
	if (start) {
		Field f = t->f[tenure_col];
		int64_t tenure;
		if (int_parse(f.p, f.n, &tenure) || tenure < 0 || tenure > k->month)
			tsv_fail(t, tenure_col, "is not a number of months");
		if (tenure == 0)
			return;
		/* Rows out of order or cut at the front look alike here. */
		who(k, w, sizeof w);
		month_fmt(m1, k->month);
		month_fmt(m2, k->month - (int32_t)tenure);
		tsv_fail_line(t, "%s starts at %.7s, not at their first purchase month %.7s "
			      "(tenure_months %lld): the input is not sorted by %scustomer_id, month "
			      "as crm-tier writes it, or its first months were cut (give --from to the "
			      "last tool of the pipeline only)", w, m1, m2, (long long)tenure,
			      k->bi >= 0 ? "brand, " : "");
	} else if (k->month != k->prev_month + 1) {
		who(k, w, sizeof w);
		month_fmt(m1, k->prev_month);
		month_fmt(m2, k->month);
		tsv_fail_line(t, "%s: %.7s follows %.7s: the months between are missing "
			      "(crm-tier writes every month)", w, m2, m1);
	}
}
