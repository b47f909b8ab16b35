/* crm-agg: fold transactions into one row per customer and month.
 *
 * Reads transaction TSV (columns found by name) in any order and writes the
 * monthly rows sorted by (brand,) customer_id, month, within a memory budget:
 * see agg.h for the data flow. */
#include "agg.h"
#include "brandrules.h"
#include "date.h"
#include "hash.h"
#include "money.h"
#include "opt.h"
#include "products.h"
#include "progress.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
	"crm-agg [-j N] [--memory SIZE] [-T DIR] [--rules FILE] [--products FILE]\n"
	"               [--from YYYY-MM] [--to YYYY-MM | --as-of YYYY-MM-DD] [--partition I/N]\n"
	"               [--stats] [-o FILE] [FILE ...]\n"
	"       crm-agg --merge [-o FILE] FILE ...";

#define JOBS_MAX 64

/* A scanner's own record of the brands it has met: the shared RulesCache
 * is looked up, under a lock, once per brand and scanner. */
typedef struct {
	char *brand;
	size_t brand_n;
	const BrandRules *br;     /* owned by the RulesCache */
} SeenBrand;

/* What every scanner shares, read-only while they run. */
typedef struct {
	RulesCache *rc;            /* exclude.categories per brand */
	Rules *rules;              /* rc->rules */
	int decimals;
	const Products *products;
	uint32_t part_i, part_n;   /* --partition: keep hash_range(h, n) == i */
	int has_brand;             /* -1 until the first file is opened */
	unsigned jobs;             /* -j */
	int32_t from, to;          /* --from, --to: months kept */
	int to_given;
	int32_t as_of;             /* as a ymd_key(): --as-of, or --to's last day */
	int64_t max_months;        /* period.max_months */
} Agg;

/* The period the dates span, and the rows that set its ends (for the
 * message when it grows too long). */
typedef struct {
	int32_t min_month, max_month;
	char min_at[600], max_at[600];
} Span;

/* The months of one block's rows (-j): the least and the greatest, and
 * the first line of the block (from 1) with each. */
typedef struct {
	int32_t lo, hi;
	uint64_t lo_line, hi_line;
} BlockSpan;

/* The columns of one input file. */
typedef struct {
	int ci, di, qi, ai, bi, ki, si;
	int upto;                  /* the last of key and date */
} Cols;

/* A scanner: the state of one scanning thread. */
typedef struct {
	const Agg *a;
	SeenBrand *br;
	size_t nbr;
	SeenBrand *last;
	PartSet ps;
	/* The period: the whole input's, checked row by row; or, in a
	 * scanning thread (NULL), only the months of the current block. */
	Span *span;
	BlockSpan bs;
	/* Dates as ymd_key() numbers: the first and last of the rows kept. */
	int32_t first_day, last_day;
	uint64_t rows, kept, outside;
	/* The pending partial group: consecutive rows of one key and month. */
	Group pend;
	uint64_t pend_h;
	uint8_t pend_key[KEY_MAX];
	int pending;
	Progress *pg;               /* --progress: rows read (one thread only) */
} Scan;

/* scan_new returns a scanner; SPAN is the period it checks, or NULL for
 * a thread that notes each block's months instead. */
static Scan *scan_new(const Agg *a, Span *span)
{
	Scan *s = xcalloc(1, sizeof *s);
	s->a = a;
	s->span = span;
	s->bs = (BlockSpan){ INT32_MAX, INT32_MIN, 0, 0 };
	s->first_day = INT32_MAX;
	s->last_day = INT32_MIN;
	s->ps.share = a->jobs;
	return s;
}

static void span_init(Span *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->min_month = INT32_MAX;
	sp->max_month = -1;
}

static void scan_free(Scan *s)
{
	for (size_t i = 0; i < s->nbr; i++)
		free(s->br[i].brand);
	free(s->br);
	free(s);
}

static pthread_mutex_t brand_mu = PTHREAD_MUTEX_INITIALIZER;

/* scan_brand returns the rules of brand B (N bytes) for scanner A. */
static const BrandRules *scan_brand(Scan *a, const char *b, size_t n)
{
	if (a->last && a->last->brand_n == n && (n == 0 || memcmp(a->last->brand, b, n) == 0))
		return a->last->br;
	for (size_t i = 0; i < a->nbr; i++)
		if (a->br[i].brand_n == n && (n == 0 || memcmp(a->br[i].brand, b, n) == 0))
			return (a->last = &a->br[i])->br;
	a->br = xrealloc(a->br, (a->nbr + 1) * sizeof *a->br);
	SeenBrand *r = &a->br[a->nbr++];
	r->brand = n ? xstrndup(b, n) : NULL;
	r->brand_n = n;
	/* Scanning threads share the cache and its record of brands seen;
	 * the BrandRules it hands out stay where they are. */
	pthread_mutex_lock(&brand_mu);
	r->br = brand_rules(a->a->rc, b, n);
	pthread_mutex_unlock(&brand_mu);
	/* Pointers into a->br moved with the realloc. */
	return (a->last = r)->br;
}

static void flush_pending(Scan *a)
{
	if (a->pending) {
		partset_add(&a->ps, a->pend_h, &a->pend);
		a->pending = 0;
	}
}

/* ymd_key orders dates as days do, without the division days need. */
static inline int32_t ymd_key(int y, int m, int d)
{
	return y << 9 | m << 5 | d;
}

static int32_t ymd_days(int32_t k)
{
	return days_from_civil(k >> 9, (k >> 5) & 15, k & 31);
}

/* note_day widens the period of the data to DAY, a ymd_key(). */
static inline void note_day(Scan *a, int32_t day)
{
	if (day < a->first_day)
		a->first_day = day;
	if (day > a->last_day)
		a->last_day = day;
}

/* span_add widens the period to the month of the current row of T (its
 * date in column DI), dying when the period, from its first month to its
 * last (or --to), grows beyond period.max_months. */
static void span_add(Scan *s, const Tsv *t, int di, int32_t month)
{
	if (!s->span) {
		if (month < s->bs.lo) {
			s->bs.lo = month;
			s->bs.lo_line = t->lineno;
		}
		if (month > s->bs.hi) {
			s->bs.hi = month;
			s->bs.hi_line = t->lineno;
		}
		return;
	}
	const Agg *cf = s->a;
	Span *a = s->span;
	char *at;
	if (month < a->min_month) {
		a->min_month = month;
		at = a->min_at;
	} else if (month > a->max_month) {
		a->max_month = month;
		at = a->max_at;
	} else {
		return;
	}
	if (a->max_month < a->min_month) {
		/* The first date: both ends. */
		a->max_month = a->min_month = month;
		snprintf(a->max_at, sizeof a->max_at, "%s:%llu", t->name, (unsigned long long)t->lineno);
	}
	snprintf(at, sizeof a->min_at, "%s:%llu", t->name, (unsigned long long)t->lineno);
	int32_t hi = cf->to_given ? cf->to : a->max_month;
	if (hi - a->min_month + 1 <= cf->max_months)
		return;
	char lo_m[8], hi_m[8], msg[1600];
	month_fmt(lo_m, a->min_month);
	month_fmt(hi_m, hi);
	const char *other = at == a->min_at ? (cf->to_given ? NULL : a->max_at) : a->min_at;
	snprintf(msg, sizeof msg, "stretches the period to %lld months, %.7s to %.7s (the other end "
		 "set %s%s), beyond period.max_months (%lld): cut the period with --from/--to, "
		 "or raise period.max_months", (long long)(hi - a->min_month + 1), lo_m, hi_m,
		 other ? "at " : "by --to", other ? other : "", (long long)cf->max_months);
	tsv_fail(t, di, msg);
}

/* open_cols finds the columns of T, which has just been opened. */
static void open_cols(Agg *a, const Tsv *t, Cols *c)
{
	c->ci = tsv_need(t, "customer_id", NULL);
	c->di = tsv_need(t, "date", NULL);
	c->qi = tsv_need(t, "qty", NULL);
	c->ai = tsv_need(t, "amount", NULL);
	c->bi = tsv_col(t, "brand");
	c->ki = c->si = -1;
	if (a->products)
		c->si = tsv_need(t, "sku", NULL);
	else if ((c->ki = tsv_col(t, "category")) < 0)
		die("%s: missing column 'category' (or give a products file with --products)", t->name);
	if (a->has_brand < 0)
		a->has_brand = c->bi >= 0;
	else if (a->has_brand != (c->bi >= 0))
		die("%s: %s a brand column, unlike the files before it", t->name,
		    c->bi >= 0 ? "has" : "lacks");
	/* In partition mode a row of another partition needs only its key
	 * and date: that partition checks and folds it. */
	c->upto = c->ci > c->di ? c->ci : c->di;
	if (c->bi > c->upto)
		c->upto = c->bi;
}

/* scan_rows folds the rows T has left into A's partial groups. */
static void scan_rows(Scan *a, Tsv *tp, const Cols *cols)
{
	const Agg *cf = a->a;
	const int ci = cols->ci, di = cols->di, qi = cols->qi, ai = cols->ai;
	const int bi = cols->bi, ki = cols->ki, si = cols->si, upto = cols->upto;
	Tsv t = *tp;   /* a local copy the compiler can keep in registers */
	uint8_t key[KEY_MAX];
	while (tsv_next_raw(&t)) {
		a->rows++;
		if (a->pg && (a->rows & 0xffff) == 0)
			progress_add(a->pg, 0x10000);
		if (!cf->part_n || t.nf <= upto)
			tsv_check(&t);
		/* The key: brand NUL customer_id, or customer_id in place. */
		Field fc = t.f[ci];
		const uint8_t *kp = (const uint8_t *)fc.p;
		size_t kn = fc.n < KEY_MAX ? fc.n : KEY_MAX, bn = 0;
		const char *bp = NULL;
		if (bi >= 0) {
			bp = t.f[bi].p;
			bn = t.f[bi].n < KEY_MAX / 2 ? t.f[bi].n : KEY_MAX / 2;
			size_t cn = fc.n < KEY_MAX - bn - 1 ? fc.n : KEY_MAX - bn - 1;
			memcpy(key, bp, bn);
			key[bn] = 0;
			memcpy(key + bn + 1, fc.p, cn);
			kp = key;
			kn = bn + 1 + cn;
		}
		int y, m, d;
		const char *why = date_parse_ymd(t.f[di].p, t.f[di].n, &y, &m, &d);
		int32_t month = why ? -1 : month_index(y, m);

		/* Lines of one customer and month in a row fold before they are
		 * stored: an order's lines usually come together. */
		int same = a->pending && a->pend.month == month && a->pend.keylen == kn &&
			   key_eq(a->pend_key, kp, kn);
		uint64_t h = same ? a->pend_h : hash_bytes(kp, kn);
		if (cf->part_n) {
			if (hash_range(h, cf->part_n) != cf->part_i) {
				/* All partitions see every date, so they agree on
				 * period_start and period_end. */
				if (!why && month >= cf->from && ymd_key(y, m, d) <= cf->as_of) {
					span_add(a, &t, di, month);
					note_day(a, ymd_key(y, m, d));
				} else if (!why) {
					a->outside++;
				}
				continue;
			}
			tsv_check(&t);
		}
		if (fc.n == 0)
			tsv_fail(&t, ci, "is empty");
		if (why)
			tsv_fail(&t, di, why);
		int64_t qty, amount;
		if ((why = int_parse(t.f[qi].p, t.f[qi].n, &qty)))
			tsv_fail(&t, qi, why);
		if ((why = fixed_parse(t.f[ai].p, t.f[ai].n, cf->decimals, &amount)))
			tsv_fail(&t, ai, why);
		if (bi >= 0) {
			if (t.f[bi].n == 0)
				tsv_fail(&t, bi, "is empty");
			if (memchr(bp, 0, t.f[bi].n))
				tsv_fail(&t, bi, "holds a NUL byte");
			if (t.f[bi].n + 1 + fc.n > KEY_MAX) {
				char msg[80];
				snprintf(msg, sizeof msg, "is too long (brand and customer_id over %d bytes)", KEY_MAX - 1);
				tsv_fail(&t, ci, msg);
			}
		} else if (fc.n > KEY_MAX) {
			char msg[80];
			snprintf(msg, sizeof msg, "is too long (over %d bytes)", KEY_MAX);
			tsv_fail(&t, ci, msg);
		}

		size_t catn;
		const char *cat = products_row_category(cf->products, &t, si, ki, &catn);
		int ex = namelist_has(&scan_brand(a, bp, bn)->exclude, cat, catn);
		uint32_t bit = (qty > 0 && amount >= 0) ? 1u << (d - 1) : 0;
		if (month < cf->from || ymd_key(y, m, d) > cf->as_of) {
			/* Checked like every row, then left out: counted for --stats. */
			a->outside++;
			continue;
		}
		span_add(a, &t, di, month);
		note_day(a, ymd_key(y, m, d));
		a->kept++;
		if (!same) {
			flush_pending(a);
			key_copy(a->pend_key, kp, kn);
			a->pend = (Group){ .key = a->pend_key, .keylen = (uint32_t)kn, .month = month };
			a->pend_h = h;
			a->pending = 1;
		}
		Group *g = &a->pend;
		g->lines++;
		int over;
		if (ex) {
			g->omask |= bit;
			over = add_check(&g->ou, qty) | add_check(&g->oa, amount);
		} else {
			g->cmask |= bit;
			over = add_check(&g->cu, qty) | add_check(&g->ca, amount);
		}
		if (over)
			tsv_fail_line(&t, "a sum for customer '%.*s' overflows 64 bits", (int)fc.n, fc.p);
	}
	*tp = t;
}

/* ---- -j: one reader hands blocks of lines to scanning threads ---- */

typedef struct {
	char *p;
	size_t n, cap;
	uint64_t seq;              /* the block's place in the input */
	int state;                 /* B_FREE ... B_BAD */
	uint64_t lines;            /* once scanned */
	BlockSpan bs;
	char msg[sizeof ((DieTrap *)0)->msg];  /* B_BAD: the error */
} Block;

enum { B_FREE, B_QUEUED, B_DONE, B_BAD };

/* Blocks are scanned in any order but committed in input order: their
 * line counts give the next block's first line, their months widen the
 * period as one thread would, and the first block with an error (or that
 * stretches the period too far) is scanned again, alone, to report it. */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* signalled on every change below */
	Block *blk;
	unsigned nblk;
	unsigned *freeb, nfree;    /* blocks to fill */
	unsigned *fullq, head, nfull; /* blocks to scan, a ring in seq order */
	unsigned *byseq;           /* the block of each seq not yet committed */
	uint64_t nseq, next;       /* blocks read; the next to commit */
	int done;                  /* the reader has reached the end */
	const Agg *a;
	const Tsv *hdr;
	const Cols *cols;
	Span *span;                /* the period of the committed blocks */
	uint64_t base;             /* their lines, with the header's */
	int failed;                /* then, to scan again: */
	Span err_span;             /* the period before the block */
	uint64_t err_base;
	char *err_buf;
	size_t err_n;
	char err_msg[sizeof ((DieTrap *)0)->msg];
} Feed;

typedef struct {
	Feed *f;
	Scan *s;
} Worker;

/* fail_at keeps block B to be scanned again; the caller holds f->mu. */
static void fail_at(Feed *f, Block *b)
{
	f->failed = 1;
	f->err_span = *f->span;
	f->err_base = f->base;
	f->err_buf = xmalloc(b->n ? b->n : 1);
	memcpy(f->err_buf, b->p, b->n);
	f->err_n = b->n;
	memcpy(f->err_msg, b->msg, sizeof f->err_msg);
}

/* commit_ready commits the scanned blocks that come next in the input;
 * the caller holds f->mu. */
static void commit_ready(Feed *f)
{
	const Agg *a = f->a;
	while (!f->failed && f->next < f->nseq) {
		unsigned bi = f->byseq[f->next % f->nblk];
		Block *b = &f->blk[bi];
		if (b->state != B_DONE && b->state != B_BAD)
			return;
		BlockSpan *bs = &b->bs;
		Span *sp = f->span;
		if (b->state == B_BAD) {
			fail_at(f, b);
		} else if (bs->lo <= bs->hi) {
			int32_t lo = bs->lo < sp->min_month ? bs->lo : sp->min_month;
			int32_t hi = bs->hi > sp->max_month ? bs->hi : sp->max_month;
			if (a->to_given)
				hi = a->to;
			if (hi - lo + 1 > a->max_months) {
				b->msg[0] = '\0';
				fail_at(f, b);
			} else {
				if (bs->lo < sp->min_month) {
					sp->min_month = bs->lo;
					snprintf(sp->min_at, sizeof sp->min_at, "%s:%llu", f->hdr->name,
						 (unsigned long long)(f->base + bs->lo_line));
				}
				if (bs->hi > sp->max_month) {
					sp->max_month = bs->hi;
					snprintf(sp->max_at, sizeof sp->max_at, "%s:%llu", f->hdr->name,
						 (unsigned long long)(f->base + bs->hi_line));
				}
			}
		}
		f->base += b->lines;
		b->state = B_FREE;
		f->freeb[f->nfree++] = bi;
		f->next++;
	}
}

static void *scan_thread(void *arg)
{
	Worker *w = arg;
	Feed *f = w->f;
	Tsv v;
	tsv_view_init(&v, f->hdr);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->nfull && !f->done)
			pthread_cond_wait(&f->cv, &f->mu);
		if (!f->nfull)
			break;
		unsigned bi = f->fullq[f->head];
		f->head = (f->head + 1) % f->nblk;
		f->nfull--;
		Block *b = &f->blk[bi];
		if (f->failed) {
			/* Blocks after an error do not matter. */
			b->state = B_FREE;
			f->freeb[f->nfree++] = bi;
			pthread_cond_broadcast(&f->cv);
			continue;
		}
		pthread_mutex_unlock(&f->mu);
		/* Line numbers count from 0 in each block; the lines of the
		 * blocks before it are known when it is committed. */
		DieTrap trap;
		volatile int bad = 0;
		Scan *s = w->s;
		s->bs = (BlockSpan){ INT32_MAX, INT32_MIN, 0, 0 };
		die_trap = &trap;
		if (setjmp(trap.jb) == 0) {
			tsv_view_set(&v, b->p, b->n, 0);
			scan_rows(s, &v, f->cols);
			flush_pending(s);
		} else {
			bad = 1;
			s->pending = 0;
		}
		die_trap = NULL;
		pthread_mutex_lock(&f->mu);
		b->lines = v.lineno;
		b->bs = s->bs;
		if (bad) {
			memcpy(b->msg, trap.msg, sizeof b->msg);
			b->state = B_BAD;
		} else {
			b->state = B_DONE;
		}
		commit_ready(f);
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	tsv_view_free(&v);
	return NULL;
}

/* scan_parallel scans the rest of T with the a->jobs scanners S: the
 * calling thread reads blocks of whole lines, the scanners fold them,
 * SPAN is the period so far. A data error is reported as one thread would
 * report it: the first in the input, with its line number. */
static void scan_parallel(const Agg *a, Scan **s, Span *span, Tsv *t, const Cols *cols)
{
	Feed f;
	memset(&f, 0, sizeof f);
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cv, NULL);
	/* Three blocks a scanner: one it scans, two ready. */
	f.nblk = 3 * a->jobs;
	f.blk = xcalloc(f.nblk, sizeof *f.blk);
	f.freeb = xcalloc(f.nblk, sizeof *f.freeb);
	f.fullq = xcalloc(f.nblk, sizeof *f.fullq);
	f.byseq = xcalloc(f.nblk, sizeof *f.byseq);
	for (unsigned i = 0; i < f.nblk; i++)
		f.freeb[f.nfree++] = i;
	f.a = a;
	f.hdr = t;
	f.cols = cols;
	f.span = span;
	f.base = t->lineno;
	Worker *w = xcalloc(a->jobs, sizeof *w);
	pthread_t *tid = xcalloc(a->jobs, sizeof *tid);
	for (unsigned k = 0; k < a->jobs; k++) {
		w[k] = (Worker){ &f, s[k] };
		if (pthread_create(&tid[k], NULL, scan_thread, &w[k]))
			die("cannot start a thread");
	}
	for (;;) {
		pthread_mutex_lock(&f.mu);
		while (!f.nfree && !f.failed)
			pthread_cond_wait(&f.cv, &f.mu);
		if (f.failed) {
			pthread_mutex_unlock(&f.mu);
			break;
		}
		unsigned bi = f.freeb[--f.nfree];
		pthread_mutex_unlock(&f.mu);
		Block *b = &f.blk[bi];
		size_t n = tsv_take(t, &b->p, &b->cap);
		if (!n) {
			pthread_mutex_lock(&f.mu);
			f.freeb[f.nfree++] = bi;
			pthread_mutex_unlock(&f.mu);
			break;
		}
		b->n = n;
		pthread_mutex_lock(&f.mu);
		b->seq = f.nseq++;
		b->state = B_QUEUED;
		f.byseq[b->seq % f.nblk] = bi;
		f.fullq[(f.head + f.nfull) % f.nblk] = bi;
		f.nfull++;
		pthread_cond_broadcast(&f.cv);
		pthread_mutex_unlock(&f.mu);
	}
	pthread_mutex_lock(&f.mu);
	f.done = 1;
	pthread_cond_broadcast(&f.cv);
	pthread_mutex_unlock(&f.mu);
	for (unsigned k = 0; k < a->jobs; k++)
		pthread_join(tid[k], NULL);
	if (f.failed) {
		/* Scan the block again in this thread, its lines numbered and
		 * the period as before it: it stops at the error with the
		 * message one thread gives. */
		Tsv v;
		tsv_view_init(&v, t);
		tsv_view_set(&v, f.err_buf, f.err_n, f.err_base);
		Scan *one = scan_new(a, &f.err_span);
		scan_rows(one, &v, cols);
		die("%s", f.err_msg[0] ? f.err_msg : "the period grows beyond period.max_months");
	}
	/* A line the reader hands on is counted by the scanners. */
	t->lineno = f.base;
	for (unsigned i = 0; i < f.nblk; i++)
		free(f.blk[i].p);
	free(f.blk);
	free(f.freeb);
	free(f.fullq);
	free(f.byseq);
	free(w);
	free(tid);
	pthread_mutex_destroy(&f.mu);
	pthread_cond_destroy(&f.cv);
}

/* scan_file scans one input file with the scanners S (a->jobs of them);
 * SPAN is the period of the files before. */
static void scan_file(Agg *a, Scan **s, Span *span, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	Cols cols;
	open_cols(a, &t, &cols);
	if (a->jobs == 1)
		scan_rows(s[0], &t, &cols);
	else
		scan_parallel(a, s, span, &t, &cols);
	tsv_close(&t);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* opt_partition reads --partition I/N into the Agg at DST. */
static const char *opt_partition(const char *s, void *dst)
{
	Agg *a = dst;
	const char *slash = strchr(s, '/');
	uint64_t i, n;
	char num[32];
	if (!slash || (size_t)(slash - s) >= sizeof num)
		return "is not I/N";
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_uint(num, 1u << 20, &i) || parse_uint(slash + 1, 1u << 20, &n) ||
	    n == 0 || i == 0 || i > n)
		return "is not I/N with 1 <= I <= N";
	a->part_i = (uint32_t)i - 1;
	a->part_n = (uint32_t)n;
	return NULL;
}

/* opt_memory reads --memory SIZE into the uint64_t at DST. */
static const char *opt_memory(const char *s, void *dst)
{
	const char *why = opt_size(s, dst);
	if (!why && *(uint64_t *)dst < (4u << 20))
		why = "is less than the smallest budget, 4M";
	return why;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *products_path = NULL, *tmpdir = NULL;
	uint64_t budget = 200ULL << 20;
	int merge = 0;
	int32_t as_of_day = INT32_MIN;
	Agg a;
	memset(&a, 0, sizeof a);
	a.has_brand = -1;
	a.jobs = 1;
	a.from = INT32_MIN;
	a.to = INT32_MAX;
	a.as_of = INT32_MAX;
	OptUint jobs = { 1, JOBS_MAX, 1, 0 };
	const Opt opts[] = {
		{ NULL, 'j', "N", opt_uint, &jobs, 0, "parse, fold and merge with N threads (1; same output)" },
		{ "memory", 0, "SIZE", opt_memory, &budget, 0, "memory budget (200M; K, M, G, T or % of memory)" },
		{ NULL, 'T', "DIR", opt_str, &tmpdir, 0, "directory of the temporary file (default: $TMPDIR or /tmp)" },
		OPT_RULES(&c),
		{ "products", 0, "FILE", opt_str, &products_path, 0, "take each line's category from a sku, category file" },
		{ "from", 0, "YYYY-MM", opt_month, &a.from, 0, "leave out (and count) rows before this month" },
		{ "to", 0, "YYYY-MM", opt_month, &a.to, 0, "leave out (and count) rows after this month; the period end" },
		{ "as-of", 0, "DATE", opt_date, &as_of_day, 0, "leave out (and count) rows after this day; the period end" },
		{ "partition", 0, "I/N", opt_partition, &a, 0, "fold only the customers of hash partition I of N" },
		{ "merge", 0, NULL, NULL, &merge, 1, "merge the outputs of disjoint partitions into one" },
		OPT_STATS(&c, "print counts, memory peak, spills and timings on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	a.jobs = (unsigned)jobs.v;
	int from_given = a.from != INT32_MIN, as_of_given = as_of_day != INT32_MIN;
	a.to_given = a.to != INT32_MAX;
	if (as_of_given) {
		int y, m, d;
		civil_from_days(as_of_day, &y, &m, &d);
		a.as_of = ymd_key(y, m, d);
		a.to = month_index(y, m);
	}
	argc -= first;
	argv += first;
	static char *stdin_only[] = { "-", NULL };
	char **files = argc ? argv : stdin_only;
	int nfiles = argc ? argc : 1;

	if (as_of_given && a.to_given)
		usage_fail(usage_text, "--to and --as-of both end the period: give one");
	if (from_given && a.to_given && a.from > a.to)
		usage_fail(usage_text, "--from is after --to");
	if (from_given && as_of_given && a.from > a.to)
		usage_fail(usage_text, "--from is after --as-of");
	Out o;
	if (merge) {
		if (!argc)
			usage_fail(usage_text, "--merge needs the files to merge");
		if (from_given || a.to_given)
			usage_fail(usage_text, "--from and --to cut the input of a run, not --merge");
		if (as_of_given)
			usage_fail(usage_text, "--as-of cuts the input of a run, not --merge");
		out_create(&o, c.output);
		uint64_t rows = merge_outputs(files, nfiles, &o);
		out_close(&o);
		if (c.stats)
			fprintf(stderr, "crm-agg: merged %d files, %llu rows\n", nfiles,
				(unsigned long long)rows);
		return 0;
	}

	/* --as-of ends the period as --to does, on its day; --to on its
	 * month's last day. */
	if (as_of_given)
		a.to_given = 1;
	else if (a.to_given)
		a.as_of = ymd_key(a.to / 12, a.to % 12 + 1, days_in_month(a.to / 12, a.to % 12 + 1));
	RulesCache rc;
	rules_cache_open(&rc, c.rules);
	a.rc = &rc;
	a.rules = rc.rules;
	a.decimals = rc.money.decimals;
	a.max_months = rc.money.max_months;
	if (from_given && a.to_given && (int64_t)a.to - a.from + 1 > a.max_months)
		usage_fail(usage_text, "--from to --to is %lld months, beyond period.max_months (%lld)",
			   (long long)a.to - a.from + 1, (long long)a.max_months);
	Products products;
	if (products_path) {
		products_load(&products, products_path);
		a.products = &products;
	}
	mem_init(budget, tmp_dir(tmpdir), a.jobs);
	/* Create the output first: a destination that cannot be written
	 * fails now, not after the whole input has been read. */
	out_create(&o, c.output);

	double t0 = now();
	Progress pg;
	progress_init(&pg, a.jobs == 1 ? c.progress : 0);
	Span span;
	span_init(&span);
	Scan **scan = xcalloc(a.jobs, sizeof *scan);
	PartSet **sets = xcalloc(a.jobs, sizeof *sets);
	for (unsigned k = 0; k < a.jobs; k++) {
		scan[k] = scan_new(&a, a.jobs == 1 ? &span : NULL);
		scan[k]->pg = a.jobs == 1 ? &pg : NULL;
		sets[k] = &scan[k]->ps;
	}
	for (int i = 0; i < nfiles; i++)
		scan_file(&a, scan, &span, files[i]);
	uint64_t rows = 0, kept = 0, outs = 0;
	int32_t first_day = INT32_MAX, last_day = INT32_MIN;
	progress_add(&pg, scan[0]->rows - pg.rows);
	progress_end(&pg);
	for (unsigned k = 0; k < a.jobs; k++) {
		flush_pending(scan[k]);
		rows += scan[k]->rows;
		kept += scan[k]->kept;
		outs += scan[k]->outside;
		if (scan[k]->first_day < first_day)
			first_day = scan[k]->first_day;
		if (scan[k]->last_day > last_day)
			last_day = scan[k]->last_day;
	}

	double t1 = now();
	Runs runs;
	memset(&runs, 0, sizeof runs);
	fold_all(sets, a.jobs, &runs);
	double t2 = now();
	/* The period ends on the as-of day: --as-of, the last day of --to's
	 * month, or else the last date of the rows kept. With no rows there
	 * are none to carry it. */
	if (a.to_given)
		last_day = a.as_of;
	if (first_day > last_day)
		first_day = last_day = a.to_given ? a.as_of : ymd_key(1970, 1, 1);
	OutFmt f = { a.has_brand > 0, a.decimals, ymd_days(first_day), ymd_days(last_day) };
	write_header(&o, &f);
	uint64_t groups = merge_runs(&runs, &o, &f);
	out_close(&o);
	/* A partition meets only some of the brands. */
	if (a.has_brand > 0 && !a.part_n)
		rules_warn_unseen_brands(a.rules);
	double t3 = now();
	if (c.stats) {
		char outside[200] = "";
		if (from_given || a.to_given)
			snprintf(outside, sizeof outside, "crm-agg: %llu rows outside %s "
				 "left out\n", (unsigned long long)outs,
				 as_of_given ? "--from/--as-of" : "--from/--to");
		fprintf(stderr,
			"crm-agg: %llu rows read, %llu folded, %llu in other partitions; "
			"%llu customer-months written\n"
			"%s"
			"crm-agg: memory peak %.1f MiB of %.1f MiB; %u spills, %.1f MiB to %s\n"
			"crm-agg: seconds: %.2f read, %.2f fold, %.2f merge and write\n",
			(unsigned long long)rows, (unsigned long long)kept,
			(unsigned long long)(rows - kept - outs), (unsigned long long)groups,
			outside,
			(double)mem.peak / 1048576, (double)budget / 1048576, mem.spills,
			(double)mem.spilled / 1048576, mem.tmpdir, t1 - t0, t2 - t1, t3 - t2);
	}
	free(runs.v);
	free(runs.cut);
	if (runs.sp) {
		splits_free(runs.sp);
		free(runs.sp);
	}
	if (products_path)
		products_free(&products);
	for (unsigned k = 0; k < a.jobs; k++)
		scan_free(scan[k]);
	free(scan);
	free(sets);
	rules_cache_close(&rc);
	if (mem.tmp_open)
		tmp_close(&mem.tmp);
	return 0;
}
