/* crm-clean: what a run did, counted: the summary on stderr, the
 * --report JSON, and the names the counts go by. */
#include "clean.h"
#include "json.h"
#include "out.h"

#include <stdio.h>

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
	fprintf(stderr, "crm-clean: %s: %llu lines, %llu rows read", C->name, (unsigned long long)C->lineno,
		(unsigned long long)C->rows);
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
