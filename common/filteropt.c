#include "filteropt.h"
#include "date.h"
#include "schema.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void filter_options(int argc, char **argv, const char *usage, const HelpOpt *help, int allow_to,
		    FilterOpts *o)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "explain", no_argument, NULL, 'e' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->output = "-";
	o->input = "-";
	o->from = INT32_MIN;
	int ch;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r': o->rules = optarg; break;
		case 'f':
			if (month_parse(optarg, strlen(optarg), &o->from))
				usage_fail(usage, "--from: '%s' is not a month (YYYY-MM)", optarg);
			break;
		case 't':
			if (!allow_to)
				usage_fail(usage, NULL);
			if (month_parse(optarg, strlen(optarg), &o->to))
				usage_fail(usage, "--to: '%s' is not a month (YYYY-MM)", optarg);
			o->as_of = month_last_day(o->to);
			o->to_given = 1;
			break;
		case 'a':
			if (!allow_to)
				usage_fail(usage, NULL);
			if (date_parse(optarg, strlen(optarg), &o->as_of))
				usage_fail(usage, "--as-of: '%s' is not a date (YYYY-MM-DD)", optarg);
			o->to = month_of_day(o->as_of);
			o->to_given = 1;
			break;
		case 'e': o->explain = 1; break;
		case 's': o->stats = 1; break;
		case 'o': o->output = optarg; break;
		case 'h':
			help_exit(usage, help);
		case 'V':
			printf("%s %s\n", progname, CRM_VERSION);
			exit(0);
		default:
			usage_fail(usage, NULL);
		}
	}
	if (argc - optind > 1)
		usage_fail(usage, "one input at most");
	if (optind < argc)
		o->input = argv[optind];
	if (o->to_given && o->from != INT32_MIN && o->from > o->to)
		usage_fail(usage, "--from is after --to");
}

int filter_header(Out *o, const Tsv *t, const char *producer, int explain)
{
	char added[256];
	schema_added(producer, explain, added, sizeof added);
	int ri = tsv_col(t, "rules_id");
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
	Field f = t->f[ri];
	if (f.n != 16 || memcmp(f.p, id, 16) != 0)
		tsv_fail_line(t, "the rows were made with rules %.*s but %s has rules %s "
			      "(give every stage the same --rules or $CRM_RULES)",
			      f.n > 40 ? 40 : (int)f.n, f.p, progname, id);
	/* The last field: the row up to the tab before it. */
	return (size_t)(f.p - t->line) - 1;
}

void filter_rules_end(Out *o, const char *id)
{
	out_char(o, '\t');
	out_write(o, id, 16);
}
