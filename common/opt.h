/* opt: a tool's command line, declared once in a table from which both
 * getopt_long's table and the -h/--help text are made. */
#ifndef CRM_OPT_H
#define CRM_OPT_H

#include <stdint.h>
#include <stdnoreturn.h>

/* OptParse stores the argument ARG of an option into DST, or returns why
 * it cannot ("is not a month (YYYY-MM)"), which follows "--name: 'ARG' "
 * in the usage error. */
typedef const char *(*OptParse)(const char *arg, void *dst);

/* One option. A flag (ARG NULL) stores VAL into the int at DST; an option
 * with an argument hands it to PARSE with DST. A table ends with an entry
 * whose NAME and SH are both NULL and 0 (OPT_END). A NAME with a space
 * ("check [FILE]") is a line of the help only, not an option. */
typedef struct {
	const char *name;  /* the long name without "--"; NULL: a letter only */
	char sh;           /* the letter of "-x"; 0: a long name only */
	const char *arg;   /* the argument as the help shows it; NULL: a flag */
	OptParse parse;
	void *dst;
	int val;           /* what a flag stores */
	const char *help;  /* one line of --help */
} Opt;

/* A whole number from LO to HI, with GIVEN set when the option is there. */
typedef struct {
	uint64_t lo, hi, v;
	int given;
} OptUint;

/* A hash partition I of N (--partition I/N), I from 1. */
typedef struct {
	uint32_t i, n;
} OptPart;

/* The options most tools share. */
typedef struct {
	const char *rules;   /* --rules; NULL: the built-in rules */
	const char *output;  /* -o; "-": the standard output */
	int stats;           /* --stats */
	int progress;        /* --progress 1, --no-progress 0, else -1 */
} OptCommon;

const char *opt_str(const char *arg, void *dst);    /* const char * */
const char *opt_month(const char *arg, void *dst);  /* int32_t month index */
const char *opt_date(const char *arg, void *dst);   /* int32_t days */
const char *opt_size(const char *arg, void *dst);   /* uint64_t bytes */
const char *opt_uint(const char *arg, void *dst);   /* OptUint */
const char *opt_hash_part(const char *arg, void *dst);   /* OptPart: I/N, 1 <= I <= N <= 2^20 */

/* The common options, one entry a line. */
#define OPT_RULES(c) { "rules", 0, "FILE", opt_str, &(c)->rules, 0, "rules overriding the built-in ones" }
#define OPT_OUTPUT(c) { NULL, 'o', "FILE", opt_str, &(c)->output, 0, "write to FILE (a temporary file renamed at the end)" }
#define OPT_STATS(c, text) { "stats", 0, NULL, NULL, &(c)->stats, 1, text }
#define OPT_PROGRESS(c) \
	{ "progress", 0, NULL, NULL, &(c)->progress, 1, "rows and rows/s on stderr (default: when a terminal)" }, \
	{ "no-progress", 0, NULL, NULL, &(c)->progress, 0, "no progress lines" }
#define OPT_END { NULL, 0, NULL, NULL, NULL, 0, NULL }

/* opt_common_init sets C to the defaults: no rules file, the standard
 * output, no stats, progress when stderr is a terminal (-1). */
void opt_common_init(OptCommon *c);

/* opt_parse reads the options of ARGV by the table OPTS; -h and --help
 * print USAGE (the man page SYNOPSIS), a line per entry of OPTS, the -h
 * and --version lines and "See PROGNAME(1)." and exit 0; --version prints
 * "PROGNAME VERSION" and exits 0. An unknown option, a missing argument or
 * one PARSE refuses exits 2 with USAGE. Returns the index in ARGV of the
 * first operand. */
int opt_parse(int argc, char **argv, const char *usage, const Opt *opts);

/* help_exit prints the help of the table OPTS as opt_parse does, and exits
 * 0; a failed write exits 1, a closed pipe 0 quietly. */
noreturn void help_exit(const char *usage, const Opt *opts);

#endif
