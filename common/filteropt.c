#include "filteropt.h"
#include "date.h"
#include "schema.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void filter_init(FilterOpts *o)
{
	memset(o, 0, sizeof *o);
	opt_common_init(&o->c);
	o->input = "-";
	o->from = o->to = o->as_of = INT32_MIN;
}

void filter_start(FilterOpts *o, int argc, char **argv, const char *usage, const Opt *opts,
		  RulesCache *rc, char rid[17])
{
	int first = opt_parse(argc, argv, usage, opts);
	filter_settle(o, argc - first, argv + first, usage);
	rules_cache_open(rc, o->c.rules);
	rules_id(rc->rules, rid);
}

void filter_settle(FilterOpts *o, int n, char **args, const char *usage)
{
	if (n > 1)
		usage_fail(usage, "one input at most");
	if (n == 1)
		o->input = args[0];
	if (o->to != INT32_MIN && o->as_of != INT32_MIN)
		usage_fail(usage, "--to and --as-of both end the period: give one");
	if (o->to != INT32_MIN)
		o->as_of = month_last_day(o->to);
	else if (o->as_of != INT32_MIN)
		o->to = month_of_day(o->as_of);
	o->to_given = o->to != INT32_MIN;
	if (o->to_given && o->from != INT32_MIN && o->from > o->to)
		usage_fail(usage, "--from is after --to");
}

int filter_header(Out *o, const Tsv *t, const char *producer, int explain)
{
	char added[256];
	schema_added(producer, explain, added, sizeof added);
	/* Not tsv_col: rules_id is read from the end of the line (see
	 * filter_rules_row), so the split may stop at the last column the
	 * stage reads. */
	int ri = -1;
	for (int c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c], "rules_id") == 0)
			ri = c;
	if (ri >= 0 && ri != t->ncols - 1)
		die("%s:1: column 'rules_id' is not the last: it must stay behind every "
		    "other column", t->name);
	/* A column added twice would make every later lookup by name find the
	 * first one: a tool run on its own output is an error. */
	for (const char *a = added; *a;) {
		size_t n = strcspn(a, "\t");
		for (int c = 0; c < t->ncols; c++)
			if (strlen(t->cols[c]) == n && memcmp(t->cols[c], a, n) == 0)
				die("%s:1: the input already has column '%s' (is it %s output?)",
				    t->name, t->cols[c], progname);
		a += n + (a[n] == '\t');
	}
	for (int c = 0; c < t->ncols; c++) {
		if (c == ri)
			continue;
		out_str(o, t->cols[c]);
		out_char(o, '\t');
	}
	out_str(o, added);
	out_str(o, "\trules_id\n");
	return ri;
}

size_t filter_rules_row(const Tsv *t, int ri, const char *id)
{
	if (ri < 0)
		return t->line_n;
	/* The last field, found from the end: the split may have stopped
	 * before it. */
	const char *tab = memrchr(t->line, '\t', t->line_n);
	const char *p = tab ? tab + 1 : t->line;
	size_t n = (size_t)(t->line + t->line_n - p);
	if (n != 16 || memcmp(p, id, 16) != 0)
		tsv_fail_line(t, "the rows were made with rules %.*s but %s has rules %s "
			      "(give every stage the same --rules or $CRM_RULES)",
			      n > 40 ? 40 : (int)n, p, progname, id);
	/* The row up to the tab before it. */
	return (size_t)(p - t->line) - (tab != NULL);
}

void filter_rules_end(Out *o, const char *id)
{
	out_char(o, '\t');
	out_write(o, id, 16);
}
