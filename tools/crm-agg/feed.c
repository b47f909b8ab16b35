/* crm-agg -j: one reader hands blocks of lines to scanning threads. */
#include "scan.h"
#include "util.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	const TxCols *cols;
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

void scan_parallel(const Agg *a, Scan **s, Span *span, Tsv *t, const TxCols *cols)
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
