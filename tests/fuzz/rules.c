/* rules: common/rules.c's loader on a rules file and the files it
 * includes, then every typed getter on every key in effect.
 *
 * The input is split at NUL bytes: the first part is main.rules, the
 * others 1.rules, 2.rules ... beside it, which "include = 1.rules" reaches
 * (a NUL inside a rules file makes it "not a text file" anyway). The
 * files are loaded twice: by rules_load_checked, which reports every error
 * and goes on, and by rules_load, which dies at the first; both must agree
 * on whether the rules are good, and rules_id must not depend on which. */
#include "fuzz.h"
#include "money.h"
#include "rules.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const Rules *r;
	const char *brand;
	int decimals;
} Walk;

/* use reads key KEY through the getter of its kind (rules_each callback);
 * a getter that fails dies, which the harness catches. */
static void use(void *ctx, const char *key, const RuleEntry *e, const RuleDef *d)
{
	Walk *w = ctx;
	int none, lo, hi;
	char **items;
	if (!e)
		return;
	if (strcmp(rules_get(w->r, w->brand, key), e->value) != 0)
		abort();
	switch (d->kind) {
	case RK_INT:
		rules_int(w->r, w->brand, key);
		break;
	case RK_DEC:
		rules_fixed(w->r, w->brand, key, 6, d->flags & RF_NONE ? &none : NULL);
		break;
	case RK_MONEY:
		rules_fixed(w->r, w->brand, key, w->decimals, d->flags & RF_NONE ? &none : NULL);
		break;
	case RK_LIST:
		rules_list(w->r, w->brand, key, &items);
		rules_list_free(items);
		break;
	case RK_RANGE:
		rules_range(w->r, w->brand, key, &lo, &hi);
		break;
	default:
		break;
	}
}

typedef struct {
	const char *path;
	int fatal;
	int ok;
	char id[17];
} Load;

/* load loads the rules named by the Load ARG, checked or fatal, and walks
 * every key of the defaults and of each brand. */
static void load(void *arg)
{
	Load *l = arg;
	Rules *r;
	if (l->fatal) {
		r = rules_load(l->path);
	} else {
		int nerr;
		r = rules_load_checked(l->path, &nerr);
		if (!r != !!nerr)
			abort(); /* NULL exactly when there were errors */
		if (!r)
			return;
	}
	l->ok = 1;
	rules_id(r, l->id);
	Walk w = { r, NULL, (int)rules_int(r, NULL, "money.decimals") };
	rules_each(r, NULL, use, &w);
	for (size_t i = 0; i < r->nbrands; i++) {
		if (!rules_has_brand(r, r->brands[i]))
			abort();
		w.brand = r->brands[i];
		rules_each(r, w.brand, use, &w);
	}
	rules_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Files from the last input must not be included by this one. */
	static int nparts;
	const char *end = (const char *)data + size, *p = (const char *)data;
	char name[32], main_path[128] = "";
	int part = 0;
	for (;;) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		if (part == 0)
			snprintf(name, sizeof name, "main.rules");
		else
			snprintf(name, sizeof name, "%d.rules", part);
		const char *path = fuzz_write(name, p, n);
		if (part == 0)
			snprintf(main_path, sizeof main_path, "%s", path);
		part++;
		if (!z || part == 8)
			break;
		p = z + 1;
	}
	for (int i = part; i < nparts; i++) {
		snprintf(name, sizeof name, "%d.rules", i);
		fuzz_write(name, "", 0);
	}
	nparts = part;

	Load a = { main_path, 0, 0, "" }, b = { main_path, 1, 0, "" };
	int sa = fuzz_run(load, &a);
	int sb = fuzz_run(load, &b);
	if (a.ok != b.ok) {
		fprintf(stderr, "fuzz-rules: rules_load_checked %s, rules_load %s (exit %d/%d)\n",
			a.ok ? "loads" : "fails", b.ok ? "loads" : "fails", sa, sb);
		abort();
	}
	if (a.ok && b.ok && strcmp(a.id, b.id) != 0) {
		fprintf(stderr, "fuzz-rules: rules_id %s != %s\n", a.id, b.id);
		abort();
	}
	return 0;
}
