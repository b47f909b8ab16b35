#include "opt.h"
#include "date.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The lines every tool's help ends with; opt_parse answers them itself. */
static const Opt opt_always[] = {
	{ "help", 'h', NULL, NULL, NULL, 0, "print this help and exit" },
	{ "version", 0, NULL, NULL, NULL, 0, "print the version and exit" },
	OPT_END,
};

/* A line of the help only (crm-rules' commands, "check [FILE]"): a name
 * with a space, not an option. */
static int opt_is_text(const Opt *o) { return o->name && strchr(o->name, ' '); }

/* The parsers: their contracts are in opt.h. */
const char *opt_str(const char *arg, void *dst)
{
	*(const char **)dst = arg;
	return NULL;
}

const char *opt_month(const char *arg, void *dst)
{
	return month_parse(arg, strlen(arg), dst) ? "is not a month (YYYY-MM)" : NULL;
}

const char *opt_date(const char *arg, void *dst)
{
	return date_parse(arg, strlen(arg), dst) ? "is not a date (YYYY-MM-DD)" : NULL;
}

const char *opt_size(const char *arg, void *dst)
{
	return parse_size(arg, dst);
}

const char *opt_uint(const char *arg, void *dst)
{
	/* The bounds are in the message: one buffer, as one option fails. */
	static char why[80];
	OptUint *u = dst;
	if (parse_uint(arg, u->hi, &u->v) || u->v < u->lo) {
		if (u->hi == UINT64_MAX)
			return "is not a whole number";
		snprintf(why, sizeof why, "is not a whole number from %llu to %llu",
			 (unsigned long long)u->lo, (unsigned long long)u->hi);
		return why;
	}
	u->given = 1;
	return NULL;
}

const char *opt_hash_part(const char *arg, void *dst)
{
	OptPart *p = dst;
	const char *slash = strchr(arg, '/');
	uint64_t i, n;
	char num[32];
	if (!slash || (size_t)(slash - arg) >= sizeof num)
		return "is not I/N";
	memcpy(num, arg, (size_t)(slash - arg));
	num[slash - arg] = '\0';
	if (parse_uint(num, 1u << 20, &i) || parse_uint(slash + 1, 1u << 20, &n) || n == 0 || i == 0 || i > n)
		return "is not I/N with 1 <= I <= N";
	p->i = (uint32_t)i;
	p->n = (uint32_t)n;
	return NULL;
}

void opt_common_init(OptCommon *c)
{
	c->rules = NULL;
	c->output = "-";
	c->stats = 0;
	c->progress = -1;
}

/* opt_spell writes to BUF (SIZE bytes) the option as the man page spells
 * it: "-o FILE", "--rules FILE", "-h, --help". */
static void opt_spell(char *buf, size_t size, const Opt *o)
{
	if (opt_is_text(o)) {
		snprintf(buf, size, "%s", o->name);
		return;
	}
	char sh[8] = "";
	if (o->sh)
		snprintf(sh, sizeof sh, "-%c%s", o->sh, o->name ? ", " : "");
	snprintf(buf, size, "%s%s%s%s%s", sh, o->name ? "--" : "", o->name ? o->name : "",
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

/* help_width returns the widest option of OPTS, or W if none is wider. */
static int help_width(const Opt *opts, int w)
{
	char buf[128];
	for (; opts->name || opts->sh; opts++) {
		opt_spell(buf, sizeof buf, opts);
		if ((int)strlen(buf) > w)
			w = (int)strlen(buf);
	}
	return w;
}

/* help_lines prints a line for each entry of OPTS, its option padded to W
 * columns, then its help. */
static void help_lines(const Opt *opts, int w)
{
	char buf[128];
	for (; opts->name || opts->sh; opts++) {
		opt_spell(buf, sizeof buf, opts);
		printf("  %-*s  %s\n", w, buf, opts->help);
	}
}

void help_exit(const char *usage, const Opt *opts)
{
	int w = help_width(opt_always, help_width(opts, 0));
	printf("usage: %s\n", usage);
	help_lines(opts, w);
	help_lines(opt_always, w);
	printf("See %s(1).\n", progname);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error on stdout");
	}
	exit(0);
}

/* opt_apply stores ARG by the entry O (a flag its value), or exits 2 with
 * USAGE naming the option, ARG and why PARSE refused it. */
static void opt_apply(const Opt *o, const char *arg, const char *usage)
{
	if (!o->arg) {
		*(int *)o->dst = o->val;
		return;
	}
	const char *why = o->parse(arg, o->dst);
	if (why) {
		if (o->name)
			usage_fail(usage, "--%s: '%s' %s", o->name, arg, why);
		usage_fail(usage, "-%c: '%s' %s", o->sh, arg, why);
	}
}

int opt_parse(int argc, char **argv, const char *usage, const Opt *opts)
{
	/* Long options come back as 256 + their index in OPTS; -h, --help
	 * and --version as 'h' and 256 + n. */
	size_t n = 0;
	while (opts[n].name || opts[n].sh)
		n++;
	struct option *lo = xcalloc(n + 3, sizeof *lo);
	char *shorts = xmalloc(2 * n + 3);
	size_t nl = 0, ns = 0;
	shorts[ns++] = 'h';
	for (size_t i = 0; i < n; i++) {
		if (opt_is_text(&opts[i]))
			continue;
		if (opts[i].name)
			lo[nl++] = (struct option){ opts[i].name, opts[i].arg ? required_argument : no_argument,
						    NULL, 256 + (int)i };
		if (opts[i].sh) {
			shorts[ns++] = opts[i].sh;
			if (opts[i].arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	lo[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[nl++] = (struct option){ "version", no_argument, NULL, 256 + (int)n };
	int ch;
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (ch == 'h')
			help_exit(usage, opts);
		if (ch == 256 + (int)n) {
			printf("%s %s\n", progname, CRM_VERSION);
			exit(0);
		}
		const Opt *o = NULL;
		if (ch >= 256)
			o = &opts[ch - 256];
		else
			for (size_t i = 0; i < n && !o && ch != '?' && ch != ':'; i++)
				if (opts[i].sh == ch && !opt_is_text(&opts[i]))
					o = &opts[i];
		if (!o)
			usage_fail(usage, NULL);
		opt_apply(o, optarg, usage);
	}
	free(lo);
	free(shorts);
	return optind;
}
