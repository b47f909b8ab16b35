/* crm-target: the naive baselines, measured with the plan's budget. Each
 * offers target.baseline_campaign, going down its own list of customers and
 * passing over a customer who is not eligible for it or whose offer no
 * longer fits the budget:
 *   top_p     by churn probability, highest first;
 *   top_clv   by lifetime value, highest first;
 *   top_tier  the customers of the first tier of tier.order (with --tiers).
 * Ties keep key order. Their expected profit counts every offer, worth
 * making or not: that is what such a policy spends. */
#include "target.h"
#include "money.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *const base_name[NBASE] = { "top_p", "top_clv", "top_tier" };

/* base_offer sets O to customer U's offer of target.baseline_campaign;
 * returns 0 when U is not eligible for it. The offers computed when
 * reading are those worth making; this one may not be. */
static int base_offer(const Ctx *X, const BrandRules *br, const Cust *u, Offer *o)
{
	size_t i = br->target.baseline;
	if (!campaign_eligible(br, &br->target.camp[i], u))
		return 0;
	if (offer_value(o, &br->target.camp[i], (int)i, u->p, u->clv))
		die("%s: customer '%.*s': an expected profit beyond 64 bits", X->clv.t.name, (int)u->key_n,
		    cust_key(X, u));
	return 1;
}

/* base_key sets *KEY to customer U's key in baseline B's order: churn
 * probability or CLV, highest first (CLV as its order-preserving unsigned
 * form, inverted), or the customers of the first tier in key order;
 * returns 0 when B does not visit U. */
static int base_key(int b, const Cust *u, uint64_t *key)
{
	switch (b) {
	case BASE_P:
		*key = (uint64_t)(MICRO - u->p);
		return 1;
	case BASE_CLV:
		*key = ~((uint64_t)u->clv ^ (1ULL << 63));
		return 1;
	default:
		*key = 0;
		return u->tier == 0;
	}
}
static int key_p(uint32_t i, const void *ctx, uint64_t *key)
{
	return base_key(BASE_P, &((const Ctx *)ctx)->cust[i], key);
}
static int key_clv(uint32_t i, const void *ctx, uint64_t *key)
{
	return base_key(BASE_CLV, &((const Ctx *)ctx)->cust[i], key);
}
static int key_tier(uint32_t i, const void *ctx, uint64_t *key)
{
	return base_key(BASE_TIER, &((const Ctx *)ctx)->cust[i], key);
}

size_t base_items(const Ctx *X, const BrandRules *br, const Cust *u, uint32_t g, Item *it, int *si)
{
	/* cust_offers has just made U's offer of every campaign. */
	size_t n = 0, bi = br->target.baseline;
	if (!X->last_ok[bi])
		return 0;
	const Offer o = X->last[bi];
	for (int b = 0; b < NBASE; b++) {
		memset(&it[n], 0, sizeof it[n]);
		if ((b == BASE_TIER && !X->has_tier) || !base_key(b, u, &it[n].key))
			continue;
		it[n].dc = o.cost;
		it[n].g = g;
		si[n++] = 1 + b;
	}
	return n;
}

/* walk measures the policy that goes down the customers in the order of
 * KEYOF into T. It stops when what is left of the budget is below the
 * least an offer can cost, f + d min(g, s) (less the two micro units
 * offer_value's rounding may take off): none fits any more. */
static void walk(const Ctx *X, const Plan *pl, OrderKey keyof, Totals *t)
{
	const BrandRules *br = pl->br;
	const TargetCampaign *c = &br->target.camp[br->target.baseline];
	int64_t contact = c->cost * MICRO;
	int64_t least = contact + c->incentive * (c->accept < c->stayer_accept ? c->accept : c->stayer_accept) - 2;
	memset(t, 0, sizeof *t);
	int64_t spent = 0;
	Order ord;
	order_init(&ord, X->ncust, keyof, NULL, X);
	uint32_t i;
	while (pl->base_budget - spent >= least && order_next(&ord, &i)) {
		uint32_t a = order_ahead(&ord, 8);
		if (a != UINT32_MAX)
			__builtin_prefetch(&X->cust[a]);
		const Cust *u = &X->cust[i];
		Offer o;
		if (!base_offer(X, br, u, &o) || o.cost > pl->base_budget - spent)
			continue;
		spent += o.cost;
		plan_add(t, &o, contact);
	}
	order_free(&ord);
}

void plan_baselines(Ctx *X, Plan *pl)
{
	walk(X, pl, key_p, &pl->base[BASE_P]);
	pl->has_base[BASE_P] = 1;
	walk(X, pl, key_clv, &pl->base[BASE_CLV]);
	pl->has_base[BASE_CLV] = 1;
	if (X->has_tier) {
		walk(X, pl, key_tier, &pl->base[BASE_TIER]);
		pl->has_base[BASE_TIER] = 1;
	}
}
