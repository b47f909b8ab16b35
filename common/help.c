#include "help.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lines every tool adds after its own options. */
static const HelpOpt help_common[] = {
	{ "-h, --help", "print this help and exit" },
	{ "--version", "print the version and exit" },
	{ NULL, NULL },
};

/* help_width returns the longest option of OPTS, or W if none is longer. */
static size_t help_width(const HelpOpt *opts, size_t w)
{
	for (; opts->opt; opts++)
		if (strlen(opts->opt) > w)
			w = strlen(opts->opt);
	return w;
}

/* help_lines prints each entry of OPTS, its option padded to W columns. */
static void help_lines(const HelpOpt *opts, int w)
{
	for (; opts->opt; opts++)
		printf("  %-*s  %s\n", w, opts->opt, opts->text);
}

void help_exit(const char *usage, const HelpOpt *opts)
{
	int w = (int)help_width(help_common, help_width(opts, 0));
	printf("usage: %s\n", usage);
	help_lines(opts, w);
	help_lines(help_common, w);
	printf("See %s(1).\n", progname);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error on stdout");
	}
	exit(0);
}
