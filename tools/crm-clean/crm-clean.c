/* crm-clean: turn a CSV export into the canonical transaction stream.
 *
 * Reads CSV (libcsv) one physical line at a time, so that every record keeps
 * the line it starts on and its original text; maps the export's columns to
 * the canonical ones; checks every record and writes either a canonical TSV
 * line or a reject with its line number, category and original text.
 * Nothing is dropped: rows read = rows written + rows rejected, per category
 * and per stage, in the summary on stderr and the --report JSON. */
#include "brandrules.h"
#include "date.h"
#include "hash.h"
#include "json.h"
#include "money.h"
#include "opt.h"
#include "out.h"
#include "products.h"
#include "progress.h"
#include "rules.h"
#include "strmap.h"
#include "tsv.h"
#include "util.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"crm-clean [--rules FILE] [--brand NAME] [--map COLUMN=NAME,...] [--products FILE]\n"
	"                 [--date-format FORMAT] [--encoding pass|utf8] [--from DATE] [--to DATE]\n"
	"                 [-d DELIM] [--rejects FILE] [--report FILE] [--strict] [-o FILE] [FILE]";

/* ---- canonical columns and reject categories ---- */

/* The canonical columns: CleanRules.column's (clean.column.*). */
enum { C_CUSTOMER = CC_CUSTOMER, C_DATE = CC_DATE, C_SKU = CC_SKU, C_CATEGORY = CC_CATEGORY,
       C_QTY = CC_QTY, C_AMOUNT = CC_AMOUNT, C_PRICE = CC_UNIT_PRICE, C_ORDER = CC_ORDER,
       C_BRAND = CC_BRAND, NCANON = CC_NCOLS };
static const char *const *const canon = clean_column_names;

enum { S_PARSE, S_REQUIRED, S_VALUES, S_RULES, S_DEDUP, NSTAGE };
static const char *const stages[NSTAGE] = { "parse", "required", "values", "rules", "dedup" };

typedef enum {
	R_MALFORMED, R_ENCODING, R_MISSING, R_NUMBER, R_DATE, R_LONG_ID, R_UNKNOWN_SKU, R_RANGE,
	R_CANCELLED, R_ZERO_QTY, R_RETURN, R_UNMATCHED, R_ZERO_PRICE, R_NEG_PRICE, R_OUTLIER,
	R_DUPLICATE, NREASON
} Reason;
static const struct {
	const char *name;
	int stage;
} reasons[NREASON] = {
	{ "malformed", S_PARSE }, { "bad_encoding", S_PARSE }, { "missing_value", S_REQUIRED },
	{ "bad_number", S_VALUES }, { "bad_date", S_VALUES }, { "id_too_long", S_VALUES },
	{ "unknown_sku", S_VALUES },
	{ "out_of_range", S_RULES }, { "cancelled", S_RULES }, { "zero_quantity", S_RULES },
	{ "return", S_RULES }, { "unmatched_return", S_RULES }, { "zero_price", S_RULES },
	{ "negative_price", S_RULES }, { "outlier", S_RULES }, { "duplicate", S_DEDUP },
};

/* The date formats: CleanDateFormat, named as clean.date_format's values. */
enum { F_AUTO = CD_AUTO, F_ISO = CD_ISO, F_MDY = CD_MDY, F_DMY = CD_DMY, F_DMY_DOT = CD_DMY_DOT,
       F_YMD = CD_YMD, NFORMAT };
static const char *const formats[NFORMAT] = { "auto", "iso", "mdy", "dmy", "dmy-dot", "ymd" };

/* ---- a set of 128-bit fingerprints (duplicates) or 64-bit keys ---- */

typedef struct {
	XXH128_hash_t *v;
	size_t cap, n;
} Set;

/* set_add adds H; returns 0 when it was there already. An all-zero hash
 * marks a free slot, so a zero hash is stored as 1. */
static int set_add(Set *s, XXH128_hash_t h)
{
	if (!h.low64 && !h.high64)
		h.low64 = 1;
	if ((s->n + 1) * 10 > s->cap * 7) {
		Set b = { xcalloc(s->cap ? s->cap * 2 : 1024, sizeof *b.v), s->cap ? s->cap * 2 : 1024, 0 };
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i].low64 || s->v[i].high64)
				set_add(&b, s->v[i]);
		free(s->v);
		*s = b;
	}
	size_t m = s->cap - 1, i = (size_t)h.low64 & m;
	while (s->v[i].low64 || s->v[i].high64) {
		if (s->v[i].low64 == h.low64 && s->v[i].high64 == h.high64)
			return 0;
		i = (i + 1) & m;
	}
	s->v[i] = h;
	s->n++;
	return 1;
}

static int set_has(const Set *s, XXH128_hash_t h)
{
	if (!s->cap)
		return 0;
	if (!h.low64 && !h.high64)
		h.low64 = 1;
	size_t m = s->cap - 1, i = (size_t)h.low64 & m;
	while (s->v[i].low64 || s->v[i].high64) {
		if (s->v[i].low64 == h.low64 && s->v[i].high64 == h.high64)
			return 1;
		i = (i + 1) & m;
	}
	return 0;
}

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
	/* Records held while the date format is detected. */
	struct Held {
		uint64_t line;
		char *raw;
		size_t raw_n;
		Str *f;
		size_t nf;
	} *held;
	size_t nheld, held_cap;

	Set seen;                  /* records written (duplicates) */
	Set bought;                /* (customer, sku) purchased: net returns */

	Out out, rej;
	int have_rej;
	uint64_t rows, written, empty, cleaned_values, ids_decimals;
	uint64_t rejected[NREASON];
	/* Physical lines: lines read = header lines + empty lines + the
	 * lines of the rows; a row spanning lines is counted, and the first
	 * SPAN_LIST of them kept for the summary and the report. */
	uint64_t header_lines, row_lines, spanning;
	uint64_t span[SPAN_LIST][2];
} Clean;

static Clean C;

/* ---- rejects ---- */

static void csv_quoted(Out *o, const char *s, size_t n)
{
	out_char(o, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			out_char(o, '"');
		out_char(o, s[i]);
	}
	out_char(o, '"');
}

/* line_len returns the length of the physical line starting P[0..N), its
 * end included: LF, CRLF or a lone CR (libcsv ends a record at each, so
 * each is a line: a file saved with CR line ends reads line by line).
 * Without a line end it is the rest, N; or 0 where MORE bytes may follow
 * (the end, or a CR's LF, is still to come). */
static size_t line_len(const char *p, size_t n, int more)
{
	const char *nl = memchr(p, '\n', n);
	size_t upto = nl ? (size_t)(nl - p) : n;
	const char *cr = memchr(p, '\r', upto);
	if (cr && cr + 1 < p + upto)
		return (size_t)(cr - p) + 1;
	if (nl)
		return upto + 1;
	return more ? 0 : n;
}

/* row_last_line returns the physical line a row starting on LINE with the
 * text RAW[0..RAW_N) ends on: a quoted line break makes it a later one. */
static uint64_t row_last_line(uint64_t line, const char *raw, size_t raw_n)
{
	for (size_t off = line_len(raw, raw_n, 0); off < raw_n; off += line_len(raw + off, raw_n - off, 0))
		line++;
	return line;
}

/* count_row counts a row, written or rejected, of the lines LINE..LAST. */
static void count_row(uint64_t line, uint64_t last)
{
	C.rows++;
	C.row_lines += last - line + 1;
	if (last > line) {
		if (C.spanning < SPAN_LIST) {
			C.span[C.spanning][0] = line;
			C.span[C.spanning][1] = last;
		}
		C.spanning++;
	}
}

/* reject counts a rejected record of REASON and writes it to the reject
 * file: its first line, category, detail and original text. The detail
 * of a record spanning lines ends with their range. */
static void reject(uint64_t line, const char *raw, size_t raw_n, Reason r, const char *detail)
{
	uint64_t last = row_last_line(line, raw, raw_n);
	char full[512];
	if (last > line)
		snprintf(full, sizeof full, "%s (a record of lines %llu-%llu)", detail,
			 (unsigned long long)line, (unsigned long long)last);
	else
		snprintf(full, sizeof full, "%s", detail);
	if (C.strict)
		die("%s:%llu: %s: %s", C.name, (unsigned long long)line, reasons[r].name, full);
	count_row(line, last);
	C.rejected[r]++;
	if (!C.have_rej)
		return;
	while (raw_n && (raw[raw_n - 1] == '\n' || raw[raw_n - 1] == '\r'))
		raw_n--;
	Out *o = &C.rej;
	out_u64(o, line);
	out_char(o, ',');
	out_str(o, reasons[r].name);
	out_char(o, ',');
	csv_quoted(o, full, strlen(full));
	out_char(o, ',');
	csv_quoted(o, raw, raw_n);
	out_char(o, '\n');
}

/* ---- values ---- */

static int digits(const char *s, size_t n, int *v)
{
	if (!n || n > 4)
		return 0;
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 1;
}

/* time_ok accepts what may follow a date: nothing, or a space or T and a
 * time of day (H:MM, HH:MM:SS, with fractions or a zone), dropped. */
static int time_ok(const char *s, size_t n)
{
	if (!n)
		return 1;
	if (*s != ' ' && *s != 'T')
		return 0;
	s++;
	n--;
	size_t colon = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colon++;
		else if ((s[i] < '0' || s[i] > '9') && !strchr(".+-Z ", s[i]))
			return 0;
	}
	return colon >= 1 && n >= 4 && s[0] >= '0' && s[0] <= '9';
}

/* parse_date reads S[0..N) in format F into days since 1970; 0 on success. */
static int parse_date(const char *s, size_t n, int f, int32_t *days)
{
	int y = 0, m = 0, d = 0;
	size_t used = 0;
	switch (f) {
	case F_ISO:
		if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
		    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
			return -1;
		used = 10;
		break;
	case F_YMD:
		if (n < 8 || !digits(s, 4, &y) || !digits(s + 4, 2, &m) || !digits(s + 6, 2, &d))
			return -1;
		used = 8;
		break;
	case F_MDY:
	case F_DMY:
	case F_DMY_DOT: {
		char sep = f == F_DMY_DOT ? '.' : '/';
		const char *a = s, *e = s + n, *p1 = memchr(s, sep, n);
		if (!p1)
			return -1;
		const char *p2 = memchr(p1 + 1, sep, (size_t)(e - p1 - 1));
		if (!p2)
			return -1;
		const char *p3 = p2 + 1;
		while (p3 < e && *p3 >= '0' && *p3 <= '9')
			p3++;
		int x, z;
		if (!digits(a, (size_t)(p1 - a), &x) || !digits(p1 + 1, (size_t)(p2 - p1 - 1), &z) ||
		    p3 - p2 - 1 != 4 || !digits(p2 + 1, 4, &y) || p1 - a > 2 || p2 - p1 - 1 > 2)
			return -1;
		if (f == F_MDY) {
			m = x;
			d = z;
		} else {
			d = x;
			m = z;
		}
		used = (size_t)(p3 - s);
		break;
	}
	default:
		return -1;
	}
	if (!time_ok(s + used, n - used))
		return -1;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

static Str trim(Str f)
{
	while (f.n && (*f.p == ' ' || *f.p == '\t'))
		f.p++, f.n--;
	while (f.n && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t'))
		f.n--;
	return f;
}

/* put_value writes a value, each tab, CR or LF in it replaced by a space
 * so the TSV stays one line a row with its columns (counted). */
static void put_value(Str v)
{
	int changed = 0;
	for (size_t i = 0; i < v.n; i++) {
		char c = v.p[i];
		if (c == '\t' || c == '\n' || c == '\r') {
			c = ' ';
			changed = 1;
		}
		out_char(&C.out, c);
	}
	C.cleaned_values += (uint64_t)changed;
}

/* ---- one record ---- */

static Str field(const Str *f, int canon_col)
{
	int c = C.col[canon_col];
	return c < 0 ? (Str){ "", 0 } : trim(f[c]);
}

/* id_key returns the customer id ID as written, or, under
 * clean.id_drop_zero_decimals, without the zero decimals a number export
 * adds (17850.0 is 17850). The result points into ID. */
static Str id_key(Str id)
{
	if (!C.id_drop_zeros)
		return id;
	const char *dot = memchr(id.p, '.', id.n);
	if (!dot || dot == id.p || dot + 1 == id.p + id.n)
		return id;
	for (const char *q = id.p; q < dot; q++)
		if (*q < '0' || *q > '9')
			return id;
	for (const char *q = dot + 1; q < id.p + id.n; q++)
		if (*q != '0')
			return id;
	return (Str){ id.p, (size_t)(dot - id.p) };
}

static void record(uint64_t line, const char *raw, size_t raw_n, const Str *f, size_t nf)
{
	char msg[256];
	if ((int)nf != C.ncols) {
		snprintf(msg, sizeof msg, "expected %d fields, found %zu", C.ncols, nf);
		reject(line, raw, raw_n, R_MALFORMED, msg);
		return;
	}
	if (C.utf8 && !utf8_valid(raw, raw_n)) {
		reject(line, raw, raw_n, R_ENCODING, "not valid UTF-8");
		return;
	}
	/* Required values. */
	static const int need[] = { C_CUSTOMER, C_DATE, C_SKU, C_QTY };
	for (size_t i = 0; i < sizeof need / sizeof *need; i++)
		if (!field(f, need[i]).n) {
			snprintf(msg, sizeof msg, "%s (%s) is empty", canon[need[i]], C.names[C.col[need[i]]]);
			reject(line, raw, raw_n, R_MISSING, msg);
			return;
		}
	int by_amount = C.col[C_AMOUNT] >= 0;
	Str money_f = field(f, by_amount ? C_AMOUNT : C_PRICE);
	if (!money_f.n) {
		snprintf(msg, sizeof msg, "%s (%s) is empty", by_amount ? "amount" : "unit_price",
			 C.names[C.col[by_amount ? C_AMOUNT : C_PRICE]]);
		reject(line, raw, raw_n, R_MISSING, msg);
		return;
	}
	if (C.col[C_CATEGORY] >= 0 && !C.products && !field(f, C_CATEGORY).n) {
		reject(line, raw, raw_n, R_MISSING, "category is empty");
		return;
	}
	/* crm-agg keys rows by brand NUL customer_id: a brand column's value
	 * may be neither empty nor hold a NUL. */
	if (!C.brand && C.col[C_BRAND] >= 0) {
		Str b = field(f, C_BRAND);
		if (!b.n || memchr(b.p, 0, b.n)) {
			snprintf(msg, sizeof msg, "brand (%s) %s", C.names[C.col[C_BRAND]],
				 b.n ? "holds a NUL byte" : "is empty");
			reject(line, raw, raw_n, b.n ? R_MALFORMED : R_MISSING, msg);
			return;
		}
	}
	/* Values. */
	Str cust = field(f, C_CUSTOMER), sku = field(f, C_SKU), qf = field(f, C_QTY);
	int64_t qty, amount, price = 0;
	const char *why;
	if ((why = int_parse(qf.p, qf.n, &qty))) {
		/* 6.0 is a whole number too. */
		int64_t q6;
		if (fixed_parse(qf.p, qf.n, 0, &q6)) {
			snprintf(msg, sizeof msg, "qty '%.*s' %s", (int)(qf.n > 60 ? 60 : qf.n), qf.p, why);
			reject(line, raw, raw_n, R_NUMBER, msg);
			return;
		}
		qty = q6;
	}
	if (by_amount) {
		if ((why = fixed_parse(money_f.p, money_f.n, C.decimals, &amount))) {
			snprintf(msg, sizeof msg, "amount '%.*s' %s", (int)(money_f.n > 60 ? 60 : money_f.n), money_f.p, why);
			reject(line, raw, raw_n, R_NUMBER, msg);
			return;
		}
	} else {
		if ((why = fixed_parse(money_f.p, money_f.n, C.price_decimals, &price))) {
			snprintf(msg, sizeof msg, "unit_price '%.*s' %s", (int)(money_f.n > 60 ? 60 : money_f.n), money_f.p, why);
			reject(line, raw, raw_n, R_NUMBER, msg);
			return;
		}
		/* qty x price in 10^-price_decimals, to money.decimals, half away
		 * from zero; 128-bit, so no product overflows. */
		__int128 p = (__int128)qty * price;
		int64_t den = pow10_i64[C.price_decimals - C.decimals];
		__int128 q = p / den, r = p % den;
		if (r < 0 ? -r * 2 >= den : r * 2 >= den)
			q += r < 0 ? -1 : 1;
		if (q > INT64_MAX || q < -INT64_MAX) {
			reject(line, raw, raw_n, R_NUMBER, "qty x unit_price is out of range");
			return;
		}
		amount = (int64_t)q;
	}
	/* The key crm-agg builds (brand, NUL, id) has a bounded length. */
	Str id = id_key(cust);
	size_t brand_n = C.brand ? strlen(C.brand) : C.col[C_BRAND] >= 0 ? field(f, C_BRAND).n : 0;
	if (brand_n ? brand_n + 1 + id.n > CRM_KEY_MAX : id.n > CRM_KEY_MAX) {
		if (brand_n)
			snprintf(msg, sizeof msg, "brand and customer_id are %zu bytes: over %d together",
				 brand_n + id.n, CRM_KEY_MAX - 1);
		else
			snprintf(msg, sizeof msg, "customer_id is %zu bytes: over %d", id.n, CRM_KEY_MAX);
		reject(line, raw, raw_n, R_LONG_ID, msg);
		return;
	}
	Str df = field(f, C_DATE);
	int32_t day;
	if (parse_date(df.p, df.n, C.date_format, &day)) {
		snprintf(msg, sizeof msg, "date '%.*s' is not a %s date", (int)(df.n > 60 ? 60 : df.n), df.p,
			 formats[C.date_format]);
		reject(line, raw, raw_n, R_DATE, msg);
		return;
	}
	const char *category;
	size_t catn;
	if (C.products) {
		category = products_category(C.products, sku.p, sku.n);
		if (!category) {
			snprintf(msg, sizeof msg, "sku '%.*s' is not in the products file", (int)(sku.n > 60 ? 60 : sku.n), sku.p);
			reject(line, raw, raw_n, R_UNKNOWN_SKU, msg);
			return;
		}
		catn = strlen(category);
	} else {
		Str cf = field(f, C_CATEGORY);
		category = cf.p;
		catn = cf.n;
	}
	/* Business rules. */
	char d10[11];
	date_fmt(d10, day);
	if (day < C.from || day > C.to) {
		snprintf(msg, sizeof msg, "date %.10s is outside --from/--to", d10);
		reject(line, raw, raw_n, R_RANGE, msg);
		return;
	}
	Str order = field(f, C_ORDER);
	size_t pl = strlen(C.cancel_prefix);
	if (pl && order.n >= pl && memcmp(order.p, C.cancel_prefix, pl) == 0) {
		snprintf(msg, sizeof msg, "order '%.*s' starts with '%s' (clean.cancel_prefix)",
			 (int)(order.n > 60 ? 60 : order.n), order.p, C.cancel_prefix);
		reject(line, raw, raw_n, R_CANCELLED, msg);
		return;
	}
	if (qty == 0) {
		reject(line, raw, raw_n, R_ZERO_QTY, "qty is 0");
		return;
	}
	int64_t unit = by_amount ? amount : price;
	if (unit < 0 && qty > 0) {
		reject(line, raw, raw_n, R_NEG_PRICE, by_amount ? "amount is negative with a positive qty" :
			"unit_price is negative");
		return;
	}
	if (unit == 0 && !C.zero_price_keep) {
		reject(line, raw, raw_n, R_ZERO_PRICE, "the price is 0 (clean.zero_price = drop)");
		return;
	}
	if (id.n != cust.n) {
		cust = id;
		C.ids_decimals++;
	}
	XXH128_hash_t pair = { 0, 0 };
	if (C.returns == CR_NET) {
		XXH3_state_t st;
		XXH3_128bits_reset(&st);
		XXH3_128bits_update(&st, cust.p, cust.n);
		XXH3_128bits_update(&st, "\t", 1);
		XXH3_128bits_update(&st, sku.p, sku.n);
		pair = XXH3_128bits_digest(&st);
	}
	if (qty < 0) {
		if (C.returns == CR_DROP) {
			reject(line, raw, raw_n, R_RETURN, "qty is negative (clean.returns = drop)");
			return;
		}
		if (C.returns == CR_NET && !set_has(&C.bought, pair)) {
			reject(line, raw, raw_n, R_UNMATCHED, "a return with no earlier purchase of the product");
			return;
		}
	}
	if (C.has_max_amount && (amount > C.max_amount || amount < -C.max_amount)) {
		char a[32];
		a[fixed_fmt(a, amount, C.decimals)] = '\0';
		snprintf(msg, sizeof msg, "amount %s is beyond clean.max_amount", a);
		reject(line, raw, raw_n, R_OUTLIER, msg);
		return;
	}
	if (C.has_max_qty && (qty > C.max_qty || qty < -C.max_qty)) {
		snprintf(msg, sizeof msg, "qty %lld is beyond clean.max_qty", (long long)qty);
		reject(line, raw, raw_n, R_OUTLIER, msg);
		return;
	}
	if (C.dedup) {
		size_t n = raw_n;
		while (n && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
			n--;
		if (!set_add(&C.seen, XXH3_128bits(raw, n))) {
			reject(line, raw, raw_n, R_DUPLICATE, "the same record as an earlier one");
			return;
		}
	}
	if (C.returns == CR_NET && qty > 0)
		set_add(&C.bought, pair);

	/* The canonical line: [brand] date [order_id] customer_id sku category qty amount. */
	Out *o = &C.out;
	if (C.brand) {
		out_str(o, C.brand);
		out_char(o, '\t');
	} else if (C.col[C_BRAND] >= 0) {
		put_value(field(f, C_BRAND));
		out_char(o, '\t');
	}
	out_write(o, d10, 10);
	out_char(o, '\t');
	if (C.col[C_ORDER] >= 0) {
		put_value(order);
		out_char(o, '\t');
	}
	put_value(cust);
	out_char(o, '\t');
	put_value(sku);
	out_char(o, '\t');
	put_value((Str){ (char *)category, catn });
	out_char(o, '\t');
	out_i64(o, qty);
	out_char(o, '\t');
	char *p = out_reserve(o, 24);
	o->len += fixed_fmt(p, amount, C.decimals);
	out_char(o, '\n');
	count_row(line, row_last_line(line, raw, raw_n));
	C.written++;
}

/* ---- the header, and the date format ---- */

/* delimiter_hint dies naming the delimiter the export seems to use when
 * the header's names hold another (a comma, semicolon, tab or '|') more
 * often than there are names: otherwise a missing column would be blamed
 * on the mapping. */
static void delimiter_hint(const Str *f, size_t nf)
{
	static const char cand[] = ",;\t|";
	int best = 0;
	size_t most = 0;
	for (int k = 0; cand[k]; k++) {
		size_t n = 0;
		for (size_t j = 0; j < nf; j++)
			for (size_t i = 0; i < f[j].n; i++)
				n += f[j].p[i] == cand[k];
		if ((unsigned char)cand[k] != C.delim && n > most) {
			most = n;
			best = k;
		}
	}
	if (most < nf)
		return;
	char mine[8], theirs[8];
	snprintf(mine, sizeof mine, C.delim == '\t' ? "tab" : "'%c'", C.delim);
	snprintf(theirs, sizeof theirs, cand[best] == '\t' ? "tab" : "'%c'", cand[best]);
	if (nf == 1)
		die("%s:1: the header holds no %s but %s %zu times: the delimiter seems to be %s (give -d %s)",
		    C.name, mine, theirs, most, theirs, theirs);
	die("%s:1: the header splits on %s into %zu names but holds %s %zu times: the delimiter seems to "
	    "be %s (give -d %s)", C.name, mine, nf, theirs, most, theirs, theirs);
}

static void header(const Str *f, size_t nf)
{
	C.ncols = (int)nf;
	C.names = xcalloc(nf, sizeof *C.names);
	for (size_t i = 0; i < nf; i++) {
		Str t = trim(f[i]);
		/* A byte order mark may start the first name. */
		if (i == 0 && t.n >= 3 && memcmp(t.p, "\xEF\xBB\xBF", 3) == 0)
			t.p += 3, t.n -= 3;
		C.names[i] = xstrndup(t.p, t.n);
	}
	for (int k = 0; k < NCANON; k++) {
		const char *want = C.map[k] ? C.map[k] : C.rules->column[k];
		C.col[k] = -1;
		for (size_t i = 0; want && *want && i < nf; i++)
			if (strcmp(C.names[i], want) == 0)
				C.col[k] = (int)i;
		int required = k == C_CUSTOMER || k == C_DATE || k == C_SKU || k == C_QTY;
		if (C.col[k] < 0 && required)
			delimiter_hint(f, nf);
		if (C.col[k] < 0 && required)
			die("%s:1: no column '%s' for %s (map it with --map %s=NAME)", C.name,
			    want && *want ? want : canon[k], canon[k], canon[k]);
	}
	if (C.col[C_AMOUNT] < 0 && C.col[C_PRICE] < 0)
		die("%s:1: no column for amount or unit_price (map one with --map)", C.name);
	if (C.col[C_CATEGORY] < 0 && !C.products)
		die("%s:1: no column for category: map one, or give --products", C.name);
	if (C.products)
		C.col[C_CATEGORY] = -1;
	Out *o = &C.out;
	if (C.brand || C.col[C_BRAND] >= 0)
		out_str(o, "brand\t");
	out_str(o, "date\t");
	if (C.col[C_ORDER] >= 0)
		out_str(o, "order_id\t");
	out_str(o, "customer_id\tsku\tcategory\tqty\tamount\n");
}

/* detect picks the one date format that reads every sampled date (the
 * most, if none reads all); two that fit equally are ambiguous. */
static void detect(void)
{
	size_t ok[NFORMAT] = { 0 }, n = 0;
	for (size_t i = 0; i < C.nheld; i++) {
		if ((int)C.held[i].nf != C.ncols)
			continue;
		Str d = field(C.held[i].f, C_DATE);
		if (!d.n)
			continue;
		n++;
		for (int k = F_ISO; k < NFORMAT; k++) {
			int32_t day;
			ok[k] += parse_date(d.p, d.n, k, &day) == 0;
		}
	}
	int best = -1, tie = 0;
	for (int k = F_ISO; k < NFORMAT; k++) {
		if (best < 0 || ok[k] > ok[best]) {
			best = k;
			tie = 0;
		} else if (ok[k] == ok[best]) {
			tie = 1;
		}
	}
	if (n == 0 || ok[best] == 0) {
		C.date_format = F_ISO; /* no dates to go by: every row will say why */
		return;
	}
	if (tie)
		die("%s: the dates fit more than one format (M/D or D/M?): give --date-format", C.name);
	C.date_format = best;
}

static void flush_held(void)
{
	detect();
	C.sample_done = 1;
	for (size_t i = 0; i < C.nheld; i++) {
		struct Held *h = &C.held[i];
		record(h->line, h->raw, h->raw_n, h->f, h->nf);
		for (size_t k = 0; k < h->nf; k++)
			free(h->f[k].p);
		free(h->f);
		free(h->raw);
	}
	free(C.held);
	C.held = NULL;
	C.nheld = 0;
}

/* ---- feeding libcsv ---- */

/* on_field is libcsv's field callback: it appends S[0..N) (S may be NULL
 * when N is 0) to the current record's fields, its bytes copied into the
 * arena, which the record owns until complete() resets it. */
static void on_field(void *s, size_t n, void *data)
{
	(void)data;
	if (C.nfields == C.fcap) {
		C.fcap = C.fcap ? C.fcap * 2 : 32;
		C.fields = xrealloc(C.fields, C.fcap * sizeof *C.fields);
	}
	/* Allocated on the first field even when it is empty (a header
	 * starting with an unnamed column): memcpy never sees NULL. */
	if (!C.arena || C.arena_n + n > C.arena_cap) {
		C.arena_cap = (C.arena_n + n) * 2 + 256;
		char *old = C.arena;
		C.arena = xrealloc(C.arena, C.arena_cap);
		for (size_t i = 0; i < C.nfields; i++)
			C.fields[i].p = C.arena + (C.fields[i].p - old);
	}
	memcpy(C.arena + C.arena_n, s ? s : "", n);
	C.fields[C.nfields++] = (Str){ C.arena + C.arena_n, n };
	C.arena_n += n;
}

static void on_record(int c, void *data)
{
	(void)c;
	(void)data;
	C.record_done = 1;
}

static void csv_start(void)
{
	if (csv_init(&C.csv, CSV_STRICT | CSV_STRICT_FINI) != 0)
		die("out of memory");
	csv_set_delim(&C.csv, C.delim);
}

static int is_space(unsigned char c)
{
	return c == ' ';
}

/* complete handles a finished record: the header, a held sample record,
 * or a record to check. */
static void complete(void)
{
	if (!C.header_done) {
		header(C.fields, C.nfields);
		C.header_done = 1;
		C.header_lines = C.rec_lines;
	} else if (!C.sample_done) {
		if (C.nheld == C.held_cap) {
			C.held_cap = C.held_cap ? C.held_cap * 2 : 64;
			C.held = xrealloc(C.held, C.held_cap * sizeof *C.held);
		}
		struct Held *h = &C.held[C.nheld++];
		h->line = C.rec_line;
		h->raw = xstrndup(C.raw, C.raw_n);
		h->raw_n = C.raw_n;
		h->nf = C.nfields;
		h->f = xmalloc((C.nfields ? C.nfields : 1) * sizeof *h->f);
		for (size_t i = 0; i < C.nfields; i++)
			h->f[i] = (Str){ xstrndup(C.fields[i].p, C.fields[i].n), C.fields[i].n };
		if (C.nheld == 1000)
			flush_held();
	} else {
		record(C.rec_line, C.raw, C.raw_n, C.fields, C.nfields);
	}
	C.nfields = 0;
	C.arena_n = 0;
	C.raw_n = 0;
	C.rec_lines = 0;
}

static void push_pending(const char *p, size_t n, uint64_t line)
{
	if (C.npend == C.pend_cap) {
		C.pend_cap = C.pend_cap ? C.pend_cap * 2 : 16;
		C.pend = xrealloc(C.pend, C.pend_cap * sizeof *C.pend);
	}
	C.pend[C.npend++] = (Pending){ xstrndup(p, n), n, line };
}

static void feed(const char *line, size_t n, uint64_t lineno);

/* blank_line says whether LINE[0..N) holds nothing but blanks before its
 * end: libcsv makes no record of it, so it counts as an empty line. */
static int blank_line(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] == ' ' && C.delim != ' ')
		i++;
	return i == n || line[i] == '\n' || (line[i] == '\r' && (i + 1 == n || line[i + 1] == '\n'));
}

/* resync rejects the first line of a record that never ends (an unbalanced
 * quote) and reads the lines after it again with a fresh parser. */
static void resync(const char *why)
{
	size_t first = line_len(C.raw, C.raw_n, 0);
	uint64_t line = C.rec_line;
	reject(line, C.raw, first, R_MALFORMED, why);
	/* The rest goes back in front of the input, last line first. */
	size_t start = C.npend;
	for (size_t off = first; off < C.raw_n;) {
		size_t len = line_len(C.raw + off, C.raw_n - off, 0);
		push_pending(C.raw + off, len, ++line);
		off += len;
	}
	/* Pending is a stack: reverse what was pushed. */
	for (size_t i = start, j = C.npend; i + 1 < j; i++, j--) {
		Pending t = C.pend[i];
		C.pend[i] = C.pend[j - 1];
		C.pend[j - 1] = t;
	}
	csv_free(&C.csv);
	csv_start();
	csv_set_space_func(&C.csv, is_space);
	C.nfields = 0;
	C.arena_n = 0;
	C.raw_n = 0;
	C.rec_lines = 0;
}

/* feed gives libcsv one physical line (with its newline). */
static void feed(const char *line, size_t n, uint64_t lineno)
{
	/* libcsv's state 0 is "no row begun": a line starts a record, or is
	 * empty and counted as such. */
	if (C.csv.pstate == 0) {
		if (blank_line(line, n)) {
			C.empty++;
			return;
		}
		C.rec_line = lineno;
		C.raw_n = 0;
		C.rec_lines = 0;
	}
	if (C.raw_n + n > C.raw_cap) {
		C.raw_cap = (C.raw_n + n) * 2;
		C.raw = xrealloc(C.raw, C.raw_cap);
	}
	memcpy(C.raw + C.raw_n, line, n);
	C.raw_n += n;
	C.rec_lines++;
	C.record_done = 0;
	size_t used = csv_parse(&C.csv, line, n, on_field, on_record, NULL);
	if (used < n) {
		if (!C.header_done)
			die("%s:%llu: the header is not valid CSV: %s", C.name,
			    (unsigned long long)C.rec_line, csv_strerror(csv_error(&C.csv)));
		/* Over several lines the error is most likely an unbalanced
		 * quote in the first: resync as for a record that never ends. */
		if (line_len(C.raw, C.raw_n, 0) < C.raw_n) {
			resync("a quoted field does not end where it should (unbalanced quote)");
			return;
		}
		reject(C.rec_line, C.raw, C.raw_n, R_MALFORMED, csv_error(&C.csv) == CSV_EPARSE ?
		       "a quote inside an unquoted field, or not followed by the delimiter (stray quote)" :
		       csv_strerror(csv_error(&C.csv)));
		csv_free(&C.csv);
		csv_start();
		csv_set_space_func(&C.csv, is_space);
		C.nfields = 0;
		C.arena_n = 0;
		C.raw_n = 0;
		return;
	}
	if (C.record_done) {
		complete();
	} else if (C.rec_lines >= (size_t)C.max_lines && C.csv.pstate != 0) {
		char why[96];
		snprintf(why, sizeof why, "a quoted field is still open after clean.max_record_lines (%d) "
			 "lines (unbalanced quote?)", C.max_lines);
		resync(why);
	}
}

/* ---- input ---- */

static void run(int fd)
{
	size_t cap = 1 << 20, len = 0, pos = 0, rs = 0;
	const char *e = getenv("CRM_TEST_READ_SIZE");
	uint64_t v;
	if (e && parse_uint(e, 1 << 20, &v) == 0 && v > 0)
		rs = (size_t)v;
	char *buf = xmalloc(cap);
	int eof = 0, first = 1;
	for (;;) {
		/* Lines given back by resync come first. */
		while (C.npend) {
			Pending p = C.pend[--C.npend];
			feed(p.p, p.n, p.line);
			free(p.p);
		}
		size_t n = len > pos ? line_len(buf + pos, len - pos, !eof) : 0;
		if (n) {
			feed(buf + pos, n, ++C.lineno);
			progress_add(&C.pg, 1);
			pos += n;
			continue;
		}
		if (eof)
			break;
		if (pos) {
			memmove(buf, buf + pos, len - pos);
			len -= pos;
			pos = 0;
		}
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
		size_t want = cap - len;
		if (rs && want > rs)
			want = rs;
		ssize_t r = read(fd, buf + len, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("read error on %s", C.name);
		}
		if (r == 0)
			eof = 1;
		len += (size_t)r;
		/* A UTF-8 byte order mark is not data. */
		if (first && len >= 3) {
			if (memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
				pos = 3;
			first = 0;
		}
	}
	free(buf);
	/* At the end, a quoted field still open is an unbalanced quote: its
	 * first line is rejected and the lines after it are read again. */
	for (;;) {
		C.record_done = 0;
		if (csv_fini(&C.csv, on_field, on_record, NULL) == 0) {
			if (C.record_done)
				complete();
			break;
		}
		if (!C.header_done)
			die("%s:1: the header has an unbalanced quote", C.name);
		if (line_len(C.raw, C.raw_n, 0) == C.raw_n) {
			reject(C.rec_line, C.raw, C.raw_n, R_MALFORMED, "a quoted field does not end (unbalanced quote)");
			break;
		}
		resync("a quoted field does not end (unbalanced quote)");
		while (C.npend) {
			Pending p = C.pend[--C.npend];
			feed(p.p, p.n, p.line);
			free(p.p);
		}
	}
	if (!C.header_done)
		die("%s: empty input: no header line", C.name);
	if (!C.sample_done)
		flush_held();
}

/* ---- report ---- */

static void summary(void)
{
	uint64_t rej = 0;
	for (int r = 0; r < NREASON; r++)
		rej += C.rejected[r];
	fprintf(stderr, "crm-clean: %s: %llu lines, %llu rows read", C.name, (unsigned long long)C.lineno,
		(unsigned long long)C.rows);
	if (C.spanning) {
		fprintf(stderr, " (%llu %s lines", (unsigned long long)C.spanning, C.spanning > 1 ? "span" : "spans");
		for (uint64_t i = 0; i < C.spanning && i < SPAN_LIST; i++)
			fprintf(stderr, "%s%llu-%llu", i ? ", " : " ", (unsigned long long)C.span[i][0],
				(unsigned long long)C.span[i][1]);
		fprintf(stderr, "%s)", C.spanning > SPAN_LIST ? ", ..." : "");
	}
	fprintf(stderr, ", %llu written, %llu rejected", (unsigned long long)C.written, (unsigned long long)rej);
	const char *sep = " (";
	for (int r = 0; r < NREASON; r++)
		if (C.rejected[r]) {
			fprintf(stderr, "%s%s %llu", sep, reasons[r].name, (unsigned long long)C.rejected[r]);
			sep = ", ";
		}
	fprintf(stderr, "%s; %llu empty lines; dates %s\n", *sep == ',' ? ")" : "",
		(unsigned long long)C.empty, formats[C.date_format]);
}

static void report(const char *path)
{
	Out o;
	out_create(&o, path);
	uint64_t rej = 0, left = C.rows;
	for (int r = 0; r < NREASON; r++)
		rej += C.rejected[r];
	out_str(&o, "{\"input\":");
	json_cstr(&o, C.name);
	out_str(&o, ",\"rows_read\":");
	out_u64(&o, C.rows);
	out_str(&o, ",\"rows_written\":");
	out_u64(&o, C.written);
	out_str(&o, ",\"rows_rejected\":");
	out_u64(&o, rej);
	out_str(&o, ",\"empty_lines\":");
	out_u64(&o, C.empty);
	out_str(&o, ",\"lines_read\":");
	out_u64(&o, C.lineno);
	out_str(&o, ",\"header_lines\":");
	out_u64(&o, C.header_lines);
	out_str(&o, ",\"row_lines\":");
	out_u64(&o, C.row_lines);
	out_str(&o, ",\"rows_spanning_lines\":");
	out_u64(&o, C.spanning);
	out_str(&o, ",\"spanning_rows\":[");
	for (uint64_t i = 0; i < C.spanning && i < SPAN_LIST; i++) {
		out_str(&o, i ? ",{\"first_line\":" : "{\"first_line\":");
		out_u64(&o, C.span[i][0]);
		out_str(&o, ",\"last_line\":");
		out_u64(&o, C.span[i][1]);
		out_char(&o, '}');
	}
	out_char(&o, ']');
	out_str(&o, ",\"date_format\":\"");
	out_str(&o, formats[C.date_format]);
	out_str(&o, "\",\"values_with_tabs_or_newlines\":");
	out_u64(&o, C.cleaned_values);
	out_str(&o, ",\"ids_without_zero_decimals\":");
	out_u64(&o, C.ids_decimals);
	out_str(&o, ",\"rejected\":{");
	for (int r = 0; r < NREASON; r++) {
		if (r)
			out_char(&o, ',');
		out_char(&o, '"');
		out_str(&o, reasons[r].name);
		out_str(&o, "\":");
		out_u64(&o, C.rejected[r]);
	}
	/* Stages in order: rows come in, some are rejected, the rest go on. */
	out_str(&o, "},\"stages\":[");
	for (int s = 0; s < NSTAGE; s++) {
		uint64_t n = 0;
		for (int r = 0; r < NREASON; r++)
			if (reasons[r].stage == s)
				n += C.rejected[r];
		out_str(&o, s ? ",{\"stage\":\"" : "{\"stage\":\"");
		out_str(&o, stages[s]);
		out_str(&o, "\",\"in\":");
		out_u64(&o, left);
		out_str(&o, ",\"rejected\":");
		out_u64(&o, n);
		out_str(&o, ",\"out\":");
		out_u64(&o, left - n);
		out_char(&o, '}');
		left -= n;
	}
	out_str(&o, "]}\n");
	out_close(&o);
}

/* ---- options ---- */

/* opt_map reads --map COLUMN=NAME,... into the names of DST (C.map). */
static const char *opt_map(const char *s, void *dst)
{
	const char **map = dst;
	char *copy = xstrdup(s), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int k;
		if (!eq)
			usage_fail(usage_text, "--map: '%s' is not COLUMN=NAME", tok);
		*eq = '\0';
		for (k = 0; k < NCANON && strcmp(canon[k], tok) != 0; k++)
			;
		if (k == NCANON)
			usage_fail(usage_text, "--map: '%s' is not a canonical column (customer_id, date, sku, "
				   "category, qty, amount, unit_price, order_id, brand)", tok);
		map[k] = xstrdup(eq + 1);
	}
	free(copy);
	return NULL;
}

/* opt_encoding reads --encoding pass|utf8 into the string at DST. */
static const char *opt_encoding(const char *s, void *dst)
{
	if (strcmp(s, "pass") != 0 && strcmp(s, "utf8") != 0)
		return "is not pass or utf8";
	*(const char **)dst = s;
	return NULL;
}

/* opt_date_format reads --date-format FORMAT, a value of clean.date_format,
 * into the int at DST. */
static const char *opt_date_format(const char *s, void *dst)
{
	if ((*(int *)dst = rule_enum_word("clean.date_format", s)) < 0)
		return "is not auto, iso, mdy, dmy, dmy-dot or ymd";
	return NULL;
}

/* opt_delim reads -d DELIM into the unsigned char at DST. */
static const char *opt_delim(const char *s, void *dst)
{
	unsigned char *d = dst;
	if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		*d = '\t';
	else if (strlen(s) == 1 && s[0] != '"' && s[0] != '\n')
		*d = (unsigned char)s[0];
	else
		return "is not one character (or tab)";
	return NULL;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *rejects = NULL, *report_path = NULL;
	const char *products_path = NULL, *encoding = NULL;
	int date_format = -1;
	memset(&C, 0, sizeof C);
	C.delim = ',';
	C.from = INT32_MIN;
	C.to = INT32_MAX;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "brand", 0, "NAME", opt_str, &C.brand, 0, "write NAME in a brand column, with its rules section" },
		{ "map", 0, "COLUMN=NAME,...", opt_map, C.map, 0, "read canonical COLUMN from the input column NAME" },
		{ "products", 0, "FILE", opt_str, &products_path, 0, "sku to category table, for exports without a category" },
		{ "date-format", 0, "FORMAT", opt_date_format, &date_format, 0,
		  "auto, iso, mdy, dmy, dmy-dot or ymd (clean.date_format)" },
		{ "encoding", 0, "pass|utf8", opt_encoding, &encoding, 0,
		  "copy bytes that are not UTF-8, or reject their records" },
		{ "from", 0, "DATE", opt_date, &C.from, 0, "reject records before DATE (YYYY-MM-DD) as out_of_range" },
		{ "to", 0, "DATE", opt_date, &C.to, 0, "reject records after DATE (YYYY-MM-DD) as out_of_range" },
		{ NULL, 'd', "DELIM", opt_delim, &C.delim, 0, "the field delimiter: one character, or tab" },
		{ "rejects", 0, "FILE", opt_str, &rejects, 0, "write every rejected record as CSV to FILE" },
		{ "report", 0, "FILE", opt_str, &report_path, 0, "write the counts as one JSON object to FILE" },
		{ "strict", 0, NULL, NULL, &C.strict, 1, "fail at the first record that would be rejected" },
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (argc - first > 1)
		usage_fail(usage_text, "one input at most");
	const char *path = first < argc ? argv[first] : "-";
	const char *output = c.output;
	/* One output at most on standard output: two would interleave. */
	int on_stdout = !strcmp(output, "-") + (rejects && !strcmp(rejects, "-")) +
			(report_path && !strcmp(report_path, "-"));
	if (on_stdout > 1)
		usage_fail(usage_text, "%s -: standard output already carries %s; give a file for one of them",
			   report_path && !strcmp(report_path, "-") ? "--report" : "--rejects",
			   !strcmp(output, "-") ? "the stream (-o)" : "the rejects");

	/* Settle the rules: those of --brand's section where it has one. */
	rules_cache_open(&C.rc, c.rules);
	const CleanRules *cl = C.rules = &brand_rules_section(&C.rc, C.brand)->clean;
	C.decimals = C.rc.money.decimals;
	C.price_decimals = cl->price_decimals;
	C.date_format = date_format >= 0 ? date_format : (int)cl->date_format;
	C.sample_done = C.date_format != F_AUTO;
	C.id_drop_zeros = cl->id_drop_zero_decimals;
	C.cancel_prefix = xstrdup(cl->cancel_prefix);
	C.returns = cl->returns;
	C.zero_price_keep = cl->zero_price_keep;
	C.max_amount = cl->max_amount;
	C.has_max_amount = cl->has_max_amount;
	C.max_qty = cl->max_qty;
	C.has_max_qty = cl->has_max_qty;
	C.dedup = cl->dedup_exact;
	C.utf8 = encoding ? strcmp(encoding, "utf8") == 0 : cl->encoding == CE_UTF8;
	C.max_lines = cl->max_record_lines;
	static Products products; /* static: reachable until exit */
	if (products_path) {
		products_load(&products, products_path);
		C.products = &products;
	}

	int fd = 0;
	if (strcmp(path, "-") == 0) {
		C.name = "stdin";
	} else {
		C.name = path;
		if ((fd = open(path, O_RDONLY)) < 0)
			die_errno("%s", path);
	}
	out_create(&C.out, output);
	if (rejects) {
		out_create(&C.rej, rejects);
		C.have_rej = 1;
		out_str(&C.rej, "line,category,detail,record\n");
	}
	progress_init(&C.pg, c.progress);
	csv_start();
	csv_set_space_func(&C.csv, is_space);
	run(fd);
	progress_end(&C.pg);
	csv_free(&C.csv);
	out_close(&C.out);
	if (C.have_rej)
		out_close(&C.rej);
	if (report_path)
		report(report_path);
	summary();
	if (fd > 0)
		close(fd);
	return 0;
}
