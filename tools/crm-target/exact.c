/* crm-target --exact: the multiple-choice knapsack solved exactly by branch
 * and bound, for small instances (tests, and checking the greedy plan's
 * gap). Customers are branched on in key order, each offer worth making
 * (highest profit first) before none; a branch is cut when its profit plus
 * the LP bound of the customers left cannot beat the best plan found. */
#include "target.h"
#include "money.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { EXACT_MAX_CUSTOMERS = 2000 };
#define EXACT_MAX_NODES 20000000ULL

typedef struct {
	Ctx *X;
	const uint32_t *cands;     /* customers with an offer worth making */
	size_t *off;               /* where their offers start in X->cand */
	size_t n;
	/* The increments of their hulls in the LP order. */
	uint32_t *ic;              /* the increment's place in cands */
	int64_t *idp, *idc;
	size_t ninc;
	int8_t *cur, *best;        /* the offer taken (index among the customer's), -1: none */
	int64_t best_profit;
	uint64_t nodes;
	int64_t budget;
} Bb;

/* bound returns the LP bound of the customers from place D on with REM
 * to spend. */
static __int128 bound(const Bb *b, size_t d, int64_t rem)
{
	__int128 v = 0;
	for (size_t j = 0; j < b->ninc; j++) {
		if (b->ic[j] < d)
			continue;
		if (b->idc[j] <= rem) {
			rem -= b->idc[j];
			v += b->idp[j];
			continue;
		}
		return v + ((__int128)b->idp[j] * rem + b->idc[j] - 1) / b->idc[j];
	}
	return v;
}

/* search tries every choice for the customers from place D on, having
 * spent SPENT for PROFIT. */
static void search(Bb *b, size_t d, int64_t spent, int64_t profit)
{
	if (++b->nodes > EXACT_MAX_NODES)
		die("--exact: more than %llu branches: the instance is too large to solve exactly "
		    "(the greedy plan reports its gap to the LP bound)", EXACT_MAX_NODES);
	if (profit > b->best_profit) {
		b->best_profit = profit;
		memcpy(b->best, b->cur, b->n);
	}
	if (d == b->n || profit + bound(b, d, b->budget - spent) <= b->best_profit)
		return;
	const Cust *u = &b->X->cust[b->cands[d]];
	const Offer *o = &b->X->cand[b->off[d]];
	/* Offers by profit, highest first; ties by campaign order. */
	int order[64];
	int k = 0;
	for (int i = 0; i < u->npos; i++) {
		int a = k++;
		while (a > 0 && o[order[a - 1]].profit < o[i].profit) {
			order[a] = order[a - 1];
			a--;
		}
		order[a] = i;
	}
	for (int i = 0; i < k; i++) {
		const Offer *x = &o[order[i]];
		if (x->cost > b->budget - spent)
			continue;
		b->cur[d] = (int8_t)order[i];
		search(b, d + 1, spent + x->cost, profit + x->profit);
	}
	b->cur[d] = -1;
	search(b, d + 1, spent, profit);
}

/* cmp_inc orders steps by profit per unit of spend, highest first, then
 * by index, for qsort_r with the Bb. */
static int cmp_inc(const void *a, const void *c, void *ctx)
{
	const Bb *b = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)c;
	int r = ratio_cmp(b->idp[x], b->idc[x], b->idp[y], b->idc[y]);
	return r ? r : (x > y) - (x < y);
}

void plan_exact(Ctx *X, Plan *pl)
{
	Bb b;
	memset(&b, 0, sizeof b);
	b.X = X;
	b.budget = pl->budget;
	uint32_t *cands = xmalloc((X->ncust + 1) * sizeof *cands);
	b.off = xmalloc((X->ncust + 1) * sizeof *b.off);
	size_t at = 0;
	for (size_t i = 0; i < X->ncust; i++) {
		if (X->cust[i].npos) {
			b.off[b.n] = at;
			cands[b.n++] = (uint32_t)i;
		}
		at += X->cust[i].npos;
	}
	if (b.n > EXACT_MAX_CUSTOMERS)
		die("--exact: %zu customers with an offer worth making: the instance is too large to solve "
		    "exactly (at most %d)", b.n, EXACT_MAX_CUSTOMERS);
	b.cands = cands;
	/* The increments, sorted by ratio, then customer and step. */
	size_t m = X->nhull;
	uint32_t *ic = xmalloc((m + 1) * sizeof *ic), *ord = xmalloc((m + 1) * sizeof *ord);
	b.idp = xmalloc((m + 1) * sizeof *b.idp);
	b.idc = xmalloc((m + 1) * sizeof *b.idc);
	for (size_t d = 0; d < b.n; d++) {
		const Cust *u = &X->cust[cands[d]];
		const Point *h = &X->hull[u->h_off];
		for (int s = 0; s < u->nh; s++) {
			ic[b.ninc] = (uint32_t)d;
			step_delta(&h[s], &b.idp[b.ninc], &b.idc[b.ninc]);
			ord[b.ninc] = (uint32_t)b.ninc;
			b.ninc++;
		}
	}
	qsort_r(ord, b.ninc, sizeof *ord, cmp_inc, &b);
	b.ic = xmalloc((m + 1) * sizeof *b.ic);
	int64_t *dp = xmalloc((m + 1) * sizeof *dp), *dc = xmalloc((m + 1) * sizeof *dc);
	for (size_t j = 0; j < b.ninc; j++) {
		b.ic[j] = ic[ord[j]];
		dp[j] = b.idp[ord[j]];
		dc[j] = b.idc[ord[j]];
	}
	free(b.idp);
	free(b.idc);
	b.idp = dp;
	b.idc = dc;
	b.cur = xmalloc(b.n + 1);
	b.best = xmalloc(b.n + 1);
	memset(b.cur, -1, b.n + 1);
	memset(b.best, -1, b.n + 1);
	search(&b, 0, 0, 0);
	for (size_t i = 0; i < X->ncust; i++)
		X->cust[i].camp = -1;
	for (size_t d = 0; d < b.n; d++) {
		Cust *u = &X->cust[cands[d]];
		if (b.best[d] >= 0)
			u->camp = (int8_t)X->cand[b.off[d] + (uint32_t)b.best[d]].camp;
	}
	pl->has_exact = 1;
	pl->exact_nodes = b.nodes;
	free(cands);
	free(b.off);
	free(ic);
	free(ord);
	free(b.ic);
	free(dp);
	free(dc);
	free(b.cur);
	free(b.best);
}
