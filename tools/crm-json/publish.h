/* crm-json internals.
 *
 * Data flow: read.c reads crm-churn's rows and adds each to the series of
 * all customers and to its brand's series (series.c: the months and the
 * top-N at-risk list of each); write.c writes the document from the
 * series, doc.c its head (the rules in effect, the input). ndjson.c
 * writes each row as one object instead. */
#ifndef CRM_JSON_PUBLISH_H
#define CRM_JSON_PUBLISH_H

#include "brandrules.h"
#include "out.h"
#include "rules.h"
#include "tsv.h"

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define MAX_TIERS 32
#define SHARE_DECIMALS 4

enum { EV_NEW, EV_LOST, EV_REACT };

/* The figures of one month of one series. */
typedef struct {
	uint64_t customers, active;
	int64_t value, value12, inactive_value, inactive_value12;
	uint64_t events[3];
	uint64_t risk, lapse, decline;
	int64_t risk_value;
	uint64_t tc[MAX_TIERS], trisk[MAX_TIERS];
	uint64_t warm;            /* rows in a warm-up month */
	int64_t tv[MAX_TIERS], tv12[MAX_TIERS], trv[MAX_TIERS];
} Month;

/* An at-risk customer of the latest month. */
typedef struct {
	int64_t value12;
	char *brand, *cust, *tier, *reason;
	int64_t recency;          /* -1: none */
} Risk;

typedef struct {
	char *brand;              /* NULL: all brands */
	int32_t lo;               /* month of m[0] */
	size_t n;
	Month *m;
	Risk *heap;               /* a min-heap: the weakest kept at the root */
	size_t nheap;
	int32_t risk_month;
} Series;

/* Ctx: the state of one run, passed to every phase: the options and rules
 * main() settles, the series reading fills. */
typedef struct {
	RulesCache rc;
	Rules *rules;             /* rc.rules */
	int decimals;
	char *tiers[MAX_TIERS];   /* every brand's tiers: the defaults' first */
	size_t ntiers;
	const char *inactive;     /* the defaults' inactive tier */
	Series *s;
	size_t ns;
	size_t top;               /* --at-risk */
	uint64_t rows, customers;
	int has_brand;
	int keep_warmup;          /* --keep-warmup */
	int32_t as_of, start;     /* period_end, period_start days; NO_DAY: none */
	int32_t as_month;         /* the month of AS_OF */
	int as_days, as_len;      /* its days elapsed as of AS_OF, its length */
	char pe_text[16], ps_text[16];
} Ctx;

/* ---- series.c ---- */

/* series_init makes S the series of brand B (NULL: all brands), empty,
 * with room for the TOP at-risk customers. */
void series_init(Series *s, char *b, size_t top);

/* series_free frees what S holds. */
void series_free(Series *s);

/* series_for returns the series of brand B[0..N), added to X on first
 * sight; the pointer holds until the next call (the array may move). */
Series *series_for(Ctx *x, const char *b, size_t n);

/* month_of returns S's month M, adding the months between it and those S
 * has, zeroed. */
Month *month_of(Series *s, int32_t m);

/* risk_better says whether A ranks above B in the at-risk list. */
int risk_better(const Risk *a, const Risk *b);

/* keep_risk offers R to S's at-risk list of month M; takes R's strings. */
void keep_risk(Ctx *x, Series *s, int32_t m, Risk *r);

/* overflow dies naming the sum that overflows: the figure WHAT (of tier
 * TIER when not NULL) of series S over DURING (a month or months). */
noreturn void overflow(const Series *s, const char *during, const char *tier, const char *what);

/* overflow_at is overflow after WHERE, a "file:line: " prefix. */
noreturn void overflow_at(const char *where, const Series *s, const char *during,
			   const char *tier, const char *what);

/* add_month_at adds V to *A, a figure of series S in month MONTH read at
 * PATH:LINE; dies naming them when the sum overflows. */
void add_month_at(const char *path, unsigned long long line, const Series *s, int32_t month,
		  int64_t *a, int64_t v, const char *tier, const char *what);

/* ---- read.c ---- */

/* add_tiers adds the tiers of TR that x->tiers lacks, in TR's order. */
void add_tiers(Ctx *x, const TierRules *tr);

/* read_rows reads crm-churn's rows from T into X's series; dies naming
 * file:line, field and value on a bad row. */
void read_rows(Ctx *x, Tsv *t);

/* ---- write.c ---- */

/* month_name writes month M as a JSON string "YYYY-MM". */
void month_name(Out *o, int32_t m);

/* json_day writes DAY as "YYYY-MM-DD", or null for NO_DAY. */
void json_day(Out *o, int32_t day);

/* names_out writes the N names V as a JSON array. */
void names_out(Out *o, char *const *v, size_t n);

/* write_series writes series S as one JSON object; sorts its at-risk list. */
void write_series(Ctx *x, Out *o, Series *s);

/* ---- doc.c ---- */

/* write_doc writes the whole document of X to O. */
void write_doc(Ctx *x, Out *o);

/* ---- merge.c ---- */

/* partial_write writes X's state after read_rows, partition PART_I of
 * PART_N, as a partial document to O (crm-json --partial). */
void partial_write(Ctx *x, Out *o, unsigned part_i, unsigned part_n);

/* merge_partials adds the N partials at PATHS into X (opened as for
 * read_rows); dies naming file:line on a bad one, one of other rules, of
 * another partition count or --at-risk (x->top, when TOP_GIVEN), and
 * when a partition is missing or given twice. */
void merge_partials(Ctx *x, char **paths, size_t n, int top_given);

/* ---- ndjson.c ---- */

/* ndjson writes each row of T to O as one JSON object and returns the rows. */
uint64_t ndjson(Tsv *t, Out *o, int decimals);

#endif
