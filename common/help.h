/* help: the -h/--help text of a tool, printed from a table of its options. */
#ifndef CRM_HELP_H
#define CRM_HELP_H

#include <stdnoreturn.h>

/* One line of the help: the option as the man page spells it ("--rules
 * FILE", "-o FILE") and what it does. A table ends with { NULL, NULL }. */
typedef struct {
	const char *opt;
	const char *text;
} HelpOpt;

/* help_exit prints "usage: USAGE" (the man page SYNOPSIS), a line for each
 * entry of OPTS, the -h/--help and --version lines every tool has, and
 * "See PROGNAME(1)." on the standard output, then exits 0; a failed write
 * exits 1 with a message, a closed pipe exits 0 quietly. */
noreturn void help_exit(const char *usage, const HelpOpt *opts);

#endif
