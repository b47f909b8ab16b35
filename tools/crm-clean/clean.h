/* crm-clean internals.
 *
 * Data flow: crm-clean.c reads the input one physical line at a time and
 * feeds libcsv, which hands back fields and records (the read loop, with
 * the resync after an unbalanced quote). The first record is the header:
 * map.c maps the export's columns to the canonical ones, and settles the
 * date format from a sample of held records under --date-format auto.
 * row.c checks each record (values, then business rules, then duplicates)
 * and writes a canonical TSV line or a reject. report.c writes the summary
 * on stderr and the --report JSON (under --partition, the partial that
 * merge.c adds up with the other partitions' into the report of one run). */
#ifndef CRM_CLEAN_H
#define CRM_CLEAN_H

#include "brandrules.h"
#include "hash.h"
#include "opt.h"
#include "out.h"
#include "products.h"
#include "progress.h"

#include <csv.h>
#include <stddef.h>
#include <stdint.h>

/* ---- canonical columns and reject categories ---- */

/* The canonical columns: CleanRules.column's (clean.column.*). */
enum { C_CUSTOMER = CC_CUSTOMER, C_DATE = CC_DATE, C_SKU = CC_SKU, C_CATEGORY = CC_CATEGORY,
       C_QTY = CC_QTY, C_AMOUNT = CC_AMOUNT, C_PRICE = CC_UNIT_PRICE, C_ORDER = CC_ORDER,
       C_BRAND = CC_BRAND, NCANON = CC_NCOLS };

enum { S_PARSE, S_REQUIRED, S_VALUES, S_RULES, S_DEDUP, NSTAGE };
extern const char *const stages[NSTAGE];

typedef enum {
	R_MALFORMED, R_ENCODING, R_MISSING, R_NUMBER, R_DATE, R_LONG_ID, R_UNKNOWN_SKU, R_RANGE,
	R_CANCELLED, R_ZERO_QTY, R_RETURN, R_UNMATCHED, R_ZERO_PRICE, R_NEG_PRICE, R_OUTLIER,
	R_DUPLICATE, NREASON
} Reason;
typedef struct {
	const char *name;
	int stage;
} ReasonDef;
extern const ReasonDef reasons[NREASON];

/* The date formats: CleanDateFormat, named as clean.date_format's values. */
enum { F_AUTO = CD_AUTO, F_ISO = CD_ISO, F_MDY = CD_MDY, F_DMY = CD_DMY, F_DMY_DOT = CD_DMY_DOT,
       F_YMD = CD_YMD, NFORMAT };
extern const char *const formats[NFORMAT];

/* ---- a set of 128-bit fingerprints: records written, (customer, sku) pairs bought ---- */

typedef struct {
	XXH128_hash_t *v;
	size_t cap, n;
} Set;

/* ---- the state of a run ---- */

enum { SPAN_LIST = 10 };  /* rows spanning lines listed by line numbers */

typedef struct {
	char *p;
	size_t n;
} Str;

/* A line waiting to be fed again after an unbalanced quote. */
typedef struct {
	char *p;
	size_t n;
	uint64_t line;
} Pending;

/* Clean: the state of one run, passed to every phase. main() settles the
 * options and rules in it; the read loop, the header and the rows fill
 * the rest. */
typedef struct {
	const char *name;          /* the input, for messages */
	RulesCache rc;
	const CleanRules *rules;   /* clean.* of --brand's section, or the defaults */
	const char *brand;         /* --brand: the rules section, and the brand column */
	int decimals, price_decimals, date_format;
	int id_drop_zeros, dedup, utf8, strict;
	CleanReturns returns;
	int zero_price_keep;
	int64_t max_amount, max_qty;
	int has_max_amount, has_max_qty;
	int max_lines;
	char *cancel_prefix;
	int32_t from, to;          /* day numbers; INT32_MIN/MAX when not given */
	const Products *products;
	const char *map[NCANON];   /* --map */
	OptPart part;              /* --partition; n 0: every row */
	const char *rejects_path;  /* --rejects, for the partial */

	struct csv_parser csv;
	unsigned char delim;
	Progress pg;               /* --progress: lines read */
	uint64_t lineno;           /* the physical line being fed */
	uint64_t rec_line;         /* where the current record started */
	size_t rec_lines;
	char *raw;                 /* the current record's original text */
	size_t raw_n, raw_cap;
	Str *fields;               /* the current record's fields */
	size_t nfields, fcap;
	char *arena;               /* their bytes */
	size_t arena_n, arena_cap;
	int record_done;
	Pending *pend;
	size_t npend, pend_cap;

	int header_done;
	int ncols;
	int col[NCANON];           /* source index of each canonical column, -1 */
	char **names;              /* the export's header names */
	int sample_done;           /* date format settled */
	/* Records held while the date format is detected, and the records
	 * rejected meanwhile (REASON >= 0), so that rejects keep line order. */
	struct Held {
		uint64_t line;
		char *raw;
		size_t raw_n;
		Str *f;
		size_t nf;
		int reason;        /* -1: a record to check */
		char *detail;
	} *held;
	size_t nheld, held_cap, nsample;
	int in_record;             /* record() is checking a record */

	Set seen;                  /* records written (duplicates) */
	Set bought;                /* (customer, sku) purchased: net returns */

	Out out, rej;
	int have_rej;
	uint64_t rows, written, empty, cleaned_values, ids_decimals;
	uint64_t others;           /* records of other partitions */
	int32_t first_day, last_day;  /* of the rows written; INT32_MAX/MIN: none */
	uint64_t rejected[NREASON];
	/* Physical lines: lines read = header lines + empty lines + the
	 * lines of the rows; a row spanning lines is counted, and the first
	 * SPAN_LIST of them kept for the summary and the report. */
	uint64_t header_lines, row_lines, spanning;
	uint64_t span[SPAN_LIST][2];
} Clean;


/* ---- crm-clean.c: the read loop ---- */

/* line_len returns the length of the physical line starting P[0..N), its
 * end included (LF, CRLF or a lone CR); without one, N, or 0 where MORE
 * bytes may follow. */
size_t line_len(const char *p, size_t n, int more);

/* ---- map.c: the header, and the date format ---- */

/* header maps the header's names F[0..NF) to the canonical columns (--map,
 * or clean.column.*) into C->col and C->names, and writes the output's
 * header line; dies naming the column when a required one is missing. */
void header(Clean *C, const Str *f, size_t nf);

/* flush_held settles the date format from the held records, then checks
 * and frees them. */
void flush_held(Clean *C);

/* ---- row.c: one record ---- */

/* trim returns F without its leading and trailing blanks (same bytes). */
Str trim(Str f);

/* field returns the trimmed value of CANON_COL in the record F, or an
 * empty one where the export has no such column; it points into F. */
Str field(const Clean *C, const Str *f, int canon_col);

/* parse_date reads S[0..N) in format F into days since 1970; 0 on success. */
int parse_date(const char *s, size_t n, int f, int32_t *days);

/* row_last_line returns the physical line a row starting on LINE with the
 * text RAW[0..RAW_N) ends on. */
uint64_t row_last_line(uint64_t line, const char *raw, size_t raw_n);

/* reject counts a rejected record of REASON and writes it to the reject
 * file (dies under --strict). */
void reject(Clean *C, uint64_t line, const char *raw, size_t raw_n, Reason r, const char *detail);

/* record checks the record F[0..NF) starting on LINE, with the original
 * text RAW[0..RAW_N), and writes its canonical line or rejects it. */
void record(Clean *C, uint64_t line, const char *raw, size_t raw_n, const Str *f, size_t nf);

/* ---- report.c ---- */

/* summary writes the one-line summary of the run on stderr. */
void summary(const Clean *C);

/* report writes the counts as one JSON object to PATH (- for stdout). */
void report(const Clean *C, const char *path);

/* report_partial writes the counts of partition C->part as the partial
 * that clean_merge reads, to PATH. */
void report_partial(const Clean *C, const char *path);

/* ---- merge.c ---- */

/* clean_merge reads the partials PATHS[0..N) of every partition of one
 * export and writes the report of the single run to REPORT and, where
 * REJECTS is not NULL, its rejects, merged in line order from the files
 * the partials name; dies naming the partial and line of a bad one. */
void clean_merge(char **paths, int n, const char *report_path, const char *rejects);

#endif
