/* crm-target: allocating a brand's budget. Every customer's hull gives
 * increments (the step from one hull point to the next); sorted by profit
 * per unit of spend, highest first, they are the LP-optimal order of the
 * multiple-choice knapsack (Sinha and Zoltners 1979). The greedy plan takes
 * them in that order while they fit; the LP bound adds the fitting share of
 * the first one that does not. */
#include "target.h"
#include "money.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void plan_add(Totals *t, const Offer *o, int64_t contact)
{
	t->targeted++;
	if (add_check(&t->spend, o->cost) || add_check(&t->profit, o->profit) ||
	    add_check(&t->saved, o->saved) || add_check(&t->wasted, o->wasted) ||
	    add_check(&t->contact, contact))
		die("the totals of the plan are beyond 64 bits (in millionths of a minor unit)");
}

/* Ratios: the items ordered by profit per unit of spend: the hull steps
 * (camps NULL), or the customers of the plan with their offer. Their keys
 * are ratio_key's; the exact ratio orders equal keys, then the index. */
typedef struct {
	const Ctx *X;
	const TargetCampaign *camps;
} Ratios;
static int ratio_of(const Ratios *r, uint32_t a, int64_t *dp, int64_t *dc)
{
	if (!r->camps) {
		step_delta(&r->X->hull[a], dp, dc);
		return 1;
	}
	const Cust *u = &r->X->cust[a];
	if (u->camp < 0)
		return 0;
	Offer o;
	offer_value(&o, &r->camps[u->camp], u->camp, u->p, u->clv);
	*dp = o.profit;
	*dc = o.cost;
	return 1;
}
static int ratio_keyof(uint32_t i, const void *ctx, uint64_t *key)
{
	int64_t dp, dc;
	if (!ratio_of(ctx, i, &dp, &dc))
		return 0;
	*key = ratio_key(dp, dc);
	return 1;
}
static int ratio_tie(uint32_t a, uint32_t b, const void *ctx)
{
	int64_t pa, ca, pb, cb;
	ratio_of(ctx, a, &pa, &ca);
	ratio_of(ctx, b, &pb, &cb);
	int c = ratio_cmp(pa, ca, pb, cb);
	return c ? c : (a > b) - (a < b);
}

/* lp_fill returns the LP bound's part of increment (DP, DC) that fits in
 * REM: DP x REM / DC, rounded up so that the bound stays a bound. */
static int64_t lp_fill(int64_t dp, int64_t dc, int64_t rem)
{
	__int128 num = (__int128)dp * rem;
	return (int64_t)((num + dc - 1) / dc);
}

/* curve_budget returns point K of N of the budget curve up to MAX. */
static int64_t curve_budget(int64_t max, size_t k, size_t n)
{
	return (int64_t)((__int128)max * (int64_t)k / (int64_t)(n - 1));
}

/* rank_plan ranks the customers of the plan by their offer's profit per
 * unit of spend, ties in key order, and keeps the first LIST_MAX. */
static void rank_plan(Ctx *X, Plan *pl)
{
	if (X->ncust > X->rankcap) {
		X->rankcap = X->ncust;
		free(X->rank);
		X->rank = xmalloc(X->rankcap * sizeof *X->rank);
	}
	const TargetRules *tr = &pl->br->target;
	Ratios r = { X, tr->camp };
	Order ord;
	order_init(&ord, X->ncust, ratio_keyof, ratio_tie, &r);
	size_t n = ord.n;
	uint32_t *idx;
	uint32_t i, j = 0;
	idx = xmalloc((LIST_MAX + 1) * sizeof *idx);
	while (order_next(&ord, &i)) {
		X->rank[i] = ++j;
		if (j <= LIST_MAX)
			idx[j - 1] = i;
	}
	order_free(&ord);
	pl->ntop = n < LIST_MAX ? n : LIST_MAX;
	pl->top = xmalloc((pl->ntop + 1) * sizeof *pl->top);
	for (size_t q = 0; q < pl->ntop; q++) {
		TopRow *t = &pl->top[q];
		t->u = X->cust[idx[q]];
		t->rank = X->rank[idx[q]];
		t->id = xstrndup(cust_key(X, &t->u), t->u.key_n);
		offer_value(&t->o, &tr->camp[t->u.camp], t->u.camp, t->u.p, t->u.clv);
	}
	free(idx);
}

/* sum_plan adds up the plan's offers (Cust.camp) into PL->plan and the
 * campaigns' parts. */
static void sum_plan(Ctx *X, Plan *pl)
{
	const BrandRules *br = pl->br;
	memset(&pl->plan, 0, sizeof pl->plan);
	for (size_t i = 0; i < br->target.ncamp; i++) {
		CampSum *s = &pl->camp[i];
		s->targeted = 0;
		s->spend = s->profit = 0;
		memset(s->by_tier, 0, (br->tier.ntiers + 2) * sizeof *s->by_tier);
		memset(s->by_seg, 0, (br->rfm.nseg + 1) * sizeof *s->by_seg);
	}
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		if (u->camp < 0)
			continue;
		const TargetCampaign *c = &br->target.camp[u->camp];
		Offer o;
		offer_value(&o, c, u->camp, u->p, u->clv);
		plan_add(&pl->plan, &o, c->cost * MICRO);
		CampSum *s = &pl->camp[u->camp];
		s->targeted++;
		if (add_check(&s->spend, o.cost) || add_check(&s->profit, o.profit))
			die("the totals of campaign '%s' are beyond 64 bits", c->name);
		s->by_tier[u->tier == NO_CLASS ? br->tier.ntiers + 1 : (size_t)u->tier]++;
		s->by_seg[u->seg == NO_CLASS ? br->rfm.nseg : (size_t)u->seg]++;
	}
}

void plan_brand(Ctx *X, Plan *pl)
{
	const BrandRules *br = pl->br;
	pl->customers = X->bcust;
	pl->candidates = X->bcand;
	pl->camp = xcalloc(br->target.ncamp + 1, sizeof *pl->camp);
	for (size_t i = 0; i < br->target.ncamp; i++) {
		pl->camp[i].by_tier = xcalloc(br->tier.ntiers + 2, sizeof(uint64_t));
		pl->camp[i].by_seg = xcalloc(br->rfm.nseg + 1, sizeof(uint64_t));
	}
	/* The steps: one a hull point, in customer then step order. */
	size_t n = X->nhull;
	int64_t total = 0, min_dc = INT64_MAX;
	for (size_t k = 0; k < n; k++) {
		int64_t dp, dc;
		step_delta(&X->hull[k], &dp, &dc);
		if (add_check(&total, dc))
			die("the spend of every worthwhile offer is beyond 64 bits (in millionths of a minor unit)");
		if (dc < min_dc)
			min_dc = dc;
	}
	Ratios r = { X, NULL };
	Order ord;
	order_init(&ord, n, ratio_keyof, ratio_tie, &r);
	/* One walk in that order serves the greedy plan, the budget curve and
	 * the LP bound. Greedy: a step is taken when it fits and the customer
	 * stands at the hull point before it; one passed over ends that
	 * customer's climb. The curve and the bound cut the order where a
	 * budget ends, the bound adding the share of the step that does not
	 * fit. The curve's budgets rise up to max <= B, the last being max:
	 * its bound is the LP bound. Once every curve point is known, the walk
	 * stops when no step is left that could fit. */
	int64_t spent = 0, B = pl->budget;
	int64_t max = B == INT64_MAX ? total : B;
	pl->ncurve = (size_t)br->target.curve_points;
	pl->curve = xcalloc(pl->ncurve, sizeof *pl->curve);
	int64_t cum = 0, prof = 0;
	size_t c = 0;
	uint32_t j;
	while (order_next(&ord, &j)) {
		uint32_t a = order_ahead(&ord, 16), a8 = order_ahead(&ord, 8);
		if (a != UINT32_MAX)
			__builtin_prefetch(&X->hull[a]);
		if (a8 != UINT32_MAX)
			__builtin_prefetch(&X->cust[X->hull[a8].cust]);
		const Point *h = &X->hull[j];
		int64_t dp, dc;
		step_delta(h, &dp, &dc);
		while (c < pl->ncurve) {
			int64_t b = curve_budget(max, c, pl->ncurve);
			if (dc <= b - cum)
				break;
			int64_t bound = prof;
			if (add_check(&bound, lp_fill(dp, dc, b - cum)))
				die("the LP bound is beyond 64 bits");
			pl->curve[c++] = (CurvePoint){ b, cum, prof, bound };
		}
		if (c < pl->ncurve) {
			cum += dc;
			if (add_check(&prof, dp))
				die("the expected profit of the plan is beyond 64 bits (in millionths of a minor unit)");
		}
		Cust *u = &X->cust[h->cust];
		if (u->pick == (int)h->step - 1 && dc <= B - spent) {
			spent += dc;
			u->pick = (int8_t)h->step;
		}
		if (c == pl->ncurve && B - spent < min_dc)
			break;
	}
	for (; c < pl->ncurve; c++)
		pl->curve[c] = (CurvePoint){ curve_budget(max, c, pl->ncurve), cum, prof, prof };
	pl->bound = pl->curve[pl->ncurve - 1].bound;
	order_free(&ord);
	for (size_t i = 0; i < X->ncust; i++) {
		Cust *u = &X->cust[i];
		u->camp = (int8_t)(u->pick >= 0 ? X->hull[u->h_off + u->pick].camp : -1);
	}
	sum_plan(X, pl);
	pl->greedy = pl->plan;
	if (X->exact) {
		plan_exact(X, pl);
		sum_plan(X, pl);
	}
	rank_plan(X, pl);
}
