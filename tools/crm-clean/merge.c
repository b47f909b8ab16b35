/* crm-clean --merge: the partials of the partitions of one export (each
 * written by crm-clean --partition I/N --report) added up into the report
 * of the single run, and their rejects merged back into line order. */
#include "clean.h"
#include "out.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One partial as read: the lines counted on the whole input, which every
 * partition must agree on, and where its rejects went. */
typedef struct {
	const char *path;
	uint32_t i, n;
	char *rules, *input, *rejects, *date_format;
	uint64_t lines_read, header_lines, empty;
} Partial;

/* A count of a partial: its name and where the merged run keeps it. */
typedef struct {
	const char *name;
	size_t off;       /* offsetof in Clean of the uint64_t it adds to */
} Count;

static const Count counts[] = {
	{ "rows_read", offsetof(Clean, rows) },
	{ "rows_written", offsetof(Clean, written) },
	{ "row_lines", offsetof(Clean, row_lines) },
	{ "rows_spanning_lines", offsetof(Clean, spanning) },
	{ "values_with_tabs_or_newlines", offsetof(Clean, cleaned_values) },
	{ "ids_without_zero_decimals", offsetof(Clean, ids_decimals) },
	{ "rows_in_other_partitions", offsetof(Clean, others) },
};

/* num reads the count V of field NAME on line LINE of P; dies when it is
 * not one. */
static uint64_t num(const Partial *p, uint64_t line, const char *name, const char *v)
{
	uint64_t x;
	if (parse_uint(v, UINT64_MAX, &x))
		die("%s:%llu: field '%s': '%s' is not a count", p->path, (unsigned long long)line, name, v);
	return x;
}

/* add_span keeps the span FIRST-LAST among the first SPAN_LIST of M by
 * first line: each partition's own first ones hold those of all. */
static void add_span(Clean *M, size_t *nspan, uint64_t first, uint64_t last)
{
	size_t k = *nspan < SPAN_LIST ? (*nspan)++ : SPAN_LIST;
	while (k > 0 && M->span[k - 1][0] > first) {
		if (k < SPAN_LIST) {
			M->span[k][0] = M->span[k - 1][0];
			M->span[k][1] = M->span[k - 1][1];
		}
		k--;
	}
	if (k < SPAN_LIST) {
		M->span[k][0] = first;
		M->span[k][1] = last;
	}
}

/* read_partial reads the partial P->path into P and adds its counts to M;
 * dies naming the line of anything it does not know. */
static void read_partial(Partial *p, Clean *M, size_t *nspan)
{
	FILE *f = fopen(p->path, "r");
	if (!f)
		die_errno("%s", p->path);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t line = 0;
	while ((len = getline(&buf, &cap, f)) > 0) {
		line++;
		if (buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (line == 1 && strcmp(buf, "crm-clean partial\t1") != 0)
			die("%s:1: not a partial of crm-clean --partition", p->path);
		if (line == 1)
			continue;
		char *name = buf, *v = strchr(buf, '\t'), *v2;
		if (!v)
			die("%s:%llu: '%s' is not NAME<TAB>VALUE", p->path, (unsigned long long)line, buf);
		*v++ = '\0';
		size_t k;
		for (k = 0; k < sizeof counts / sizeof *counts && strcmp(counts[k].name, name) != 0; k++)
			;
		if (k < sizeof counts / sizeof *counts) {
			*(uint64_t *)((char *)M + counts[k].off) += num(p, line, name, v);
		} else if (!strcmp(name, "partition")) {
			OptPart part = { 0, 0 };
			if (opt_hash_part(v, &part))
				die("%s:%llu: field 'partition': '%s' is not I/N", p->path, (unsigned long long)line, v);
			p->i = part.i;
			p->n = part.n;
		} else if (!strcmp(name, "rules")) {
			p->rules = xstrdup(v);
		} else if (!strcmp(name, "input")) {
			p->input = xstrdup(v);
		} else if (!strcmp(name, "rejects")) {
			p->rejects = xstrdup(v);
		} else if (!strcmp(name, "date_format")) {
			p->date_format = xstrdup(v);
		} else if (!strcmp(name, "lines_read")) {
			p->lines_read = num(p, line, name, v);
		} else if (!strcmp(name, "header_lines")) {
			p->header_lines = num(p, line, name, v);
		} else if (!strcmp(name, "empty_lines")) {
			p->empty = num(p, line, name, v);
		} else if (!strcmp(name, "first_date") || !strcmp(name, "last_date")) {
			continue;
		} else if (!strcmp(name, "rejected") && (v2 = strchr(v, '\t'))) {
			*v2++ = '\0';
			int r;
			for (r = 0; r < NREASON && strcmp(reasons[r].name, v) != 0; r++)
				;
			if (r == NREASON)
				die("%s:%llu: '%s' is not a reject category", p->path, (unsigned long long)line, v);
			M->rejected[r] += num(p, line, v, v2);
		} else if (!strcmp(name, "span") && (v2 = strchr(v, '\t'))) {
			*v2++ = '\0';
			uint64_t first = num(p, line, "span", v);
			add_span(M, nspan, first, num(p, line, "span", v2));
		} else {
			die("%s:%llu: '%s' is not a field of a partial", p->path, (unsigned long long)line, name);
		}
	}
	if (ferror(f))
		die_errno("read error on %s", p->path);
	fclose(f);
	free(buf);
	if (!p->n || !p->rules || !p->input || !p->rejects || !p->date_format)
		die("%s: not a whole partial of crm-clean --partition", p->path);
}

/* same dies unless the partials A and B agree on the field NAME (A's
 * value AV, B's BV). */
static void same(const Partial *a, const Partial *b, const char *name, const char *av, const char *bv)
{
	if (strcmp(av, bv) != 0)
		die("%s: field '%s': '%s' differs from %s's '%s' (the partitions of another run?)", b->path, name,
		    bv, a->path, av);
}

/* A partition's rejects being read: the record at hand and its line. */
typedef struct {
	FILE *f;
	const char *path;
	char *rec, *buf;
	size_t rec_n, rec_cap, buf_cap;
	uint64_t line;     /* of the record at hand; 0: none left */
} RejIn;

/* rej_next reads R's next record, which ends at a line end outside quotes
 * (reject() writes the detail and the text quoted, quotes doubled). */
static void rej_next(RejIn *r)
{
	ssize_t len;
	size_t quotes = 0;
	r->rec_n = 0;
	r->line = 0;
	while ((len = getline(&r->buf, &r->buf_cap, r->f)) > 0) {
		if (r->rec_n + (size_t)len > r->rec_cap) {
			r->rec_cap = (r->rec_n + (size_t)len) * 2;
			r->rec = xrealloc(r->rec, r->rec_cap);
		}
		memcpy(r->rec + r->rec_n, r->buf, (size_t)len);
		r->rec_n += (size_t)len;
		for (ssize_t i = 0; i < len; i++)
			quotes += r->buf[i] == '"';
		if (quotes % 2 == 0)
			break;
	}
	if (ferror(r->f))
		die_errno("read error on %s", r->path);
	if (!r->rec_n)
		return;
	if (quotes % 2 || r->rec[r->rec_n - 1] != '\n')
		die("%s: the last record does not end (not a file of crm-clean --rejects?)", r->path);
	char *comma = memchr(r->rec, ',', r->rec_n);
	char num[32];
	size_t n = comma ? (size_t)(comma - r->rec) : 0;
	if (n && n < sizeof num) {
		memcpy(num, r->rec, n);
		num[n] = '\0';
	}
	if (!n || n >= sizeof num || parse_uint(num, UINT64_MAX, &r->line) || !r->line)
		die("%s: field 'line': '%.*s' is not a line number", r->path, (int)(n < 40 ? n : 40), r->rec);
}

/* merge_rejects writes to PATH the rejects of the partials P[0..N), in
 * line order: each partition's are, and a line is one partition's. */
static void merge_rejects(const Partial *p, int n, const char *path)
{
	static const char head[] = "line,category,detail,record\n";
	for (int k = 0; k < n; k++)
		if (!strcmp(p[k].rejects, "-"))
			die("%s: partition %u wrote no rejects (give it --rejects FILE)", p[k].path, p[k].i);
	static RejIn *in; /* static: reachable until exit */
	in = xcalloc((size_t)n, sizeof *in);
	Out o;
	out_create(&o, path);
	out_str(&o, head);
	for (int k = 0; k < n; k++) {
		in[k].path = p[k].rejects;
		if (!(in[k].f = fopen(in[k].path, "r")))
			die_errno("%s", in[k].path);
		ssize_t len = getline(&in[k].buf, &in[k].buf_cap, in[k].f);
		if (len != (ssize_t)strlen(head) || memcmp(in[k].buf, head, (size_t)len) != 0)
			die("%s:1: not the header of crm-clean --rejects", in[k].path);
		rej_next(&in[k]);
	}
	for (;;) {
		int best = -1;
		for (int k = 0; k < n; k++)
			if (in[k].line && (best < 0 || in[k].line < in[best].line))
				best = k;
		if (best < 0)
			break;
		out_write(&o, in[best].rec, in[best].rec_n);
		rej_next(&in[best]);
	}
	for (int k = 0; k < n; k++) {
		fclose(in[k].f);
		free(in[k].rec);
		free(in[k].buf);
	}
	free(in);
	in = NULL;
	out_close(&o);
}

void clean_merge(char **paths, int n, const char *report_path, const char *rejects)
{
	Partial *p = xcalloc((size_t)n, sizeof *p);
	static Clean M; /* static: large, and reachable until exit */
	size_t nspan = 0;
	memset(&M, 0, sizeof M);
	for (int k = 0; k < n; k++) {
		p[k].path = paths[k];
		read_partial(&p[k], &M, &nspan);
		if (p[k].n != p[0].n)
			die("%s: partition %u/%u, where %s is of %u partitions", p[k].path, p[k].i, p[k].n,
			    p[0].path, p[0].n);
		for (int j = 0; j < k; j++)
			if (p[j].i == p[k].i)
				die("%s: partition %u/%u, as %s", p[k].path, p[k].i, p[k].n, p[j].path);
		same(&p[0], &p[k], "rules", p[0].rules, p[k].rules);
		same(&p[0], &p[k], "input", p[0].input, p[k].input);
		same(&p[0], &p[k], "date_format", p[0].date_format, p[k].date_format);
		if (p[k].lines_read != p[0].lines_read || p[k].header_lines != p[0].header_lines ||
		    p[k].empty != p[0].empty)
			die("%s: its lines read differ from %s's (the partitions of another input?)", p[k].path,
			    p[0].path);
	}
	if ((uint32_t)n != p[0].n)
		die("%d partials of %u partitions: give every partition's", n, p[0].n);
	M.name = p[0].input;
	M.lineno = p[0].lines_read;
	M.header_lines = p[0].header_lines;
	M.empty = p[0].empty;
	for (M.date_format = 0; M.date_format < NFORMAT && strcmp(formats[M.date_format], p[0].date_format);
	     M.date_format++)
		;
	if (M.date_format == NFORMAT)
		die("%s: field 'date_format': '%s' is not a date format", p[0].path, p[0].date_format);
	/* The rejects first: a partition without them leaves no report. */
	if (rejects)
		merge_rejects(p, n, rejects);
	report(&M, report_path);
	for (int k = 0; k < n; k++) {
		free(p[k].rules);
		free(p[k].input);
		free(p[k].rejects);
		free(p[k].date_format);
	}
	free(p);
}
