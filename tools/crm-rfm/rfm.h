/* crm-rfm internals.
 *
 * Data flow: read.c reads each file into customers (an open-addressing
 * table) and (customer, day or month, amount) records, folding an order's
 * lines as they come. score.c groups the records by customer, folds each
 * customer's period into recency, frequency and monetary, and scores each
 * brand's customers against its quantiles or cut points. segment.c sums
 * and takes medians per segment; write.c writes the rows, --thresholds and
 * --summary, and json.c the --json document. */
#ifndef CRM_RFM_H
#define CRM_RFM_H

#include "brandrules.h"
#include "out.h"
#include "products.h"
#include "progress.h"
#include "rules.h"

#include <stddef.h>
#include <stdint.h>

enum { MAXBINS = RFM_MAXBINS, SAMPLE = 2000 };  /* SAMPLE: customers listed per brand in --json */
enum { SHARE_D = 4 };  /* decimals of a share */
enum { M_R = RFM_R, M_F = RFM_F, M_M = RFM_M };
extern const char *const measure_name[3];

/* A brand: its rules and its scoring. */
typedef struct {
	char *name;                /* NULL: no brand column */
	size_t name_n;
	const NameList *excl;      /* exclude.categories */
	const RfmRules *r;         /* rfm.*, owned by the rules cache */
	/* Filled by scoring. */
	int64_t thr[3][MAXBINS];   /* thresholds used, bins - 1 of them */
	uint32_t *idx;             /* scored customers, in output order */
	size_t n;
	size_t net_negative;       /* scored customers whose monetary is below 0 */
	/* --cuts: the thresholds of all partitions, in place of quantiles. */
	unsigned given;            /* bit m: given_thr[m] is set */
	int64_t given_thr[3][MAXBINS];
} Brand;

typedef struct {
	uint64_t h;
	uint32_t key_off, key_n;   /* brand NUL customer_id, or customer_id */
	uint32_t brand;
	int32_t last;              /* last purchase day up to the as-of date */
	int32_t first;             /* first purchase day */
	uint32_t freq;
	int64_t mon;
	int32_t recency;
	uint8_t score[3], seg;     /* scored: freq > 0 */
} Cust;

/* One record: a customer's day (transactions: day * 2 + 1 when a purchase)
 * or month (monthly rows: month * 32 + orders) with its consumable value. */
typedef struct {
	uint32_t cust;
	int32_t when;
	int64_t amount;
} Rec;

/* Ctx: the state of one run, passed to every phase: the options and
 * rules main() settles, the customers and records reading fills, the
 * brands' scoring. */
typedef struct {
	RulesCache rc;
	Rules *rules;              /* rc.rules */
	int decimals;
	const Products *products;
	Brand *br;
	size_t nbr;
	int has_brand;             /* -1 until the first file */
	int monthly;               /* -1 until the first file */
	int32_t as_of;             /* INT32_MIN: the latest date of the input */
	int as_of_given;
	int cuts_given;            /* --cuts: quantile measures take the given thresholds */
	int values_only;           /* --values: no scores written, nor said */
	int32_t max_day;
	/* Customers: an open-addressing table of indexes into cust. */
	Cust *cust;
	size_t ncust, custcap;
	struct Slot *table;
	size_t tcap;
	char *keys;
	size_t keys_n, keys_cap;
	Rec *rec;
	size_t nrec, reccap;
	uint64_t rows, used, excluded, later;
	Progress pg;             /* --progress: rows read */
} Ctx;



/* ---- read.c ---- */

/* key_of returns customer C's key (brand NUL customer_id, or customer_id),
 * C->key_n bytes, not NUL-terminated; owned by X. */
const char *key_of(const Ctx *X, const Cust *c);

/* brand_of returns the index of brand P[0..N) (N is 0 without a brand
 * column), added with its rules on first sight. */
uint32_t brand_of(Ctx *X, const char *p, size_t n);

/* read_file reads transactions or monthly rows from PATH (- for stdin)
 * into X's customers and records; dies naming file:line on bad input. */
void read_file(Ctx *X, const char *path);

/* ---- score.c ---- */

/* cmp_i64 orders int64_t values, for qsort. */
int cmp_i64(const void *a, const void *b);

/* cmp_key orders customer indexes by key, for qsort_r with the Ctx. */
int cmp_key(const void *a, const void *b, void *ctx);

/* cmp_brand orders brand indexes by name, for qsort_r with the Ctx. */
int cmp_brand(const void *a, const void *b, void *ctx);

/* measure returns customer U's measure M (M_R, M_F or M_M). */
int64_t measure(const Cust *u, int m);

/* fold groups the records by customer and computes recency, frequency and
 * monetary over each customer's brand period; frees the records. */
void fold(Ctx *X);

/* score_all scores each brand's customers and sorts them by key. */
void score_all(Ctx *X);

/* warn_empty_scores warns which scores 1..bins of brand B's measure M no
 * customer gets, given CNT[score], the customers per score. */
void warn_empty_scores(const Brand *b, int m, const uint64_t *cnt);

/* ---- segment.c ---- */

/* Per segment of a brand: counts, sums and medians. */
typedef struct {
	uint64_t n;
	int64_t mon;
	__int128 med[3];    /* medians x 2 (the sum of the two middle values) */
	int64_t share;      /* of the brand's customers, in 10^-SHARE_D */
	int64_t avg;        /* monetary per customer, rounded; 0 when empty */
	int64_t revenue_share; /* of the brand's monetary total, in 10^-SHARE_D */
} SegSum;

/* summarize returns brand B's sums, shares and medians per segment (the
 * caller frees it) and its customers' monetary total in *TOTAL. */
SegSum *summarize(const Ctx *X, const Brand *b, int64_t *total);

/* half_round returns X / 2 rounded half away from zero. */
int64_t half_round(__int128 x);

/* add_mon adds V to *A, dying naming WHAT (NAME) of brand B on overflow. */
void add_mon(int64_t *a, int64_t v, const Brand *b, const char *what, const char *name);


/* ---- write.c and json.c: each writes the brands in ORDER to O ---- */

/* put_header writes the header line COLS (tab-separated, ending in a
 * newline) after a brand column, where the input has brands. */
void put_header(const Ctx *X, Out *o, const char *cols);

void write_rows(const Ctx *X, Out *o, const uint32_t *order);
void write_thresholds(const Ctx *X, Out *o, const uint32_t *order);
void write_summary(const Ctx *X, Out *o, const uint32_t *order);
void write_json(const Ctx *X, Out *o, const uint32_t *order);

/* ---- partial.c: exact quantiles across partitions ---- */

/* write_values writes --values: per brand (in ORDER) and measure, each
 * distinct value of the scored customers and their count. */
void write_values(const Ctx *X, Out *o, const uint32_t *order);

/* combine_values reads the --values files PATHS[0..NPATHS), sums their
 * counts and writes --combine: each brand's quantile thresholds. */
void combine_values(Ctx *X, Out *o, char **paths, int npaths);

/* read_cuts reads a --combine file into the brands' given thresholds. */
void read_cuts(Ctx *X, const char *path);

#endif
