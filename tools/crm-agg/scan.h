/* crm-agg scanning: the rows of the input become partial groups.
 *
 * scan.c parses rows and folds consecutive lines of one customer and month
 * into a partial group, checking the period as it grows; feed.c (-j) has
 * one thread read blocks of lines that the scanning threads parse. */
#ifndef CRM_AGG_SCAN_H
#define CRM_AGG_SCAN_H

#include "agg.h"
#include "brandrules.h"
#include "products.h"
#include "progress.h"
#include "rules.h"
#include "tsv.h"
#include "txread.h"

#include <pthread.h>

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
	pthread_mutex_t *rc_mu;    /* held by a scanner looking up rc */
	Rules *rules;              /* rc->rules */
	int decimals;
	const Products *products;
	uint32_t part_i, part_n;   /* --partition: keep hash_range(h, n) == i */
	int has_brand;             /* -1 until the first file is opened */
	unsigned jobs;             /* -j */
	int32_t from, to;          /* --from, --to: months kept */
	int to_given;
	int32_t as_of;             /* as a tx_ymd(): --as-of, or --to's last day */
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
	/* Dates as tx_ymd() numbers: the first and last of the rows kept. */
	int32_t first_day, last_day;
	uint64_t rows, kept, outside;
	/* The pending partial group: consecutive rows of one key and month. */
	Group pend;
	uint64_t pend_h;
	uint8_t pend_key[KEY_MAX];
	int pending;
	Progress *pg;               /* --progress: rows read (one thread only) */
} Scan;

/* ---- scan.c ---- */

/* scan_new returns a scanner; SPAN is the period it checks, or NULL for
 * a thread that notes each block's months instead. */
Scan *scan_new(const Agg *a, Span *span);

/* scan_free frees scanner S (not its partitions, which folding empties). */
void scan_free(Scan *s);

/* span_init makes SP the period of no rows. */
void span_init(Span *sp);

/* ymd_days returns the day number of K, a tx_ymd(). */
int32_t ymd_days(int32_t k);

/* flush_pending stores A's pending partial group, if any. */
void flush_pending(Scan *a);

/* scan_rows folds the rows T has left into A's partial groups; dies
 * naming file:line, field and value on a bad row. */
void scan_rows(Scan *a, Tsv *tp, const TxCols *cols);

/* ---- feed.c ---- */

/* scan_parallel scans the rest of T with the a->jobs scanners S: the
 * calling thread reads blocks of whole lines, the scanners fold them,
 * SPAN is the period so far. A data error is reported as one thread would
 * report it: the first in the input, with its line number. */
void scan_parallel(const Agg *a, Scan **s, Span *span, Tsv *t, const TxCols *cols);

#endif
