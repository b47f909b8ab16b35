/* Streams of records in chunks, the spill file, and hash partitions. */
#include "agg.h"
#include "bigmem.h"
#include "money.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>

Mem mem;

/* Guards the chunk free list, the spill file and its extents: scan and
 * fold threads share them (-j). Records and tables are each thread's own. */
static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;

void mem_account(int64_t delta)
{
	uint64_t u = __atomic_add_fetch(&mem.used, (uint64_t)delta, __ATOMIC_RELAXED);
	uint64_t p = __atomic_load_n(&mem.peak, __ATOMIC_RELAXED);
	while (u > p && !__atomic_compare_exchange_n(&mem.peak, &p, u, 1, __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		;
}

#define SLAB (2u << 20)

void mem_init(uint64_t budget, const char *tmpdir, unsigned jobs)
{
	memset(&mem, 0, sizeof mem);
	mem.budget = budget;
	mem.tmpdir = tmpdir;
	mem.jobs = jobs;
	/* 256 partitions of each of JOBS scanners fill a chunk before it is
	 * full: with chunks of budget/1024/JOBS those partial chunks take at
	 * most a quarter of it. */
	size_t c = 4096;
	while (c < 64 * 1024 && c * 2 <= budget / 1024 / jobs)
		c *= 2;
	mem.chunk_bytes = c;
	mem.chunk_data = c - sizeof(Chunk);
	/* Folding a partition needs its records plus tables that can reach
	 * about four times their size; JOBS partitions fold at once. */
	mem.split_bytes = budget / 8 / jobs;
	/* Test hooks: force the paths that only huge inputs take. */
	const char *e = getenv("CRM_TEST_SPLIT_BYTES");
	uint64_t v;
	if (e && parse_uint(e, UINT64_MAX, &v) == 0)
		mem.split_bytes = v;
	e = getenv("CRM_TEST_FAN");
	if (e && parse_uint(e, 1 << 20, &v) == 0 && v >= 2)
		mem.test_fan = (size_t)v;
}

static Chunk *chunk_new(void)
{
	pthread_mutex_lock(&mem_mu);
	if (!mem.free) {
		/* A slab of chunks in one huge page. */
		uint8_t *slab = big_alloc(SLAB);
		for (size_t off = SLAB; off >= mem.chunk_bytes; off -= mem.chunk_bytes) {
			Chunk *c = (Chunk *)(slab + off - mem.chunk_bytes);
			c->next = mem.free;
			mem.free = c;
		}
	}
	Chunk *c = mem.free;
	mem.free = c->next;
	pthread_mutex_unlock(&mem_mu);
	c->next = NULL;
	c->len = 0;
	mem_account((int64_t)mem.chunk_bytes);
	return c;
}

/* chunk_release returns C to the free list; the caller holds mem_mu. */
static void chunk_release(Chunk *c)
{
	mem_account(-(int64_t)mem.chunk_bytes);
	c->next = mem.free;
	mem.free = c;
}

uint8_t *stream_grow(Stream *s)
{
	Chunk *c = chunk_new();
	if (s->tail)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	return c->data;
}

/* stream_extent appends extent E to S's spilled part. */
static void stream_extent(Stream *s, Extent e)
{
	if (s->next == s->ncap) {
		s->ncap = s->ncap ? s->ncap * 2 : 4;
		s->ext = xrealloc(s->ext, s->ncap * sizeof *s->ext);
	}
	s->ext[s->next++] = e;
}

/* tmp_ensure opens the spill file; the caller holds mem_mu. */
static void tmp_ensure(void)
{
	if (!mem.tmp_open) {
		tmp_open(&mem.tmp, mem.tmpdir);
		mem.tmp_open = 1;
	}
}

void stream_spill(Stream *s)
{
	if (!s->head)
		return;
	pthread_mutex_lock(&mem_mu);
	tmp_ensure();
	uint64_t off = mem.tmp.size, len = 0;
	for (Chunk *c = s->head, *next; c; c = next) {
		next = c->next;
		tmp_append(&mem.tmp, c->data, c->len);
		len += c->len;
		chunk_release(c);
	}
	s->head = s->tail = NULL;
	mem.spilled += len;
	pthread_mutex_unlock(&mem_mu);
	stream_extent(s, (Extent){ off, len });
}

void stream_join(Stream *d, Stream *s)
{
	for (size_t i = 0; i < s->next; i++)
		stream_extent(d, s->ext[i]);
	if (s->head) {
		if (d->tail)
			d->tail->next = s->head;
		else
			d->head = s->head;
		d->tail = s->tail;
	}
	d->bytes += s->bytes;
	free(s->ext);
	memset(s, 0, sizeof *s);
}

void stream_free(Stream *s)
{
	pthread_mutex_lock(&mem_mu);
	for (Chunk *c = s->head, *next; c; c = next) {
		next = c->next;
		chunk_release(c);
	}
	pthread_mutex_unlock(&mem_mu);
	free(s->ext);
	memset(s, 0, sizeof *s);
}

void reader_init(Reader *r, Stream *s, uint8_t *buf, size_t bufcap)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->buf = buf;
	r->bufcap = bufcap;
	r->p = r->end = buf;
	r->lim = UINT64_MAX;
}

void reader_seek(Reader *r, uint64_t off, uint64_t len)
{
	Stream *s = r->s;
	/* Reads from the spill file stop at the end of the range: a range
	 * is often far smaller than the read buffer. */
	r->lim = len;
	for (; r->ext < s->next; r->ext++) {
		if (off < s->ext[r->ext].len) {
			r->off = s->ext[r->ext].off + off;
			r->left = s->ext[r->ext].len - off;
			r->ext++;
			return;
		}
		off -= s->ext[r->ext].len;
	}
	/* In the chunks: an item never straddles two. */
	r->in_chunks = 1;
	Chunk *c = s->head;
	while (c && off >= c->len) {
		off -= c->len;
		c = c->next;
	}
	r->chunk = c;
	r->p = c ? c->data + off : NULL;
	r->end = c ? c->data + c->len : NULL;
}

const uint8_t *reader_item(Reader *r, size_t need)
{
	if (!r->in_chunks) {
		for (;;) {
			size_t have = (size_t)(r->end - r->p);
			int more = r->left && r->lim;
			if (have >= need || (have && !more))
				return r->p;
			if (more) {
				/* Keep the partial item, read up to a buffer full. */
				memmove(r->buf, r->p, have);
				size_t want = r->bufcap - have;
				if (want > r->left)
					want = (size_t)r->left;
				if (want > r->lim)
					want = (size_t)r->lim;
				tmp_read(&mem.tmp, r->off, r->buf + have, want);
				r->off += want;
				r->left -= want;
				r->lim -= want;
				r->p = r->buf;
				r->end = r->buf + have + want;
				continue;
			}
			if (!r->lim)
				return NULL;
			if (r->ext < r->s->next) {
				r->off = r->s->ext[r->ext].off;
				r->left = r->s->ext[r->ext].len;
				r->ext++;
				continue;
			}
			r->in_chunks = 1;
			r->chunk = r->s->head;
			r->p = r->chunk ? r->chunk->data : NULL;
			r->end = r->chunk ? r->chunk->data + r->chunk->len : NULL;
			break;
		}
	}
	while (r->chunk && r->p >= r->end) {
		r->chunk = r->chunk->next;
		r->p = r->chunk ? r->chunk->data : NULL;
		r->end = r->chunk ? r->chunk->data + r->chunk->len : NULL;
	}
	return r->chunk ? r->p : NULL;
}

void partset_add(PartSet *ps, uint64_t h, const Group *g)
{
	Stream *s = &ps->part[(h >> (PART_BITS * ps->level)) & (NPART - 1)];
	uint8_t *p = stream_room(s, REC_MAX);
	size_t n = (size_t)(rec_put(p, g) - p);
	stream_commit(s, n);
	ps->resident += n;
	/* Phase 1 may fill most of the budget: the rest is for the fold's
	 * tables and the first runs. Of SHARE sets filling at once, one
	 * holds at least half its share of that (the rest is partly filled
	 * chunks): those spill, not a set that has just spilled. */
	uint64_t high = mem.budget / 8 * 7;
	if (mem_used() > high && ps->resident * 2 * (ps->share ? ps->share : 1) >= high)
		partset_spill(ps);
}

void partset_spill(PartSet *ps)
{
	for (unsigned i = 0; i < NPART; i++)
		stream_spill(&ps->part[i]);
	ps->resident = 0;
	__atomic_add_fetch(&mem.spills, 1, __ATOMIC_RELAXED);
}
