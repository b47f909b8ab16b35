/* crm-clean: turn a CSV export into the canonical transaction stream.
 *
 * Reads CSV (libcsv) one physical line at a time, so that every record keeps
 * the line it starts on and its original text; maps the export's columns to
 * the canonical ones; checks every record and writes either a canonical TSV
 * line or a reject with its line number, category and original text.
 * Nothing is dropped: rows read = rows written + rows rejected, per category
 * and per stage, in the summary on stderr and the --report JSON. */
#include "brandrules.h"
#include "clean.h"
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
	"                 [-d DELIM] [--rejects FILE] [--report FILE] [--strict] [--progress]\n"
	"                 [--partition I/N] [-o FILE] [FILE]\n"
	"       crm-clean --merge [--report FILE] [--rejects FILE] PARTIAL...";

/* line_len returns the length of the physical line starting P[0..N), its
 * end included: LF, CRLF or a lone CR (libcsv ends a record at each, so
 * each is a line: a file saved with CR line ends reads line by line).
 * Without a line end it is the rest, N; or 0 where MORE bytes may follow
 * (the end, or a CR's LF, is still to come). */
size_t line_len(const char *p, size_t n, int more)
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

/* ---- feeding libcsv ---- */

/* on_field is libcsv's field callback: it appends S[0..N) (S may be NULL
 * when N is 0) to the current record's fields, its bytes copied into the
 * arena, which the record owns until complete() resets it. */
static void on_field(void *s, size_t n, void *data)
{
	Clean *C = data;
	if (C->nfields == C->fcap) {
		C->fcap = C->fcap ? C->fcap * 2 : 32;
		C->fields = xrealloc(C->fields, C->fcap * sizeof *C->fields);
	}
	/* Allocated on the first field even when it is empty (a header
	 * starting with an unnamed column): memcpy never sees NULL. */
	if (!C->arena || C->arena_n + n > C->arena_cap) {
		C->arena_cap = (C->arena_n + n) * 2 + 256;
		char *old = C->arena;
		C->arena = xrealloc(C->arena, C->arena_cap);
		for (size_t i = 0; i < C->nfields; i++)
			C->fields[i].p = C->arena + (C->fields[i].p - old);
	}
	memcpy(C->arena + C->arena_n, s ? s : "", n);
	C->fields[C->nfields++] = (Str){ C->arena + C->arena_n, n };
	C->arena_n += n;
}

/* on_record is libcsv's record callback: the record is complete. */
static void on_record(int c, void *data)
{
	Clean *C = data;
	(void)c;
	C->record_done = 1;
}

/* is_space tells libcsv which blanks around a field to drop: spaces. */
static int is_space(unsigned char c)
{
	return c == ' ';
}

/* csv_start sets up a fresh parser for C->delim; dies out of memory. */
static void csv_start(Clean *C)
{
	if (csv_init(&C->csv, CSV_STRICT | CSV_STRICT_FINI) != 0)
		die("out of memory");
	csv_set_delim(&C->csv, C->delim);
	csv_set_space_func(&C->csv, is_space);
}

/* record_reset forgets the current record: its fields, bytes and lines. */
static void record_reset(Clean *C)
{
	C->nfields = 0;
	C->arena_n = 0;
	C->raw_n = 0;
	C->rec_lines = 0;
}

/* complete handles a finished record: the header, a held sample record,
 * or a record to check. */
static void complete(Clean *C)
{
	if (!C->header_done) {
		header(C, C->fields, C->nfields);
		C->header_done = 1;
		C->header_lines = C->rec_lines;
	} else if (!C->sample_done) {
		if (C->nheld == C->held_cap) {
			C->held_cap = C->held_cap ? C->held_cap * 2 : 64;
			C->held = xrealloc(C->held, C->held_cap * sizeof *C->held);
		}
		struct Held *h = &C->held[C->nheld++];
		h->line = C->rec_line;
		h->raw = xstrndup(C->raw, C->raw_n);
		h->raw_n = C->raw_n;
		h->nf = C->nfields;
		h->f = xmalloc((C->nfields ? C->nfields : 1) * sizeof *h->f);
		for (size_t i = 0; i < C->nfields; i++)
			h->f[i] = (Str){ xstrndup(C->fields[i].p, C->fields[i].n), C->fields[i].n };
		h->reason = -1;
		h->detail = NULL;
		if (++C->nsample == 1000)
			flush_held(C);
	} else {
		record(C, C->rec_line, C->raw, C->raw_n, C->fields, C->nfields);
	}
	record_reset(C);
}

/* push_pending keeps a copy of P[0..N), line LINE, to be fed again. */
static void push_pending(Clean *C, const char *p, size_t n, uint64_t line)
{
	if (C->npend == C->pend_cap) {
		C->pend_cap = C->pend_cap ? C->pend_cap * 2 : 16;
		C->pend = xrealloc(C->pend, C->pend_cap * sizeof *C->pend);
	}
	C->pend[C->npend++] = (Pending){ xstrndup(p, n), n, line };
}

/* blank_line says whether LINE[0..N) holds nothing but blanks before its
 * end: libcsv makes no record of it, so it counts as an empty line. */
static int blank_line(Clean *C, const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] == ' ' && C->delim != ' ')
		i++;
	return i == n || line[i] == '\n' || (line[i] == '\r' && (i + 1 == n || line[i + 1] == '\n'));
}

/* resync rejects the first line of a record that never ends (an unbalanced
 * quote) and reads the lines after it again with a fresh parser. */
static void resync(Clean *C, const char *why)
{
	size_t first = line_len(C->raw, C->raw_n, 0);
	uint64_t line = C->rec_line;
	reject(C, line, C->raw, first, R_MALFORMED, why);
	/* The rest goes back in front of the input, last line first. */
	size_t start = C->npend;
	for (size_t off = first; off < C->raw_n;) {
		size_t len = line_len(C->raw + off, C->raw_n - off, 0);
		push_pending(C, C->raw + off, len, ++line);
		off += len;
	}
	/* Pending is a stack: reverse what was pushed. */
	for (size_t i = start, j = C->npend; i + 1 < j; i++, j--) {
		Pending t = C->pend[i];
		C->pend[i] = C->pend[j - 1];
		C->pend[j - 1] = t;
	}
	csv_free(&C->csv);
	csv_start(C);
	record_reset(C);
}

/* feed gives libcsv one physical line (with its newline). */
static void feed(Clean *C, const char *line, size_t n, uint64_t lineno)
{
	/* libcsv's state 0 is "no row begun": a line starts a record, or is
	 * empty and counted as such. */
	if (C->csv.pstate == 0) {
		if (blank_line(C, line, n)) {
			C->empty++;
			return;
		}
		C->rec_line = lineno;
		C->raw_n = 0;
		C->rec_lines = 0;
	}
	if (C->raw_n + n > C->raw_cap) {
		C->raw_cap = (C->raw_n + n) * 2;
		C->raw = xrealloc(C->raw, C->raw_cap);
	}
	memcpy(C->raw + C->raw_n, line, n);
	C->raw_n += n;
	C->rec_lines++;
	C->record_done = 0;
	size_t used = csv_parse(&C->csv, line, n, on_field, on_record, C);
	if (used < n) {
		if (!C->header_done)
			die("%s:%llu: the header is not valid CSV: %s", C->name,
			    (unsigned long long)C->rec_line, csv_strerror(csv_error(&C->csv)));
		/* Over several lines the error is most likely an unbalanced
		 * quote in the first: resync as for a record that never ends. */
		if (line_len(C->raw, C->raw_n, 0) < C->raw_n) {
			resync(C, "a quoted field does not end where it should (unbalanced quote)");
			return;
		}
		reject(C, C->rec_line, C->raw, C->raw_n, R_MALFORMED, csv_error(&C->csv) == CSV_EPARSE ?
		       "a quote inside an unquoted field, or not followed by the delimiter (stray quote)" :
		       csv_strerror(csv_error(&C->csv)));
		csv_free(&C->csv);
		csv_start(C);
		record_reset(C);
		return;
	}
	if (C->record_done) {
		complete(C);
	} else if (C->rec_lines >= (size_t)C->max_lines && C->csv.pstate != 0) {
		char why[96];
		snprintf(why, sizeof why, "a quoted field is still open after clean.max_record_lines (%d) "
			 "lines (unbalanced quote?)", C->max_lines);
		resync(C, why);
	}
}

/* ---- input ---- */

/* drain_pending feeds the lines resync gave back, before any new input. */
static void drain_pending(Clean *C)
{
	while (C->npend) {
		Pending p = C->pend[--C->npend];
		feed(C, p.p, p.n, p.line);
		free(p.p);
	}
}

/* run reads FD to the end, feeding each physical line, then settles
 * what is still open: a quote never closed, the held sample. */
static void run(Clean *C, int fd)
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
		drain_pending(C);
		size_t n = len > pos ? line_len(buf + pos, len - pos, !eof) : 0;
		if (n) {
			feed(C, buf + pos, n, ++C->lineno);
			progress_add(&C->pg, 1);
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
			die_errno("read error on %s", C->name);
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
		C->record_done = 0;
		if (csv_fini(&C->csv, on_field, on_record, C) == 0) {
			if (C->record_done)
				complete(C);
			break;
		}
		if (!C->header_done)
			die("%s:1: the header has an unbalanced quote", C->name);
		if (line_len(C->raw, C->raw_n, 0) == C->raw_n) {
			reject(C, C->rec_line, C->raw, C->raw_n, R_MALFORMED, "a quoted field does not end (unbalanced quote)");
			break;
		}
		resync(C, "a quoted field does not end (unbalanced quote)");
		drain_pending(C);
	}
	if (!C->header_done)
		die("%s: empty input: no header line", C->name);
	if (!C->sample_done)
		flush_held(C);
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
		for (k = 0; k < NCANON && strcmp(clean_column_names[k], tok) != 0; k++)
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
	static Clean C; /* static: reachable until exit */
	memset(&C, 0, sizeof C);
	C.delim = ',';
	C.from = INT32_MIN;
	C.to = INT32_MAX;
	C.first_day = INT32_MAX;
	C.last_day = INT32_MIN;
	int merge = 0;
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
		{ "partition", 0, "I/N", opt_hash_part, &C.part, 0,
		  "only partition I of N's customers; a partial --report" },
		{ "merge", 0, NULL, NULL, &merge, 1, "the report and rejects of every partition's partial" },
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (merge) {
		if (first == argc)
			usage_fail(usage_text, "--merge: give the partials of every partition");
		if (C.part.n || strcmp(c.output, "-") != 0)
			usage_fail(usage_text, "--merge writes the report and rejects only: no --partition or -o");
		clean_merge(argv + first, argc - first, report_path ? report_path : "-", rejects);
		return 0;
	}
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
	C.rejects_path = rejects;
	if (rejects) {
		out_create(&C.rej, rejects);
		C.have_rej = 1;
		out_str(&C.rej, "line,category,detail,record\n");
	}
	progress_init(&C.pg, c.progress);
	csv_start(&C);
	run(&C, fd);
	progress_end(&C.pg);
	csv_free(&C.csv);
	out_close(&C.out);
	if (C.have_rej)
		out_close(&C.rej);
	if (report_path && C.part.n)
		report_partial(&C, report_path);
	else if (report_path)
		report(&C, report_path);
	summary(&C);
	if (fd > 0)
		close(fd);
	return 0;
}
