/* crm-target: keeping, while reading, only the customers that a walk with
 * a budget may reach, so that memory follows what the budget can buy, not
 * the input.
 *
 * Each order (the plan's hull steps; each baseline's offers) is a walk that
 * takes an item when it fits what is left of the budget B. An item s is
 * needed when
 *   - the items before it cost at most B: the head of the order, which the
 *     budget curve and the LP bound cut, and the one after it (Sel.pre,
 *     cut down by selection whenever it has grown by half; an item after
 *     the last of the head, once the head costs more than B, is not); or
 *   - a later walk may still take it. Let q be the first item of the order
 *     that does not fit: the head before it costs more than B - cost(q) >=
 *     B - cmax, so less than cmax (and at most B) is left after it; let
 *     cmax be the smaller of the two. If s is taken, every
 *     first step t between q and s (a first step needs no earlier one)
 *     costing no more than s was taken too, since it fit when s still
 *     did; so s is out of reach once such steps cost cmax together
 *     (Sel.grid: per cost class, the first of them costing cmax).
 * Both tests count only items seen so far, so they hold for all of them,
 * and for the customers of every partition together. --partial keeps
 * the items after the head that pass the second (Sel.tail); one run
 * settles the walks after the head from the temporary file (spool.c). */
#include "target.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* item_cmp orders A and B in S's order: <0 when A comes first. */
int item_cmp(const Sel *s, const Item *a, const Item *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (s->ratio) {
		int c = ratio_cmp(a->dp, a->dc, b->dp, b->dc);
		if (c)
			return c;
	}
	if (a->g != b->g)
		return a->g < b->g ? -1 : 1;
	return (a->step > b->step) - (a->step < b->step);
}

/* heap_push adds IT to H; heap_pop removes and returns H's top: the last
 * item in S's order. */
void heap_push(const Sel *s, Heap *h, Item it)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->a = xrealloc(h->a, h->cap * sizeof *h->a);
	}
	size_t i = h->n++;
	while (i && item_cmp(s, &h->a[(i - 1) / 2], &it) < 0) {
		h->a[i] = h->a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->a[i] = it;
	h->sum += it.dc;
}
Item heap_pop(const Sel *s, Heap *h)
{
	Item top = h->a[0], last = h->a[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && item_cmp(s, &h->a[c + 1], &h->a[c]) > 0)
			c++;
		if (item_cmp(s, &h->a[c], &last) <= 0)
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	if (h->n)
		h->a[i] = last;
	h->sum -= top.dc;
	return top;
}

/* cost_class returns DC's class: four a power of two, rising with DC. */
static int cost_class(int64_t dc)
{
	if (dc <= 0)
		return 0;
	int e = 63 - __builtin_clzll((uint64_t)dc);
	return e < 2 ? e * 4 : e * 4 + (int)((dc >> (e - 2)) & 3);
}

/* out_of_reach says whether tail item IT can no longer be taken: first
 * steps before it costing no more than it cost cmax (see above). */
static int out_of_reach(const Sel *s, const Item *it)
{
	if (it->dc > s->cmax)
		return 1;
	int k = cost_class(it->dc);
	const Heap *lo = k ? &s->grid[k - 1] : NULL, *eq = &s->grid[k];
	if (lo && lo->n && lo->sum >= s->cmax && item_cmp(s, it, &lo->a[0]) > 0)
		return 1;
	return eq->n && eq->sum >= s->cmax && eq->max <= it->dc && item_cmp(s, it, &eq->a[0]) > 0;
}

/* grid_add counts first step T among those that put later ones out of
 * reach: in the heap of each class from its own up, keeping the fewest
 * first items that cost cmax. */
static void grid_add(Sel *s, const Item *t)
{
	for (int j = cost_class(t->dc); j <= s->top; j++) {
		Heap *g = &s->grid[j];
		if (g->n && g->sum >= s->cmax && item_cmp(s, t, &g->a[0]) > 0)
			break; /* and so in every higher class, which holds more */
		heap_push(s, g, *t);
		while (g->n > 1 && g->sum - g->a[0].dc >= s->cmax)
			heap_pop(s, g);
		g->max = 0;
		for (size_t i = 0; i < g->n; i++)
			if (g->a[i].dc > g->max)
				g->max = g->a[i].dc;
	}
}

/* tail_add keeps IT, past the head of the order, unless it is out of
 * reach; returns whether it is kept. */
static int tail_add(Sel *s, Item it)
{
	if (!s->tails || out_of_reach(s, &it))
		return 0;
	if (it.step == 0 && it.dc > 0)
		grid_add(s, &it);
	if (s->ntail == s->tailcap) {
		s->tailcap = s->tailcap ? s->tailcap * 2 : 1024;
		s->tail = xrealloc(s->tail, s->tailcap * sizeof *s->tail);
	}
	s->tail[s->ntail++] = it;
	return 1;
}

/* swap exchanges items A and B. */
static void swap(Item *a, Item *b)
{
	Item t = *a;
	*a = *b;
	*b = t;
}

void sel_cut(Sel *s)
{
	Item *a = s->pre.a;
	size_t lo = 0, hi = s->pre.n, n = s->pre.n;
	__int128 base = 0; /* the spend of a[0 .. lo): the head so far */
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	s->has_last = 0;
	/* Quickselect by spend: a pivot whose better-ranked items cost at
	 * most B is in the head with all of them; else it and every item
	 * after it are not. Items a[lo .. hi) are undecided. */
	while (lo < hi) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		swap(&a[lo + (size_t)((seed >> 33) % (hi - lo))], &a[hi - 1]);
		Item pv = a[hi - 1];
		size_t m = lo;
		__int128 less = 0;
		for (size_t i = lo; i < hi - 1; i++)
			if (item_cmp(s, &a[i], &pv) < 0) {
				less += a[i].dc;
				swap(&a[i], &a[m++]);
			}
		swap(&a[m], &a[hi - 1]);
		if (base + less > s->budget) {
			hi = m;
		} else {
			base += less + pv.dc;
			s->last = pv;
			s->has_last = 1;
			lo = m + 1;
		}
	}
	s->pre.n = lo;
	s->pre.sum = base;
	s->head_sum = base;
	for (size_t i = lo; i < n; i++)
		tail_add(s, a[i]);
	/* Half as many again before the next cut: the array is sized for
	 * it, so memory stays at 1.5 times the head. */
	s->cut_at = lo + lo / 2 > 4096 ? lo + lo / 2 : 4096;
	s->pre.cap = s->cut_at;
	s->pre.a = xrealloc(s->pre.a, s->pre.cap * sizeof *s->pre.a);
}

/* sel_add offers IT to S; returns whether it is kept. */
static int sel_add(Sel *s, Item it)
{
	Heap *h = &s->pre;
	if (s->has_last && s->head_sum > s->budget && item_cmp(s, &it, &s->last) > 0)
		return tail_add(s, it);
	if (h->n == h->cap) {
		h->cap = s->cut_at;
		h->a = xrealloc(h->a, h->cap * sizeof *h->a);
	}
	h->a[h->n++] = it;
	h->sum += it.dc;
	if (h->n >= s->cut_at)
		sel_cut(s);
	return 1;
}

/* sel_reset empties S for a walk with BUDGET over items costing at most
 * CMAX. */
static void sel_reset(Sel *s, int tails, int ratio, int64_t budget, int64_t cmax)
{
	s->tails = tails;
	s->ratio = ratio;
	s->budget = budget;
	s->cmax = cmax;
	s->top = cost_class(cmax);
	s->pre.n = 0;
	s->pre.sum = 0;
	s->cut_at = 4096;
	s->head_sum = 0;
	s->has_last = 0;
	s->ntail = 0;
	for (int j = 0; j < SEL_CLASSES; j++) {
		s->grid[j].n = 0;
		s->grid[j].sum = 0;
		s->grid[j].max = 0;
	}
}

/* offer_cmax returns the most campaign C's offer can cost: its spend is
 * linear in p, so at p = 0 or 1, plus offer_value's rounding. */
static int64_t offer_cmax(const TargetCampaign *c)
{
	Offer a, b;
	if (offer_value(&a, c, 0, 0, 0) || offer_value(&b, c, 0, MICRO, 0))
		return INT64_MAX / 4;
	return (a.cost > b.cost ? a.cost : b.cost) + 2;
}

void select_start(Ctx *X, const BrandRules *br)
{
	/* CRM_TEST_TARGET_ALL keeps every customer: the tests' reference. */
	X->selecting = X->budget != INT64_MAX && !X->exact && !getenv("CRM_TEST_TARGET_ALL");
	X->compact_at = 1 << 16;
	if (!X->selecting)
		return;
	const TargetRules *tr = &br->target;
	int64_t cmax = 0;
	for (size_t i = 0; i < tr->ncamp; i++) {
		int64_t m = offer_cmax(&tr->camp[i]);
		if (m > cmax)
			cmax = m;
	}
	X->spooling = !X->partial;
	/* What is left after the head is also at most the budget. */
	int64_t bmax = offer_cmax(&tr->camp[tr->baseline]);
	sel_reset(&X->sel[0], X->partial, 1, X->budget, cmax < X->budget ? cmax : X->budget);
	for (int b = 0; b < NBASE; b++)
		sel_reset(&X->sel[1 + b], X->partial, 0, X->budget, bmax < X->budget ? bmax : X->budget);
	if (X->spooling)
		spool_start(X);
}

size_t cust_items(const Ctx *X, const BrandRules *br, const Cust *u, uint32_t g, Item *it, int *si)
{
	size_t n = 0;
	const Point *h = X->hull + u->h_off;
	for (int k = 0; k < u->nh; k++, n++) {
		it[n] = (Item){ 0, 0, 0, g, h[k].step, 0 };
		step_delta(&h[k], &it[n].dp, &it[n].dc);
		it[n].key = ratio_key(it[n].dp, it[n].dc);
		si[n] = 0;
	}
	return n + base_items(X, br, u, g, it + n, si + n);
}

int select_customer(Ctx *X, const BrandRules *br, const Cust *u, uint32_t g)
{
	Item it[64 + NBASE];
	int si[64 + NBASE], kept = 0;
	size_t n = cust_items(X, br, u, g, it, si);
	for (size_t i = 0; i < n; i++)
		kept |= sel_add(&X->sel[si[i]], it[i]);
	return kept;
}

/* mark sets KEEP[i] for the customer of place G among the N kept. */
static void mark(const uint32_t *gid, size_t n, uint32_t g, uint8_t *keep)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (gid[m] < g)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo < n && gid[lo] == g)
		keep[lo] = 1;
}

void select_compact(Ctx *X)
{
	if (!X->selecting || X->spooling)
		return;
	uint8_t *keep = xcalloc(X->ncust + 1, 1);
	for (int i = 0; i < 1 + NBASE; i++) {
		Sel *s = &X->sel[i];
		sel_cut(s);
		for (size_t k = 0; k < s->pre.n; k++)
			mark(X->gid, X->ncust, s->pre.a[k].g, keep);
		size_t n = 0;
		for (size_t k = 0; k < s->ntail; k++)
			if (!out_of_reach(s, &s->tail[k])) {
				s->tail[n++] = s->tail[k];
				mark(X->gid, X->ncust, s->tail[k].g, keep);
			}
		s->ntail = n;
	}
	/* Customers, their keys and hulls move down in place, in order. */
	size_t n = 0, keys = 0, hull = 0;
	for (size_t i = 0; i < X->ncust; i++) {
		if (!keep[i])
			continue;
		Cust u = X->cust[i];
		memmove(X->keys + keys, X->keys + u.key_off, u.key_n);
		memmove(X->hull + hull, X->hull + u.h_off, u.nh * sizeof *X->hull);
		for (int k = 0; k < u.nh; k++)
			X->hull[hull + k].cust = (uint32_t)n;
		u.key_off = (uint32_t)keys;
		u.h_off = (uint32_t)hull;
		keys += u.key_n;
		hull += u.nh;
		X->gid[n] = X->gid[i];
		X->cust[n++] = u;
	}
	free(keep);
	X->ncust = n;
	X->keys_n = keys;
	X->nhull = hull;
	X->compact_at = 2 * n > (1 << 16) ? 2 * n : 1 << 16;
}
