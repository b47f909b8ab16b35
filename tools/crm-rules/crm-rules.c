/* crm-rules: check a rules file, show the rules in effect, print their
 * fingerprint. */
#include "brandrules.h"
#include "help.h"
#include "rules.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-rules check [FILE]\n"
	"       crm-rules show [--brand NAME] [FILE]\n"
	"       crm-rules id [FILE]";

static const HelpOpt help[] = {
	{ "check [FILE]", "report every error of the rules; else print the fingerprint" },
	{ "show [FILE]", "print every key in effect: value, source, unit, meaning" },
	{ "id [FILE]", "print the fingerprint of the rules in effect" },
	{ "--brand NAME", "with show: the values in effect for that brand" },
	{ NULL, NULL },
};

/* show_key prints KEY's row: value in effect, where it comes from, unit
 * and meaning. */
static void show_key(void *ctx, const char *key, const RuleEntry *e, const RuleDef *d)
{
	(void)ctx;
	if (e)
		printf("%s\t%s\t%s:%d%s%s%s\t%s\t%s\n", key, e->value, e->file, e->line,
		       e->brand ? " [brand " : "", e->brand ? e->brand : "", e->brand ? "]" : "",
		       d->unit, d->doc);
	else
		printf("%s\tnone\t(not set)\t%s\t%s\n", key, d->unit, d->doc);
}

static void show(const Rules *r, const char *brand)
{
	printf("key\tvalue\tsource\tunit\tmeaning\n");
	rules_each(r, brand, show_key, NULL);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	const char *brand = NULL;
	static const struct option longopts[] = {
		{ "brand", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': brand = optarg; break;
		case 'h':
			help_exit(usage_text, help);
		case 'V':
			printf("crm-rules %s\n", CRM_VERSION);
			return 0;
		default:
			usage_fail(usage_text, NULL);
		}
	}
	if (optind >= argc)
		usage_fail(usage_text, "a command is needed: check, show or id");
	const char *cmd = argv[optind++];
	if (argc - optind > 1)
		usage_fail(usage_text, "one rules file at most");
	const char *path = optind < argc ? argv[optind] : NULL;
	if (brand && strcmp(cmd, "show") != 0)
		usage_fail(usage_text, "--brand goes with show");

	if (strcmp(cmd, "check") == 0) {
		int nerr;
		Rules *r = rules_load_checked(path, &nerr);
		if (!r) {
			fprintf(stderr, "%s: %d error%s\n", progname, nerr, nerr == 1 ? "" : "s");
			return EXIT_DATA;
		}
		/* The typed rules of the defaults and of each brand: their
		 * cross-key checks (brandrules.c) stop here as in every tool. */
		RulesCache rc;
		rules_cache_init(&rc, r);
		char id[17];
		rules_id(r, id);
		printf("%s: ok, fingerprint %s\n", path ? path : "default.rules", id);
		rules_cache_close(&rc);
		return 0;
	}
	if (strcmp(cmd, "show") != 0 && strcmp(cmd, "id") != 0)
		usage_fail(usage_text, "unknown command '%s'", cmd);
	Rules *r = rules_load(path);
	if (strcmp(cmd, "id") == 0) {
		char id[17];
		rules_id(r, id);
		printf("%s\n", id);
	} else {
		if (brand && !rules_has_brand(r, brand))
			warn("no [brand %s] section: showing the defaults it gets", brand);
		show(r, brand);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write error on stdout");
	rules_free(r);
	return 0;
}
