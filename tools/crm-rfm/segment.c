/* crm-rfm: per segment counts, sums, shares and medians. */
#include "rfm.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

/* median2 returns twice the median of V[0..N) (sorting V), in 128 bits:
 * the two middle values of int64 amounts may sum beyond 64 bits. */
static __int128 median2(int64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	return n % 2 ? 2 * (__int128)v[n / 2] : (__int128)v[n / 2 - 1] + v[n / 2];
}

/* half_round returns X / 2 rounded half away from zero, as div_round does;
 * X is twice a median, so the result fits. */
int64_t half_round(__int128 x)
{
	return (int64_t)((x + (x < 0 ? -1 : 1)) / 2);
}

/* add_mon adds a customer's monetary value V to *A, the sum over WHAT
 * (with NAME when not NULL) of brand B, dying when it overflows. */
void add_mon(int64_t *a, int64_t v, const Brand *b, const char *what, const char *name)
{
	if (add_check(a, v))
		die("the monetary value of %s%s%s%s%s%s%s overflows 64 bits", what,
		    name ? " '" : "", name ? name : "", name ? "'" : "",
		    b->name ? " of brand '" : "", b->name ? b->name : "", b->name ? "'" : "");
}

/* share returns PART / WHOLE in 10^-SHARE_D, rounded; 0 when WHOLE <= 0. */
static int64_t share(int64_t part, int64_t whole)
{
	return whole > 0 ? mul_div_round(part, pow10_i64[SHARE_D], whole) : 0;
}

SegSum *summarize(const Ctx *X, const Brand *b, int64_t *total)
{
	SegSum *ss = xcalloc(b->r->nseg, sizeof *ss);
	int64_t *v = xmalloc((b->n ? b->n : 1) * sizeof *v);
	*total = 0;
	for (size_t i = 0; i < b->n; i++) {
		const Cust *u = &X->cust[b->idx[i]];
		ss[u->seg].n++;
		add_mon(&ss[u->seg].mon, u->mon, b, "segment", b->r->seg[u->seg].label);
		add_mon(total, u->mon, b, "all customers", NULL);
	}
	for (size_t s = 0; s < b->r->nseg; s++)
		for (int m = 0; m < 3; m++) {
			size_t n = 0;
			for (size_t i = 0; i < b->n; i++) {
				const Cust *u = &X->cust[b->idx[i]];
				if (u->seg == s)
					v[n++] = measure(u, m);
			}
			ss[s].med[m] = median2(v, n);
		}
	for (size_t s = 0; s < b->r->nseg; s++) {
		ss[s].share = share((int64_t)ss[s].n, (int64_t)b->n);
		ss[s].avg = ss[s].n ? div_round(ss[s].mon, (int64_t)ss[s].n) : 0;
		ss[s].revenue_share = share(ss[s].mon, *total);
	}
	free(v);
	return ss;
}
