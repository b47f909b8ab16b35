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
 * whose place WANT (when not NULL) marks. */
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
		if (want && !(want[g / 8] >> (g % 8) & 1)) {
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
	Item pos;                  /* the items after this one are left */
	int64_t rem, limit;        /* what is left now, and when the pass began */
	Heap next;                 /* this pass: the first items after pos costing <= limit */
} Walk;

/* Taken: the hull steps the plan takes, for a step's "the step before". */
typedef struct {
	uint64_t *head;            /* (g << 8 | step) of the head, sorted */
	size_t nhead;
	uint64_t *tail;
	size_t ntail, tailcap;
} Taken;

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int taken_has(const Taken *t, uint32_t g, int step)
{
	uint64_t k = (uint64_t)g << 8 | (uint64_t)step;
	if (bsearch(&k, t->head, t->nhead, sizeof k, u64_cmp))
		return 1;
	for (size_t i = 0; i < t->ntail; i++)
		if (t->tail[i] == k)
			return 1;
	return 0;
}

static void mark(uint8_t *keep, uint32_t g)
{
	keep[g / 8] |= (uint8_t)(1u << (g % 8));
}

/* heap_sort sorts H's items in S's order in place (no second copy of a
 * large head), leaving H empty with its array A of N items. */
static void heap_sort(const Sel *s, Heap *h, Item **a, size_t *n)
{
	*n = h->n;
	while (h->n) {
		Item top = heap_pop(s, h);
		h->a[h->n] = top;
	}
	*a = h->a;
}

/* head_settle sorts the head of W's order, marks its customers, and finds
 * what is left after it; the plan's head goes to T. */
static void head_settle(Ctx *X, Walk *w, Taken *t, int plan)
{
	Sel *s = w->s;
	Item *a;
	size_t n;
	heap_sort(s, &s->pre, &a, &n);
	int64_t cum = 0;
	w->on = 0;
	if (plan)
		t->head = xmalloc((n + 1) * sizeof *t->head);
	for (size_t i = 0; i < n; i++) {
		mark(X->keep, a[i].g);
		if (w->on)
			continue;
		if (a[i].dc <= s->budget - cum) {
			cum += a[i].dc;
			if (plan)
				t->head[t->nhead++] = (uint64_t)a[i].g << 8 | a[i].step;
			continue;
		}
		w->on = 1;
		w->pos = a[i];
		w->rem = s->budget - cum;
	}
	if (plan)
		qsort(t->head, t->nhead, sizeof *t->head, u64_cmp);
	free(a);
	memset(&s->pre, 0, sizeof s->pre);
}

typedef struct {
	Walk *w;
	int load;                  /* keep the customers marked or offered to a walk */
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
	int keep = ps->load && (X->keep[g / 8] >> (g % 8) & 1);
	for (size_t i = 0; i < n; i++) {
		Walk *w = &ps->w[si[i]];
		if (!w->on || it[i].dc > w->limit || item_cmp(w->s, &it[i], &w->pos) <= 0)
			continue;
		Heap *h = &w->next;
		if (h->n == ps->tail && item_cmp(w->s, &it[i], &h->a[0]) > 0)
			continue;
		heap_push(w->s, h, it[i]);
		if (h->n > ps->tail)
			heap_pop(w->s, h);
		keep = ps->load;
	}
	if (keep)
		cust_keep(X, c, cn, u, g);
	else
		X->nhull = u->h_off;
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
		mark(X->keep, it->g);
		if (it->dc > w->rem || (plan && it->step && !taken_has(t, it->g, it->step - 1)))
			continue;
		w->rem -= it->dc;
		if (plan) {
			if (t->ntail == t->tailcap) {
				t->tailcap = t->tailcap ? 2 * t->tailcap : 64;
				t->tail = xrealloc(t->tail, t->tailcap * sizeof *t->tail);
			}
			t->tail[t->ntail++] = (uint64_t)it->g << 8 | it->step;
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
	(void)g;
	cust_add(X, br, c, cn, u, X->src);
}

void spool_finish(Ctx *X, const BrandRules *br)
{
	if (!X->spooling)
		return;
	if (X->sbn)
		tmp_append(&X->spool, X->sbuf, X->sbn);
	X->sbn = 0;
	X->keep = xcalloc(X->bcust / 8 + 1, 1);
	Walk w[1 + NBASE];
	Taken t;
	memset(w, 0, sizeof w);
	memset(&t, 0, sizeof t);
	int more = 0;
	for (int i = 0; i < 1 + NBASE; i++) {
		w[i].s = &X->sel[i];
		head_settle(X, &w[i], &t, i == 0);
		more |= w[i].on;
	}
	/* The first pass keeps the customers marked and those its walks are
	 * offered: when it settles every walk, they are all the plan needs. */
	uint64_t cust = X->bcust, cand = X->bcand;
	X->selecting = X->spooling = 0;
	X->ncust = X->keys_n = X->nhull = X->ncand = 0;
	Pass ps = { w, 1, tail_size() };
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
	free(t.head);
	free(t.tail);
	if (!loaded) {
		X->bcust = 0;
		spool_each(X, br, X->keep, load_visit, NULL);
	}
	X->bcust = cust;
	X->bcand = cand;
	free(X->keep);
	X->keep = NULL;
	tmp_close(&X->spool);
}
