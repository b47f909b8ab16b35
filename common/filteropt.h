/* filteropt: the command line the signal filters (crm-tier, crm-lifecycle,
 * crm-churn) share, and their output header. */
#ifndef CRM_FILTEROPT_H
#define CRM_FILTEROPT_H

#include <stdint.h>

#include "brandrules.h"
#include "opt.h"
#include "out.h"
#include "tsv.h"

typedef struct {
	OptCommon c;           /* --rules, -o, --stats, --progress */
	const char *input;
	int32_t from;          /* INT32_MIN: from the first month */
	int32_t to;            /* with to_given */
	int32_t as_of;         /* with to_given: the day the period ends */
	int to_given, explain;
} FilterOpts;

/* filter_init sets O to the defaults, before opt_parse fills it from a
 * table with --from (O->from), --to (O->to), --as-of (O->as_of). */
void filter_init(FilterOpts *o);

/* OPT_FILTER_FROM is the --from entry of a signal filter's option table,
 * HELP its help line. */
#define OPT_FILTER_FROM(o, help) \
	{ "from", 0, "YYYY-MM", opt_month, &(o)->from, 0, help }

/* OPT_FILTER_END ends a signal filter's option table: --explain (EXPLAIN_HELP:
 * what it adds), --stats (STATS_HELP: what it prints), --progress and -o. */
#define OPT_FILTER_END(o, explain_help, stats_help) \
	{ "explain", 0, NULL, NULL, &(o)->explain, 1, explain_help }, \
	OPT_STATS(&(o)->c, stats_help), \
	OPT_PROGRESS(&(o)->c), \
	OPT_OUTPUT(&(o)->c), \
	OPT_END

/* filter_start parses the command line ARGC, ARGV with the table OPTS into
 * O, settles the input and the period (filter_settle, USAGE on a usage
 * error), opens the rules into RC and writes their fingerprint to RID. */
void filter_start(FilterOpts *o, int argc, char **argv, const char *usage, const Opt *opts,
		  RulesCache *rc, char rid[17]);

/* filter_settle takes at most one input file of the N operands ARGS (stdin
 * by default) and settles the period: --to M is --as-of the last day of M.
 * Bad usage (two inputs, --to with --as-of, --from after --to) exits 2
 * with USAGE. */
void filter_settle(FilterOpts *o, int n, char **args, const char *usage);

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
