/* crm-agg internals.
 *
 * Data flow: scan.c reads rows (common/txread) and folds consecutive lines of
 * one customer and month into a partial group (an order, usually); crm-agg.c
 * holds the options and main(). Partial groups are encoded as variable-length
 * records and appended to one of 256 partition buffers chosen by the key's
 * hash (part.c); past the memory budget the buffers are written to an
 * anonymous temporary file. fold.c then folds each
 * partition in a hash table small enough for the cache, sorts its groups by
 * key and month, and stores them as a sorted run, in memory or spilled.
 * merge.c merges the runs into the output.
 *
 * With -j N, one thread reads blocks of lines that N threads parse (feed.c),
 * each into its own partitions; N threads fold the partitions (partition I by
 * thread I % N), and N threads merge ranges of the key space, cut by split
 * keys, while the first thread writes them in order. */
#ifndef CRM_AGG_H
#define CRM_AGG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "out.h"
#include "tmpfile.h"
#include "tsv.h"

#define KEY_MAX CRM_KEY_MAX  /* bytes of brand + NUL + customer_id */
#define PART_BITS 8
#define NPART (1u << PART_BITS)

/* A group: one key and month, or part of one. The masks hold a bit per day
 * of the month (bit 0 = day 1) with a purchase of a consumable (cmask) or an
 * excluded product (omask): orders are their population counts, first and
 * last purchase days their lowest and highest bits, and folding partial
 * groups is a bitwise or, whatever order rows come in. */
typedef struct {
	const uint8_t *key;
	uint32_t keylen;
	int32_t month;
	uint32_t cmask, omask;
	uint64_t lines;
	int64_t cu, ca, ou, oa;   /* consumable units/amount, other units/amount */
} Group;

/* ---- record encoding: u16 key length, key, then varints ---- */

#define REC_MAX (2 + KEY_MAX + 10 * 10)

static inline uint8_t *put_uv(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline const uint8_t *get_uv(const uint8_t *p, uint64_t *v)
{
	uint64_t x = *p & 0x7f;
	int s = 7;
	while (*p++ & 0x80) {
		x |= (uint64_t)(*p & 0x7f) << s;
		s += 7;
	}
	*v = x;
	return p;
}

static inline uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t unzz(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

/* Months are stored relative to 2000-01 so recent ones take two bytes. */
#define MONTH_BIAS (2000 * 12)

/* key_copy copies N bytes: keys are short, and a bounded memcpy of unknown
 * length compiles to a string move slower than two 8-byte moves. */
static inline void key_copy(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
		return;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

static inline uint8_t *key_put(uint8_t *p, const uint8_t *key, uint32_t n)
{
	p[0] = (uint8_t)n;
	p[1] = (uint8_t)(n >> 8);
	key_copy(p + 2, key, n);
	return p + 2 + n;
}

static inline const uint8_t *key_get(const uint8_t *p, const uint8_t **key, uint32_t *n)
{
	*n = (uint32_t)p[0] | (uint32_t)p[1] << 8;
	*key = p + 2;
	return p + 2 + *n;
}

static inline uint8_t *grp_put(uint8_t *p, const Group *g);
static inline const uint8_t *grp_get(const uint8_t *p, Group *g);

/* A partial-group record: the key, then the group. */
static inline uint8_t *rec_put(uint8_t *p, const Group *g)
{
	return grp_put(key_put(p, g->key, g->keylen), g);
}

static inline const uint8_t *rec_get(const uint8_t *p, Group *g)
{
	return grp_get(key_get(p, &g->key, &g->keylen), g);
}

/* grp_put/grp_get encode a group without its key, inside a run block. */
static inline uint8_t *grp_put(uint8_t *p, const Group *g)
{
	p = put_uv(p, zz(g->month - MONTH_BIAS));
	p = put_uv(p, g->cmask);
	p = put_uv(p, g->omask);
	p = put_uv(p, g->lines);
	p = put_uv(p, zz(g->cu));
	p = put_uv(p, zz(g->ca));
	p = put_uv(p, zz(g->ou));
	return put_uv(p, zz(g->oa));
}

static inline const uint8_t *grp_get(const uint8_t *p, Group *g)
{
	uint64_t v;
	p = get_uv(p, &v); g->month = (int32_t)unzz(v) + MONTH_BIAS;
	p = get_uv(p, &v); g->cmask = (uint32_t)v;
	p = get_uv(p, &v); g->omask = (uint32_t)v;
	p = get_uv(p, &g->lines);
	p = get_uv(p, &v); g->cu = unzz(v);
	p = get_uv(p, &v); g->ca = unzz(v);
	p = get_uv(p, &v); g->ou = unzz(v);
	p = get_uv(p, &v); g->oa = unzz(v);
	return p;
}

#define GRP_MAX (8 * 10)


/* ---- streams: chunked memory that spills to a temporary file ---- */

/* Chunks come from 2 MiB huge-page slabs and are reused, never unmapped:
 * the records of phase 1, then the runs of phase 2, live in the same
 * memory. An item (a record, a run's block header or group) never straddles
 * two chunks, so readers decode in place. */
typedef struct Chunk {
	struct Chunk *next;
	size_t len;
	uint8_t data[];
} Chunk;

typedef struct {
	uint64_t off, len;
} Extent;

/* A byte stream: extents in the spill file (older), then chunks. */
typedef struct {
	Chunk *head, *tail;
	Extent *ext;
	size_t next, ncap;
	uint64_t bytes;        /* in memory and on disk */
} Stream;

typedef struct {
	uint64_t budget;       /* --memory */
	uint64_t used;         /* bytes in use now: chunks, tables, buffers */
	uint64_t peak;
	uint64_t spilled;      /* bytes written to the temporary file */
	unsigned spills;
	const char *tmpdir;
	TmpFile tmp;
	int tmp_open;
	Chunk *free;           /* chunks to reuse */
	size_t chunk_bytes;    /* a chunk with its header: budget/1024, 4-64 KiB */
	size_t chunk_data;
	uint64_t split_bytes;  /* a partition larger than this is split again */
	size_t test_fan;       /* CRM_TEST_FAN: merge at most this many runs */
	unsigned jobs;         /* -j: threads that scan and fold at once */
} Mem;

/* One Mem serves every thread: the free list and the spill file take a
 * lock, the counters are updated atomically. */
extern Mem mem;

/* mem_account adds DELTA bytes to the memory in use and keeps the peak. */
void mem_account(int64_t delta);
static inline uint64_t mem_used(void)
{
	return __atomic_load_n(&mem.used, __ATOMIC_RELAXED);
}
/* mem_init sets the budget and the chunk size that suits it for JOBS
 * threads. */
void mem_init(uint64_t budget, const char *tmpdir, unsigned jobs);
/* stream_room returns space for N bytes (N <= mem.chunk_data) at the end of
 * S; stream_commit then adds the N' <= N bytes written there. */
uint8_t *stream_grow(Stream *s);
static inline uint8_t *stream_room(Stream *s, size_t n)
{
	if (!s->tail || s->tail->len + n > mem.chunk_data)
		return stream_grow(s);
	return s->tail->data + s->tail->len;
}
static inline void stream_commit(Stream *s, size_t n)
{
	s->tail->len += n;
	s->bytes += n;
}
/* stream_spill moves the chunks of S to the spill file. */
void stream_spill(Stream *s);
/* stream_join moves the extents and chunks of S to the end of D; S is left
 * empty. */
void stream_join(Stream *d, Stream *s);
/* stream_free releases the chunks and extents of S. */
void stream_free(Stream *s);

/* A reader of a stream: spilled extents through a buffer, then the chunks
 * in place. */
typedef struct {
	Stream *s;
	const uint8_t *p, *end;
	uint8_t *buf;          /* for the spilled part */
	size_t bufcap;
	size_t ext;            /* next extent to read */
	uint64_t off, left;    /* unread part of the current extent */
	uint64_t lim;          /* bytes left to read (reader_seek), or all */
	Chunk *chunk;          /* the chunk being read, once extents are done */
	int in_chunks;
} Reader;

void reader_init(Reader *r, Stream *s, uint8_t *buf, size_t bufcap);
/* reader_seek moves a new reader to offset OFF of its stream (the start of
 * an item) and ends it LEN bytes after (at the end of an item). */
void reader_seek(Reader *r, uint64_t off, uint64_t len);
/* reader_item returns a pointer to the next item, with at least NEED bytes
 * readable when they are in a spilled extent, or NULL at the end; the
 * caller sets r->p past what it decoded. */
const uint8_t *reader_item(Reader *r, size_t need);

/* ---- partitioning and folding ---- */

typedef struct {
	Stream part[NPART];
	int level;             /* which 8 bits of the hash choose the partition */
	unsigned share;        /* sets filling at once (scanners); 0 means 1 */
	uint64_t resident;     /* record bytes added since the last spill */
} PartSet;

/* partset_add appends a partial group whose key hashes to H. */
void partset_add(PartSet *ps, uint64_t h, const Group *g);
/* partset_spill writes every partition's memory to the spill file. */
void partset_spill(PartSet *ps);

/* Split keys cut the key space into ranges that threads merge at once
 * (-j): N keys in ascending order, range K holding the keys from KEY[K-1]
 * (or the first) up to KEY[K] (or the last), KEY[K] excluded. */
typedef struct {
	uint8_t **key;
	uint32_t *len;
	size_t n;
} Splits;

/* Sorted runs: each a stream of customer blocks (u16 key length, key,
 * varint count of groups, then each group without its key) in key order.
 * With split keys, CUT[I * SP->n + K] is the offset in run I of its first
 * customer at or above split key K. */
typedef struct {
	Stream *v;
	uint64_t *cut;
	size_t n, cap;
	Splits *sp;            /* NULL: one thread merges */
} Runs;

/* RunCut records the cuts of one run as its customers are written. */
typedef struct {
	const Splits *sp;
	uint64_t *cut;
	size_t k;              /* split keys passed */
} RunCut;

/* run_cut notes that the customer KEY starts at offset OFF of the run;
 * run_cut_end that the run ends at OFF. */
void run_cut(RunCut *c, const uint8_t *key, uint32_t n, uint64_t off);
void run_cut_end(RunCut *c, uint64_t off);

/* fold_all folds the partitions of the N sets PS (one per scanner, the
 * same keys in the same partition of each) into sorted runs appended to R,
 * with mem.jobs threads; the sets are left empty. */
void fold_all(PartSet **ps, unsigned n, Runs *r);
/* runs_new adds an empty run to R; *CUT (when not NULL) is set to record
 * its cuts. */
Stream *runs_new(Runs *r, RunCut *cut);
/* splits_free releases split keys. */
void splits_free(Splits *sp);
void runs_spill(Runs *r);

/* ---- output ---- */

typedef struct {
	int brand;             /* keys are brand NUL customer_id */
	int decimals;
	int32_t period_start, period_end;   /* days: the first date, the as-of day */
	char rules_id[17];     /* the fingerprint of the rules: rules_id() */
} OutFmt;

void write_header(Out *o, const OutFmt *f);
/* merge_runs merges R into O (several passes when there are more runs than
 * the memory budget can read at once); returns the number of rows. */
uint64_t merge_runs(Runs *r, Out *o, const OutFmt *f);
/* merge_outputs merges crm-agg outputs (sorted TSV files of one layout) for
 * the --merge mode; returns the number of rows written. */
uint64_t merge_outputs(char **paths, int n, Out *o);

int key_cmp(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn);

/* key_eq compares N bytes; short keys, the common case, without a call. */
static inline int key_eq(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint64_t u, v, w, z;
	if (n >= 8 && n <= 16) {
		/* Two loads that overlap when N < 16 cover all N bytes. */
		memcpy(&u, x, 8);
		memcpy(&v, y, 8);
		memcpy(&w, x + n - 8, 8);
		memcpy(&z, y + n - 8, 8);
		return ((u ^ v) | (w ^ z)) == 0;
	}
	return memcmp(x, y, n) == 0;
}

static inline uint64_t load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	if (n >= 8) {
		memcpy(&v, p, 8);
		return __builtin_bswap64(v);
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (56 - 8 * i);
	return v;
}

/* key_prefix sets the key's first 16 bytes, zero-padded, as two big-endian
 * integers: comparing them orders keys as key_cmp does whenever they differ. */
static inline void key_prefix(const uint8_t *k, uint32_t n, uint64_t *p0, uint64_t *p1)
{
	*p0 = load_be(k, n);
	*p1 = n > 8 ? load_be(k + 8, n - 8) : 0;
}

#endif
