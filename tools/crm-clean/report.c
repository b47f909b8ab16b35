/* crm-clean: what a run did, counted: the summary on stderr, the
 * --report JSON or a partition's partial, and the names the counts go by. */
#include "clean.h"
#include "date.h"
#include "json.h"
#include "out.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>

const ReasonDef reasons[NREASON] = {
	{ "malformed", S_PARSE }, { "bad_encoding", S_PARSE }, { "missing_value", S_REQUIRED },
	{ "bad_number", S_VALUES }, { "bad_date", S_VALUES }, { "id_too_long", S_VALUES },
	{ "unknown_sku", S_VALUES },
	{ "out_of_range", S_RULES }, { "cancelled", S_RULES }, { "zero_quantity", S_RULES },
	{ "return", S_RULES }, { "unmatched_return", S_RULES }, { "zero_price", S_RULES },
	{ "negative_price", S_RULES }, { "outlier", S_RULES }, { "duplicate", S_DEDUP },
};

const char *const stages[NSTAGE] = { "parse", "required", "values", "rules", "dedup" };

const char *const formats[NFORMAT] = { "auto", "iso", "mdy", "dmy", "dmy-dot", "ymd" };

void summary(const Clean *C)
{
	uint64_t rej = 0;
	for (int r = 0; r < NREASON; r++)
		rej += C->rejected[r];
	fprintf(stderr, "crm-clean: %s", C->name);
	if (C->part.n)
		fprintf(stderr, " (partition %u/%u, %llu rows in others)", C->part.i, C->part.n,
			(unsigned long long)C->others);
	fprintf(stderr, ": %llu lines, %llu rows read", (unsigned long long)C->lineno, (unsigned long long)C->rows);
	if (C->spanning) {
		fprintf(stderr, " (%llu %s lines", (unsigned long long)C->spanning, C->spanning > 1 ? "span" : "spans");
		for (uint64_t i = 0; i < C->spanning && i < SPAN_LIST; i++)
			fprintf(stderr, "%s%llu-%llu", i ? ", " : " ", (unsigned long long)C->span[i][0],
				(unsigned long long)C->span[i][1]);
		fprintf(stderr, "%s)", C->spanning > SPAN_LIST ? ", ..." : "");
	}
	fprintf(stderr, ", %llu written, %llu rejected", (unsigned long long)C->written, (unsigned long long)rej);
	const char *sep = " (";
	for (int r = 0; r < NREASON; r++)
		if (C->rejected[r]) {
			fprintf(stderr, "%s%s %llu", sep, reasons[r].name, (unsigned long long)C->rejected[r]);
			sep = ", ";
		}
	fprintf(stderr, "%s; %llu empty lines; dates %s\n", *sep == ',' ? ")" : "",
		(unsigned long long)C->empty, formats[C->date_format]);
}

void report(const Clean *C, const char *path)
{
	Out o;
	out_create(&o, path);
	uint64_t rej = 0, left = C->rows;
	for (int r = 0; r < NREASON; r++)
		rej += C->rejected[r];
	out_str(&o, "{\"input\":");
	json_cstr(&o, C->name);
	out_str(&o, ",\"rows_read\":");
	out_u64(&o, C->rows);
	out_str(&o, ",\"rows_written\":");
	out_u64(&o, C->written);
	out_str(&o, ",\"rows_rejected\":");
	out_u64(&o, rej);
	out_str(&o, ",\"empty_lines\":");
	out_u64(&o, C->empty);
	out_str(&o, ",\"lines_read\":");
	out_u64(&o, C->lineno);
	out_str(&o, ",\"header_lines\":");
	out_u64(&o, C->header_lines);
	out_str(&o, ",\"row_lines\":");
	out_u64(&o, C->row_lines);
	out_str(&o, ",\"rows_spanning_lines\":");
	out_u64(&o, C->spanning);
	out_str(&o, ",\"spanning_rows\":[");
	for (uint64_t i = 0; i < C->spanning && i < SPAN_LIST; i++) {
		out_str(&o, i ? ",{\"first_line\":" : "{\"first_line\":");
		out_u64(&o, C->span[i][0]);
		out_str(&o, ",\"last_line\":");
		out_u64(&o, C->span[i][1]);
		out_char(&o, '}');
	}
	out_char(&o, ']');
	out_str(&o, ",\"date_format\":\"");
	out_str(&o, formats[C->date_format]);
	out_str(&o, "\",\"values_with_tabs_or_newlines\":");
	out_u64(&o, C->cleaned_values);
	out_str(&o, ",\"ids_without_zero_decimals\":");
	out_u64(&o, C->ids_decimals);
	out_str(&o, ",\"rejected\":{");
	for (int r = 0; r < NREASON; r++) {
		if (r)
			out_char(&o, ',');
		out_char(&o, '"');
		out_str(&o, reasons[r].name);
		out_str(&o, "\":");
		out_u64(&o, C->rejected[r]);
	}
	/* Stages in order: rows come in, some are rejected, the rest go on. */
	out_str(&o, "},\"stages\":[");
	for (int s = 0; s < NSTAGE; s++) {
		uint64_t n = 0;
		for (int r = 0; r < NREASON; r++)
			if (reasons[r].stage == s)
				n += C->rejected[r];
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

/* put_count writes the line "NAME<TAB>V" of a partial. */
static void put_count(Out *o, const char *name, uint64_t v)
{
	out_str(o, name);
	out_char(o, '\t');
	out_u64(o, v);
	out_char(o, '\n');
}

/* put_day writes the line "NAME<TAB>YYYY-MM-DD", or "NAME<TAB>-" for no
 * day (INT32_MAX or INT32_MIN), of a partial. */
static void put_day(Out *o, const char *name, int32_t day)
{
	char d10[11] = "-";
	if (day != INT32_MAX && day != INT32_MIN)
		date_fmt(d10, day);
	out_str(o, name);
	out_char(o, '\t');
	out_str(o, d10);
	out_char(o, '\n');
}

/* The partial of partition I of N: one "name<TAB>value" line a count, as
 * clean_merge (merge.c) reads them. The lines counted on the whole input
 * (lines_read, header_lines, empty_lines) and the date format are the same
 * in every partition; the rows and their categories are the partition's.
 * first_date and last_date are those of its rows written: crm-run gives
 * the earliest and latest of all partitions to crm-agg, whose period they
 * make. */
void report_partial(const Clean *C, const char *path)
{
	Out o;
	char id[17];
	out_create(&o, path);
	out_str(&o, "crm-clean partial\t1\npartition\t");
	out_u64(&o, C->part.i);
	out_char(&o, '/');
	out_u64(&o, C->part.n);
	rules_id(C->rc.rules, id);
	out_str(&o, "\nrules\t");
	out_str(&o, id);
	out_str(&o, "\ninput\t");
	out_str(&o, C->name);
	out_str(&o, "\nrejects\t");
	out_str(&o, C->rejects_path ? C->rejects_path : "-");
	out_str(&o, "\ndate_format\t");
	out_str(&o, formats[C->date_format]);
	out_char(&o, '\n');
	put_count(&o, "lines_read", C->lineno);
	put_count(&o, "header_lines", C->header_lines);
	put_count(&o, "empty_lines", C->empty);
	put_count(&o, "rows_read", C->rows);
	put_count(&o, "rows_written", C->written);
	put_count(&o, "row_lines", C->row_lines);
	put_count(&o, "rows_spanning_lines", C->spanning);
	put_count(&o, "values_with_tabs_or_newlines", C->cleaned_values);
	put_count(&o, "ids_without_zero_decimals", C->ids_decimals);
	put_count(&o, "rows_in_other_partitions", C->others);
	put_day(&o, "first_date", C->first_day);
	put_day(&o, "last_date", C->last_day);
	for (int r = 0; r < NREASON; r++) {
		out_str(&o, "rejected\t");
		put_count(&o, reasons[r].name, C->rejected[r]);
	}
	for (uint64_t i = 0; i < C->spanning && i < SPAN_LIST; i++) {
		out_str(&o, "span\t");
		out_u64(&o, C->span[i][0]);
		out_char(&o, '\t');
		out_u64(&o, C->span[i][1]);
		out_char(&o, '\n');
	}
	out_close(&o);
}
