/* Phase 2: fold each partition in hash tables small enough for the cache,
 * sort its customers by key and their months in order, and keep the result
 * as a sorted run. A partition too large for the budget is split again by
 * the next bits of the hash. */
#include "agg.h"
#include "bigmem.h"
#include "hash.h"
#include "money.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>

/* A customer: its key (pointing into the loaded partition) and a list of its
 * groups in month order, the most recent first. */
typedef struct {
	uint64_t h;
	const uint8_t *key;   /* NULL: free slot */
	uint32_t keylen;
	uint32_t head;        /* index into the group pool */
	int32_t hmonth;       /* the month of the head group */
} Cust;

typedef struct {
	int32_t month;
	uint32_t next;        /* next group of the same customer, NONE ends */
	uint32_t cmask, omask;
	uint64_t lines;
	int64_t cu, ca, ou, oa;
} Grp;

#define NONE UINT32_MAX

typedef struct {
	Cust *c;
	size_t cap, n;
	int shift;            /* 64 - log2(cap) */
	Grp *g;
	size_t gcap, gn;
} Fold;

/* One table serves every partition a thread folds: allocating and zeroing
 * a fresh one each time cost more than the folding. */
static _Thread_local Fold F;

/* slot_of picks a slot from the hash's high bits: every key of a partition
 * shares the low bits that chose the partition. */
static inline size_t slot_of(uint64_t h)
{
	return (size_t)((h * 0x9e3779b97f4a7c15ULL) >> F.shift);
}

static int log2_of(size_t pow2)
{
	return __builtin_ctzll((unsigned long long)pow2);
}

static void set_table(size_t cap)
{
	if (F.c) {
		mem_account(-(int64_t)(F.cap * sizeof *F.c));
		big_free(F.c, F.cap * sizeof *F.c);
	}
	F.c = big_alloc(cap * sizeof *F.c);
	mem_account((int64_t)(cap * sizeof *F.c));
	F.cap = cap;
	F.shift = 64 - log2_of(cap);
}

static void set_pool(size_t n)
{
	Grp *g = big_alloc(n * sizeof *g);
	mem_account((int64_t)(n * sizeof *g));
	if (F.g) {
		memcpy(g, F.g, F.gn * sizeof *g);
		mem_account(-(int64_t)(F.gcap * sizeof *F.g));
		big_free(F.g, F.gcap * sizeof *F.g);
	}
	F.g = g;
	F.gcap = n;
}

/* fold_reserve makes room for about NCUST customers and NGRP groups. */
static void fold_reserve(size_t ncust, size_t ngrp)
{
	size_t cap = 1024;
	while (cap * 7 < ncust * 10)
		cap *= 2;
	if (cap > F.cap)
		set_table(cap);
	if (ngrp > F.gcap)
		set_pool(ngrp);
}

static void fold_release(void)
{
	if (F.c) {
		mem_account(-(int64_t)(F.cap * sizeof *F.c + F.gcap * sizeof *F.g));
		big_free(F.c, F.cap * sizeof *F.c);
		big_free(F.g, F.gcap * sizeof *F.g);
	}
	memset(&F, 0, sizeof F);
}

static void fold_grow(void)
{
	Cust *old = F.c;
	size_t oldcap = F.cap;
	F.c = NULL;
	set_table(oldcap * 2);
	size_t m = F.cap - 1;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key) {
			size_t j = slot_of(old[i].h);
			while (F.c[j].key)
				j = (j + 1) & m;
			F.c[j] = old[i];
		}
	mem_account(-(int64_t)(oldcap * sizeof *old));
	big_free(old, oldcap * sizeof *old);
}

static void fold_one(const Group *g)
{
	uint64_t h = hash_bytes(g->key, g->keylen);
	size_t m = F.cap - 1, i = slot_of(h);
	Cust *c;
	for (;;) {
		c = &F.c[i];
		if (!c->key)
			break;
		if (c->h == h && c->keylen == g->keylen && key_eq(c->key, g->key, g->keylen))
			goto found;
		i = (i + 1) & m;
	}
	if ((F.n + 1) * 10 > F.cap * 7) {
		fold_grow();
		fold_one(g);
		return;
	}
	*c = (Cust){ h, g->key, g->keylen, NONE, 0 };
	F.n++;
found:;
	/* The list is in month order, newest first: dated input adds months
	 * at its head, and a search stops at the first older month instead
	 * of visiting (a cache miss each) every month of the customer. A
	 * month after the head's is added without reading the pool at all. */
	uint32_t prev = NONE, k = c->head;
	if (k != NONE && c->hmonth >= g->month) {
		for (; k != NONE; prev = k, k = F.g[k].next) {
			Grp *x = &F.g[k];
			if (x->month > g->month)
				continue;
			if (x->month < g->month)
				break;
			x->cmask |= g->cmask;
			x->omask |= g->omask;
			x->lines += g->lines;
			if (add_check(&x->cu, g->cu) | add_check(&x->ca, g->ca) |
			    add_check(&x->ou, g->ou) | add_check(&x->oa, g->oa))
				die("customer '%.*s': a sum overflows 64 bits", (int)g->keylen,
				    (const char *)g->key);
			return;
		}
	}
	if (F.gn == F.gcap)
		set_pool(F.gcap * 2);
	F.g[F.gn] = (Grp){ g->month, k, g->cmask, g->omask, g->lines,
			   g->cu, g->ca, g->ou, g->oa };
	if (prev == NONE) {
		c->head = (uint32_t)F.gn;
		c->hmonth = g->month;
	} else {
		F.g[prev].next = (uint32_t)F.gn;
	}
	F.gn++;
}

/* ---- sorting customers by key ---- */

typedef struct {
	uint64_t p0, p1;
	const Cust *c;
} SortKey;

int key_cmp(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return (an > bn) - (an < bn);
}

static inline int sk_less(const SortKey *a, const SortKey *b)
{
	if (a->p0 != b->p0)
		return a->p0 < b->p0;
	if (a->p1 != b->p1)
		return a->p1 < b->p1;
	return key_cmp(a->c->key, a->c->keylen, b->c->key, b->c->keylen) < 0;
}

static void sort_keys(SortKey *v, size_t n)
{
	/* Quicksort (median of three) down to insertion sort of small slices,
	 * recursing into the smaller side; keys are distinct. */
	while (n > 16) {
		SortKey *a = &v[0], *b = &v[n / 2], *c = &v[n - 1], t;
		if (sk_less(b, a)) { t = *a; *a = *b; *b = t; }
		if (sk_less(c, b)) { t = *b; *b = *c; *c = t; }
		if (sk_less(b, a)) { t = *a; *a = *b; *b = t; }
		SortKey pivot = *b;
		size_t i = 0, j = n - 1;
		for (;;) {
			while (sk_less(&v[i], &pivot))
				i++;
			while (sk_less(&pivot, &v[j]))
				j--;
			if (i >= j)
				break;
			t = v[i]; v[i] = v[j]; v[j] = t;
			i++;
			j--;
		}
		size_t left = j + 1;
		if (left < n - left) {
			sort_keys(v, left);
			v += left;
			n -= left;
		} else {
			sort_keys(v + left, n - left);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		SortKey x = v[i];
		size_t j = i;
		while (j > 0 && sk_less(&x, &v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* ---- runs ---- */

Stream *runs_new(Runs *r, RunCut *cut)
{
	size_t ns = r->sp ? r->sp->n : 0;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
		if (ns)
			r->cut = xrealloc(r->cut, r->cap * ns * sizeof *r->cut);
	}
	if (cut)
		*cut = (RunCut){ r->sp, ns ? r->cut + r->n * ns : NULL, 0 };
	Stream *s = &r->v[r->n++];
	memset(s, 0, sizeof *s);
	return s;
}

void run_cut(RunCut *c, const uint8_t *key, uint32_t n, uint64_t off)
{
	const Splits *sp = c->sp;
	while (c->cut && c->k < sp->n && key_cmp(key, n, sp->key[c->k], sp->len[c->k]) >= 0)
		c->cut[c->k++] = off;
}

void run_cut_end(RunCut *c, uint64_t off)
{
	while (c->cut && c->k < c->sp->n)
		c->cut[c->k++] = off;
}

void splits_free(Splits *sp)
{
	for (size_t i = 0; i < sp->n; i++)
		free(sp->key[i]);
	free(sp->key);
	free(sp->len);
	memset(sp, 0, sizeof *sp);
}

void runs_spill(Runs *r)
{
	for (size_t i = 0; i < r->n; i++)
		stream_spill(&r->v[i]);
	__atomic_add_fetch(&mem.spills, 1, __ATOMIC_RELAXED);
}

/* emit_run sorts the folded customers and appends them as one run. */
static void emit_run(Runs *r)
{
	SortKey *keys = xmalloc((F.n ? F.n : 1) * sizeof *keys);
	mem_account((int64_t)(F.n * sizeof *keys));
	size_t k = 0;
	uint32_t maxg = 1;
	for (size_t i = 0; i < F.cap; i++) {
		Cust *c = &F.c[i];
		if (!c->key)
			continue;
		key_prefix(c->key, c->keylen, &keys[k].p0, &keys[k].p1);
		keys[k++].c = c;
	}
	sort_keys(keys, k);
	RunCut cut;
	Stream *run = runs_new(r, &cut);
	size_t gscap = 64;
	Grp **gs = xmalloc(gscap * sizeof *gs);
	for (size_t i = 0; i < k; i++) {
		const Cust *c = keys[i].c;
		/* The list is newest first: reversed, months go up. */
		uint32_t ng = 0;
		for (uint32_t j = c->head; j != NONE; j = F.g[j].next) {
			if (ng == gscap)
				gs = xrealloc(gs, (gscap *= 2) * sizeof *gs);
			gs[ng++] = &F.g[j];
		}
		for (uint32_t a = 0, b = ng; a + 1 < b; a++, b--) {
			Grp *t = gs[a];
			gs[a] = gs[b - 1];
			gs[b - 1] = t;
		}
		run_cut(&cut, c->key, c->keylen, run->bytes);
		uint8_t *p = stream_room(run, 2 + KEY_MAX + 10), *q;
		q = put_uv(key_put(p, c->key, c->keylen), ng);
		stream_commit(run, (size_t)(q - p));
		for (uint32_t j = 0; j < ng; j++) {
			Grp *x = gs[j];
			Group g = { NULL, 0, x->month, x->cmask, x->omask, x->lines,
				    x->cu, x->ca, x->ou, x->oa };
			p = stream_room(run, GRP_MAX);
			stream_commit(run, (size_t)(grp_put(p, &g) - p));
		}
	}
	run_cut_end(&cut, run->bytes);
	(void)maxg;
	free(gs);
	mem_account(-(int64_t)(F.n * sizeof *keys));
	free(keys);
	/* Clear for the next partition; the tables stay allocated. */
	memset(F.c, 0, F.cap * sizeof *F.c);
	F.n = 0;
	F.gn = 0;
}

static void fold_partset(PartSet *ps, Runs *r);

/* The spilled part of a partition is read into this buffer, which keys
 * point into until the partition's run is written. */
static _Thread_local uint8_t *xbuf;
static _Thread_local size_t xcap;

static void fold_stream(PartSet *parent, Stream *s, Runs *r)
{
	/* Folding needs the records plus tables that can reach about four
	 * times their size; larger partitions are split by the next 8 bits. */
	if (s->bytes > mem.split_bytes && parent->level + 1 < 8) {
		partset_spill(parent);
		runs_spill(r);
		fold_release();
		PartSet *sub = xcalloc(1, sizeof *sub);
		sub->level = parent->level + 1;
		enum { BUF = 1 << 20 };
		uint8_t *buf = xmalloc(BUF);
		Reader rd;
		reader_init(&rd, s, buf, BUF);
		Group g;
		const uint8_t *p;
		while ((p = reader_item(&rd, REC_MAX))) {
			rd.p = rec_get(p, &g);
			partset_add(sub, hash_bytes(g.key, g.keylen), &g);
		}
		free(buf);
		stream_free(s);
		fold_partset(sub, r);
		free(sub);
		return;
	}
	/* Make room first: the records read back, the tables (up to about
	 * three times the records) and the new run must fit the budget. */
	if (mem_used() + 4 * s->bytes > mem.budget)
		runs_spill(r);
	uint64_t disk = s->bytes;
	for (Chunk *c = s->head; c; c = c->next)
		disk -= c->len;
	if (disk > xcap) {
		mem_account(-(int64_t)xcap);
		big_free(xbuf, xcap);
		xcap = disk;
		xbuf = big_alloc(xcap);
		mem_account((int64_t)xcap);
	}
	uint8_t *p = xbuf;
	for (size_t i = 0; i < s->next; i++) {
		tmp_read(&mem.tmp, s->ext[i].off, p, s->ext[i].len);
		p += s->ext[i].len;
	}
	/* Records are at least 12 bytes; most hold about 24. */
	fold_reserve(s->bytes / 24 / 4 + 16, s->bytes / 24 + 16);
	Group g;
	for (const uint8_t *q = xbuf; q < p;) {
		q = rec_get(q, &g);
		fold_one(&g);
	}
	for (Chunk *c = s->head; c; c = c->next)
		for (const uint8_t *q = c->data, *e = q + c->len; q < e;) {
			q = rec_get(q, &g);
			fold_one(&g);
		}
	emit_run(r);
	stream_free(s);
	if (mem_used() > mem.budget)
		runs_spill(r);
}

static void fold_partset(PartSet *ps, Runs *r)
{
	for (unsigned i = 0; i < NPART; i++)
		if (ps->part[i].bytes)
			fold_stream(ps, &ps->part[i], r);
}

/* fold_done releases the calling thread's tables and buffer. */
static void fold_done(void)
{
	fold_release();
	if (xbuf) {
		mem_account(-(int64_t)xcap);
		big_free(xbuf, xcap);
		xbuf = NULL;
		xcap = 0;
	}
}

typedef struct {
	PartSet *ps;
	Runs runs;
} FoldJob;

static void *fold_thread(void *arg)
{
	FoldJob *j = arg;
	fold_partset(j->ps, &j->runs);
	fold_done();
	return NULL;
}

/* ---- split keys ---- */

typedef struct {
	const uint8_t *k;
	uint32_t n;
} KeyRef;

static int keyref_cmp(const void *a, const void *b)
{
	const KeyRef *x = a, *y = b;
	return key_cmp(x->k, x->n, y->k, y->n);
}

/* choose_splits picks split keys for about RANGES ranges from the keys of
 * stream S: a hash partition, so a uniform sample of all the keys. */
static void choose_splits(Splits *sp, Stream *s, size_t ranges)
{
	memset(sp, 0, sizeof *sp);
	enum { BUF = 1 << 20 };
	uint8_t *buf = xmalloc(BUF), *arena = NULL;
	size_t an = 0, acap = 0, n = 0, cap = 0;
	uint64_t *at = NULL;   /* key I: length at at[2I], offset at[2I+1] */
	Reader rd;
	reader_init(&rd, s, buf, BUF);
	const uint8_t *p;
	Group g;
	while ((p = reader_item(&rd, REC_MAX))) {
		rd.p = rec_get(p, &g);
		if (an + g.keylen > acap) {
			acap = (an + g.keylen) * 2;
			arena = xrealloc(arena, acap);
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			at = xrealloc(at, 2 * cap * sizeof *at);
		}
		memcpy(arena + an, g.key, g.keylen);
		at[2 * n] = g.keylen;
		at[2 * n + 1] = an;
		an += g.keylen;
		n++;
	}
	free(buf);
	KeyRef *v = xmalloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (KeyRef){ arena + at[2 * i + 1], (uint32_t)at[2 * i] };
	qsort(v, n, sizeof *v, keyref_cmp);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || keyref_cmp(&v[u - 1], &v[i]) != 0)
			v[u++] = v[i];
	if (ranges > u)
		ranges = u ? u : 1;
	sp->n = ranges - 1;
	sp->key = xcalloc(sp->n + 1, sizeof *sp->key);
	sp->len = xcalloc(sp->n + 1, sizeof *sp->len);
	for (size_t k = 0; k < sp->n; k++) {
		const KeyRef *x = &v[(k + 1) * u / ranges];
		sp->key[k] = xmalloc(x->n ? x->n : 1);
		memcpy(sp->key[k], x->k, x->n);
		sp->len[k] = x->n;
	}
	free(v);
	free(at);
	free(arena);
}

void fold_all(PartSet **ps, unsigned n, Runs *r)
{
	unsigned jobs = mem.jobs ? mem.jobs : 1;
	if (jobs == 1) {
		for (unsigned k = 1; k < n; k++)
			for (unsigned i = 0; i < NPART; i++)
				stream_join(&ps[0]->part[i], &ps[k]->part[i]);
		fold_partset(ps[0], r);
		fold_done();
		return;
	}
	/* Thread K folds the partitions I with I % JOBS == K, gathered from
	 * every scanner: a key lives in one partition, so the runs of the
	 * threads hold disjoint keys and merge as one thread's would. */
	FoldJob *job = xcalloc(jobs, sizeof *job);
	pthread_t *tid = xcalloc(jobs, sizeof *tid);
	for (unsigned k = 0; k < jobs; k++)
		job[k].ps = xcalloc(1, sizeof *job[k].ps);
	uint64_t total = 0;
	for (unsigned i = 0; i < NPART; i++)
		for (unsigned k = 0; k < n; k++) {
			total += ps[k]->part[i].bytes;
			stream_join(&job[i % jobs].ps->part[i], &ps[k]->part[i]);
		}
	/* Ranges of about a megabyte of records each, at least two a thread,
	 * so that the merge threads share the work and little output waits. */
	uint64_t ranges = total >> 20;
	if (ranges < 2 * jobs)
		ranges = 2 * jobs;
	if (ranges > 1024)
		ranges = 1024;
	Splits *sp = xcalloc(1, sizeof *sp);
	choose_splits(sp, &job[0].ps->part[0], (size_t)ranges);
	r->sp = sp;
	for (unsigned k = 0; k < jobs; k++) {
		job[k].runs.sp = sp;
		if (pthread_create(&tid[k], NULL, fold_thread, &job[k]))
			die("cannot start a thread");
	}
	for (unsigned k = 0; k < jobs; k++) {
		pthread_join(tid[k], NULL);
		for (size_t i = 0; i < job[k].runs.n; i++) {
			RunCut cut;
			*runs_new(r, &cut) = job[k].runs.v[i];
			if (sp->n)
				memcpy(cut.cut, job[k].runs.cut + i * sp->n, sp->n * sizeof *cut.cut);
		}
		free(job[k].runs.v);
		free(job[k].runs.cut);
		free(job[k].ps);
	}
	free(job);
	free(tid);
}
