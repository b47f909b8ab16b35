/* filteropt: the command line the signal filters (crm-tier, crm-lifecycle,
 * crm-churn) share, and their output header. */
#ifndef CRM_FILTEROPT_H
#define CRM_FILTEROPT_H

#include <stdint.h>

#include "help.h"
#include "out.h"
#include "tsv.h"

typedef struct {
	const char *rules, *output, *input;
	int32_t from;          /* INT32_MIN: from the first month */
	int32_t to;            /* with to_given */
	int32_t as_of;         /* with to_given: the day the period ends */
	int to_given, explain, stats;
} FilterOpts;

/* filter_options parses --rules, --from, --explain, --stats, -o and, when
 * ALLOW_TO, --to or --as-of (--to M is --as-of the last day of M); then at
 * most one input file (stdin by default). -h and --help print USAGE and the
 * lines of HELP, --version the version, and exit; bad usage exits 2 with
 * USAGE. */
void filter_options(int argc, char **argv, const char *usage, const HelpOpt *help, int allow_to,
		    FilterOpts *o);

/* filter_header writes T's header line followed by the names of the
 * columns PRODUCER adds (from the schema, the --explain ones when
 * EXPLAIN), then rules_id, and a newline: the rules_id
 * column (the fingerprint of the rules that made the rows, see rules_id())
 * is always the last, so a stage moves it behind the columns it adds. An
 * added name that T has already (the tool's own output given to it
 * again) is an error, and so is a rules_id column that is not T's last.
 * Returns the index of T's rules_id column, or -1 when T has none (the
 * stage then starts it). */
int filter_header(Out *o, const Tsv *t, const char *producer, int explain);

/* filter_rules_row checks that the current row of T, whose rules_id column
 * is RI (-1: none), was made with the rules of fingerprint ID, else dies
 * naming both: stages that used different rules must not pass as one
 * pipeline. Returns how many bytes of the row to copy before the added
 * columns: the row without its rules_id field. */
size_t filter_rules_row(const Tsv *t, int ri, const char *id);

/* filter_rules_end writes the rules_id field that ends a row: a tab and
 * ID. */
void filter_rules_end(Out *o, const char *id);

#endif
