/* crm-target: the customers of a brand with a budget wait in a temporary
 * file while the head of each order is found (select.c); then the walks
 * after it are settled by reading them back, and only the customers a
 * walk reaches are kept in memory for the plan.
 *
 * After the head P of an order and the first item q that does not fit,
 * R = B - cost(P) is left, and a walk takes an item after q that fits
 * what is left then (a hull step only when the customer took the step
 * before). One pass keeps the first 4096 items after q costing at
 * most R; the walk over them is replayed; when it may go on past them, a
 * further pass starts after the last of them with what is then left. */
#include "target.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { SPOOL_BUF = 1 << 20 };

/* tail_size returns the items a pass keeps per walk: 4096, or
 * CRM_TEST_TARGET_TAIL, so that tests can force many passes. */
static size_t tail_size(void)
{
	const char *e = getenv("CRM_TEST_TARGET_TAIL");
	return e && atoi(e) > 0 ? (size_t)atoi(e) : 4096;
}

void spool_start(Ctx *X)
{
	tmp_open(&X->spool, tmp_dir(NULL));
	if (!X->sbuf)
		X->sbuf = xmalloc(SPOOL_BUF);
	X->sbn = 0;
}

/* Record: key length (2 bytes), key, p (4), CLV (8), tier (2), segment (2). */
enum { REC_FIXED = 2 + 4 + 8 + 2 + 2 };

void spool_put(Ctx *X, const char *c, size_t cn, const Cust *u)
{
	if (X->sbn + REC_FIXED + cn > SPOOL_BUF) {
		tmp_append(&X->spool, X->sbuf, X->sbn);
		X->sbn = 0;
	}
	char *p = X->sbuf + X->sbn;
	uint16_t n = (uint16_t)cn;
	memcpy(p, &n, 2);
	memcpy(p + 2, c, cn);
	p += 2 + cn;
	memcpy(p, &u->p, 4);
	memcpy(p + 4, &u->clv, 8);
	memcpy(p + 12, &u->tier, 2);
	memcpy(p + 14, &u->seg, 2);
	X->sbn += REC_FIXED + cn;
}

/* SpoolVisit is called with each customer read back: U (its hull built),
 * key C, CN and place G. */
typedef void (*SpoolVisit)(Ctx *X, const BrandRules *br, Cust *u, const char *c, size_t cn, uint32_t g,
			   void *ctx);

/* spool_each reads the customers back in order, calling VISIT for those
 * WANT (when not NULL) marks. */
static void spool_each(Ctx *X, const BrandRules *br, const uint8_t *want, SpoolVisit visit, void *ctx)
{
	char *buf = xmalloc(SPOOL_BUF);
	uint64_t off = 0, end = X->spool.size;
	size_t have = 0, at = 0;
	uint32_t g = 0;
	for (;;) {
		if (have - at < REC_FIXED + CRM_KEY_MAX && off < end) {
			memmove(buf, buf + at, have - at);
			have -= at;
			at = 0;
			size_t n = SPOOL_BUF - have;
			if (n > end - off)
				n = (size_t)(end - off);
			tmp_read(&X->spool, off, buf + have, n);
			off += n;
			have += n;
		}
		if (at == have)
			break;
		const char *p = buf + at;
		uint16_t cn;
		memcpy(&cn, p, 2);
		at += REC_FIXED + cn;
		if (want && !want[g]) {
			g++;
			continue;
		}
		Cust u;
		memset(&u, 0, sizeof u);
		u.pick = u.camp = -1;
		const char *q = p + 2 + cn;
		memcpy(&u.p, q, 4);
		memcpy(&u.clv, q + 4, 8);
		memcpy(&u.tier, q + 12, 2);
		memcpy(&u.seg, q + 14, 2);
		visit(X, br, &u, p + 2, cn, g++, ctx);
	}
	free(buf);
}

/* Walk: the walk of one order after its head. */
typedef struct {
	Sel *s;
	int on;                    /* more of it to settle */
	Item q;                    /* the first item after the head */
	Item pos;                  /* the items after this one are left */
	int64_t rem, limit;        /* what is left now, and when the pass began */
	Heap next;                 /* this pass: the first items after pos costing <= limit */
} Walk;

/* Taken: the hull steps a walk takes after the head, for a step's "the
 * step before it is taken" (those of the head are). */
typedef struct {
	uint64_t *a;               /* g << 8 | step */
	size_t n, cap;
} Taken;

static int taken_has(const Taken *t, uint32_t g, int step)
{
	uint64_t k = (uint64_t)g << 8 | (uint64_t)step;
	for (size_t i = 0; i < t->n; i++)
		if (t->a[i] == k)
			return 1;
	return 0;
}

/* need marks that a walk may reach item IT of order SI: the customer, and
 * its hull up to the step. */
static void need(Ctx *X, const Item *it, int si)
{
	int v = si == 0 ? it->step + 2 : 1;
	if (X->need[it->g] < v)
		X->need[it->g] = (uint8_t)v;
}

/* reach_hull cuts customer U's hull, at the end of X->hull, to the
 * points a walk may reach: a step no walk reaches is never taken, nor
 * cut by the budget curve. */
static void reach_hull(Ctx *X, Cust *u, uint32_t g)
{
	if (X->need[g] - 1 < u->nh)
		u->nh = (uint8_t)(X->need[g] - 1);
	X->nhull = u->h_off + u->nh;
}

/* heap_sort sorts H's items in S's order in place, leaving H empty with
 * its array A of N items. */
static void heap_sort(const Sel *s, Heap *h, Item **a, size_t *n)
{
	*n = h->n;
	while (h->n) {
		Item top = heap_pop(s, h);
		h->a[h->n] = top;
	}
	*a = h->a;
}

/* head_settle cuts the head of W's order (selection, no sort), marks its
 * customers, and finds the first item after it and what is left. */
static void head_settle(Ctx *X, Walk *w, int si)
{
	Sel *s = w->s;
	sel_cut(s);
	for (size_t i = 0; i < s->pre.n; i++)
		need(X, &s->pre.a[i], si);
	w->on = s->has_last && s->head_sum > s->budget;
	if (w->on) {
		w->q = w->pos = s->last;
		w->rem = (int64_t)(s->budget - (s->head_sum - s->last.dc));
	}
	free(s->pre.a);
	memset(&s->pre, 0, sizeof s->pre);
}

typedef struct {
	Walk *w;
	int load;                  /* keep the customers marked or offered to a walk */
	const BrandRules *br;
	size_t tail;               /* tail_size */
} Pass;

/* pass_visit offers a customer's items to the walks' passes. */
static void pass_visit(Ctx *X, const BrandRules *br, Cust *u, const char *c, size_t cn, uint32_t g,
		       void *ctx)
{
	(void)c;
	(void)cn;
	Pass *ps = ctx;
	cust_offers(X, br, u, X->src);
	Item it[64 + NBASE];
	int si[64 + NBASE];
	size_t n = cust_items(X, br, u, g, it, si);
	int keep = ps->load && X->need[g];
	for (size_t i = 0; i < n; i++) {
		Walk *w = &ps->w[si[i]];
		if (!w->on || it[i].dc > w->limit || item_cmp(w->s, &it[i], &w->pos) <= 0)
			continue;
		/* The step before (the item before it) is in the head, and
		 * taken, when it comes before q. */
		it[i].after = si[i] == 0 && it[i].step && item_cmp(w->s, &it[i - 1], &w->q) >= 0;
		Heap *h = &w->next;
		if (h->n == ps->tail && item_cmp(w->s, &it[i], &h->a[0]) > 0)
			continue;
		heap_push(w->s, h, it[i]);
		if (h->n > ps->tail)
			heap_pop(w->s, h);
		need(X, &it[i], si[i]);
		keep = ps->load;
	}
	if (keep) {
		reach_hull(X, u, g);
		cust_keep(X, c, cn, u, g);
	} else {
		X->nhull = u->h_off;
	}
}

/* walk_replay replays W's walk over the items of its pass, in order. */
static void walk_replay(Ctx *X, Walk *w, Taken *t, int plan, size_t tail)
{
	Heap *h = &w->next;
	int full = h->n == tail;
	Item *a;
	size_t n;
	heap_sort(w->s, h, &a, &n);
	for (size_t i = 0; i < n; i++) {
		const Item *it = &a[i];
		need(X, it, !plan);
		if (it->dc > w->rem || (it->after && !taken_has(t, it->g, it->step - 1)))
			continue;
		w->rem -= it->dc;
		if (plan) {
			if (t->n == t->cap) {
				t->cap = t->cap ? 2 * t->cap : 64;
				t->a = xrealloc(t->a, t->cap * sizeof *t->a);
			}
			t->a[t->n++] = (uint64_t)it->g << 8 | it->step;
		}
	}
	/* Every item costing what was left at the start came: settled. */
	w->on = full;
	if (full)
		w->pos = a[n - 1];
	h->sum = 0;
}

/* load_visit keeps a customer a walk reaches. */
static void load_visit(Ctx *X, const BrandRules *br, Cust *u, const char *c, size_t cn, uint32_t g,
		       void *ctx)
{
	(void)ctx;
	cust_offers(X, br, u, X->src);
	reach_hull(X, u, g);
	cust_keep(X, c, cn, u, g);
}

void spool_finish(Ctx *X, const BrandRules *br)
{
	if (!X->spooling)
		return;
	if (X->sbn)
		tmp_append(&X->spool, X->sbuf, X->sbn);
	X->sbn = 0;
	X->need = xcalloc(X->bcust + 1, 1);
	Walk w[1 + NBASE];
	Taken t = { 0 };
	memset(w, 0, sizeof w);
	int more = 0;
	for (int i = 0; i < 1 + NBASE; i++) {
		w[i].s = &X->sel[i];
		head_settle(X, &w[i], i);
		more |= w[i].on;
	}
	/* The first pass keeps the customers marked and those its walks are
	 * offered: when it settles every walk, they are all the plan needs. */
	X->selecting = X->spooling = 0;
	X->ncust = X->keys_n = X->nhull = X->ncand = 0;
	Pass ps = { w, 1, br, tail_size() };
	size_t nc = 0, np = 0, extra = (1 + NBASE) * ps.tail;
	for (uint64_t g = 0; g < X->bcust; g++)
		if (X->need[g]) {
			nc++;
			np += X->need[g] - 1u;
		}
	uint64_t keys = X->spool.size - (uint64_t)REC_FIXED * X->bcust;
	cust_reserve(X, nc + extra + 1, np + (extra + 1) * (br->target.ncamp + 1),
		     (size_t)(keys / (X->bcust + 1) * (nc + extra + 1) + CRM_KEY_MAX));
	int loaded = 0;
	while (more) {
		for (int i = 0; i < 1 + NBASE; i++)
			w[i].limit = w[i].rem;
		spool_each(X, br, NULL, pass_visit, &ps);
		more = 0;
		for (int i = 0; i < 1 + NBASE; i++) {
			if (w[i].on)
				walk_replay(X, &w[i], &t, i == 0, ps.tail);
			more |= w[i].on;
		}
		loaded = ps.load && !more;
		ps.load = 0;
		if (more)
			X->ncust = X->keys_n = X->nhull = 0;
	}
	for (int i = 0; i < 1 + NBASE; i++)
		free(w[i].next.a);
	free(t.a);
	if (!loaded)
		spool_each(X, br, X->need, load_visit, NULL);
	free(X->need);
	X->need = NULL;
	tmp_close(&X->spool);
}
