/* crm-target: the expected profit of an offer, a customer's hull of offers,
 * and the exact orders the plan sorts by. */
#include "target.h"
#include "money.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* round6 returns V / 10^6 rounded half away from zero, or sets *BAD when
 * it is beyond 64 bits. */
static int64_t round6(__int128 v, int *bad)
{
	/* Most values fit 63 bits, where the division is a multiplication. */
	if (v > -((__int128)1 << 62) && v < ((__int128)1 << 62)) {
		int64_t w = (int64_t)v;
		return (w >= 0 ? w + MICRO / 2 : w - MICRO / 2) / MICRO;
	}
	__int128 q = (v >= 0 ? v + MICRO / 2 : v - MICRO / 2) / MICRO;
	if (q > INT64_MAX || q < INT64_MIN) {
		*bad = 1;
		return 0;
	}
	return (int64_t)q;
}

/* offer_value: Neslin et al. (2006), "Defection detection", the expected
 * profit of a retention offer:
 *
 *	profit = p g (CLV - d) - (1 - p) s d - f
 *
 * with p the churn probability, g the accept rate (the share of would-be
 * churners the campaign keeps), s the stayer accept rate, d the incentive
 * and f the contact cost. Its parts: saved = p g (CLV - d), the value kept
 * from churners net of their incentive; wasted = (1 - p) s d, incentives
 * paid to customers who would have stayed; contact = f. The expected spend
 * is f + d (p g + (1 - p) s). p, g and s are millionths, so each product is
 * exact in 10^-12 minor units and is rounded once, half away from zero, to
 * micro minor units. */
int offer_value(Offer *o, const TargetCampaign *c, int ci, int64_t p, int64_t clv)
{
	int bad = 0;
	__int128 pg = (__int128)p * c->accept;                  /* 10^-12 */
	__int128 qs = (__int128)(MICRO - p) * c->stayer_accept; /* 10^-12 */
	o->camp = ci;
	o->saved = round6(pg * ((__int128)clv - c->incentive), &bad);
	o->wasted = round6(qs * c->incentive, &bad);
	int64_t paid = round6(pg * c->incentive, &bad);  /* incentives paid to churners kept */
	__int128 contact = (__int128)c->cost * MICRO;
	__int128 profit = (__int128)o->saved - o->wasted - contact;
	__int128 cost = contact + paid + o->wasted;
	if (bad || profit > INT64_MAX || profit < INT64_MIN || cost > INT64_MAX)
		return -1;
	o->profit = (int64_t)profit;
	o->cost = (int64_t)cost;
	return 0;
}

/* cmp_offer orders offers by cost, then higher profit, then campaign. */
static int cmp_offer(const void *a, const void *b)
{
	const Offer *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	if (x->profit != y->profit)
		return x->profit > y->profit ? -1 : 1;
	return x->camp - y->camp;
}

/* build_hull: the LP relaxation of "at most one offer a customer" takes
 * only points of the upper convex hull of (spend, profit) through the
 * origin, and moves along it in decreasing profit per unit of spend
 * (Sinha and Zoltners 1979). An offer costing no less than one before it
 * and earning no more is dominated; a middle point on or under the line of
 * its neighbours is dropped. */
size_t build_hull(Point *h, const Offer *o, size_t n, uint32_t cust)
{
	Offer s[64];
	if (n > sizeof s / sizeof *s)
		die("internal error: %zu offers for one customer", n);
	/* Insertion sort: a customer has a few offers. */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j && cmp_offer(&s[j - 1], &o[i]) > 0) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = o[i];
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].profit <= 0 || (k && s[i].profit <= h[k - 1].profit))
			continue;
		while (k) {
			int64_t pc = k > 1 ? h[k - 2].cost : 0, pp = k > 1 ? h[k - 2].profit : 0;
			/* Drop h[k-1] when the step onto it earns no more per unit of
			 * spend than the step from it to s[i]. */
			if (ratio_cmp(h[k - 1].profit - pp, h[k - 1].cost - pc, s[i].profit - h[k - 1].profit,
				      s[i].cost - h[k - 1].cost) < 0)
				break;
			k--;
		}
		h[k] = (Point){ s[i].cost, s[i].profit, cust, (uint8_t)s[i].camp, (uint8_t)k };
		k++;
	}
	return k;
}

/* ratio_key: the bits of the positive double DP / DC, inverted. Rounding
 * is monotonic, so only exactly equal doubles need the exact comparison. */
uint64_t ratio_key(int64_t dp, int64_t dc)
{
	double r = dc ? (double)dp / (double)dc : INFINITY;
	uint64_t b;
	memcpy(&b, &r, sizeof b);
	return ~b;
}

void step_delta(const Point *h, int64_t *dp, int64_t *dc)
{
	*dp = h->profit - (h->step ? h[-1].profit : 0);
	*dc = h->cost - (h->step ? h[-1].cost : 0);
}

int ratio_cmp(int64_t dp1, int64_t dc1, int64_t dp2, int64_t dc2)
{
	__int128 a = (__int128)dp1 * dc2, b = (__int128)dp2 * dc1;
	return a > b ? -1 : a < b;
}
