/* crm-rules: check a rules file, show the rules in effect, print their
 * fingerprint. */
#include "brandrules.h"
#include "opt.h"
#include "rules.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-rules check [FILE]\n"
	"       crm-rules show [--brand NAME] [FILE]\n"
	"       crm-rules id [FILE]";

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
	/* The commands are lines of the help only: no value to store. */
	const Opt opts[] = {
		{ "check [FILE]", 0, NULL, NULL, NULL, 0, "report every error of the rules; else print the fingerprint" },
		{ "show [FILE]", 0, NULL, NULL, NULL, 0, "print every key in effect: value, source, unit, meaning" },
		{ "id [FILE]", 0, NULL, NULL, NULL, 0, "print the fingerprint of the rules in effect" },
		{ "brand", 0, "NAME", opt_str, &brand, 0, "with show: the values in effect for that brand" },
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (first >= argc)
		usage_fail(usage_text, "a command is needed: check, show or id");
	const char *cmd = argv[first++];
	if (argc - first > 1)
		usage_fail(usage_text, "one rules file at most");
	const char *path = first < argc ? argv[first] : NULL;
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
