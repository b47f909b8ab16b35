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

/* filter_header writes T's header line followed by the tab-separated names
 * ADDED ("tier\ttier_explain") and a newline. A name of ADDED that T has
 * already (the tool's own output given to it again) is an error. */
void filter_header(Out *o, const Tsv *t, const char *added);

#endif
