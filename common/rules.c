/* rules: the entry points (loading, freeing), the lookups and typed
 * getters, and the fingerprint and walk over the rules in effect. */
#include "rules.h"
#include "rules_load.h"
#include "hash.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- definitions ---- */

const RuleDef *rule_def_find(const char *key, const char **name, size_t *namelen)
{
	for (const RuleDef *d = rule_defs; d->key; d++) {
		const char *star = strchr(d->key, '*');
		if (!star) {
			if (strcmp(d->key, key) == 0)
				return d;
			continue;
		}
		size_t pre = (size_t)(star - d->key), post = strlen(star + 1);
		size_t n = strlen(key);
		if (n <= pre + post || strncmp(key, d->key, pre) != 0 ||
		    strcmp(key + n - post, star + 1) != 0)
			continue;
		const char *nm = key + pre;
		size_t nl = n - pre - post;
		if (memchr(nm, '.', nl))
			continue;
		if (name) {
			*name = nm;
			*namelen = nl;
		}
		return d;
	}
	return NULL;
}

/* ---- lookups ---- */

const RuleEntry *rules_entry(const Rules *r, const char *brand, const char *key)
{
	const RuleEntry *dflt = NULL;
	for (size_t i = r->n; i-- > 0;) {
		const RuleEntry *e = &r->e[i];
		if (strcmp(e->key, key) != 0)
			continue;
		if (!e->brand) {
			if (!dflt)
				dflt = e;
			if (!brand)
				return e;
		} else if (brand && strcmp(e->brand, brand) == 0) {
			return e;
		}
	}
	return dflt;
}

const char *rules_get(const Rules *r, const char *brand, const char *key)
{
	const RuleEntry *e = rules_entry(r, brand, key);
	return e ? e->value : NULL;
}

/* must returns KEY's entry for BRAND; dies when it is not set. */
static const RuleEntry *must(const Rules *r, const char *brand, const char *key)
{
	const RuleEntry *e = rules_entry(r, brand, key);
	if (!e)
		die("rules: key '%s' is not set", key);
	return e;
}

int64_t rules_int(const Rules *r, const char *brand, const char *key)
{
	int64_t v;
	const RuleEntry *e = must(r, brand, key);
	if (fixed_parse(e->value, strlen(e->value), 0, &v))
		die("%s:%d: key '%s' is not a whole number", e->file, e->line, key);
	return v;
}

int64_t rules_fixed(const Rules *r, const char *brand, const char *key,
		    int decimals, int *none)
{
	const RuleEntry *e = rules_entry(r, brand, key);
	if (none)
		*none = 0;
	if (!e || strcmp(e->value, "none") == 0) {
		if (none) {
			*none = 1;
			return 0;
		}
		if (!e)
			die("rules: key '%s' is not set", key);
		die("%s:%d: key '%s' cannot be 'none'", e->file, e->line, key);
	}
	int64_t v;
	const char *why = fixed_parse(e->value, strlen(e->value), decimals, &v);
	if (why)
		die("%s:%d: key '%s': '%s' %s", e->file, e->line, key, e->value, why);
	return v;
}

size_t rules_list(const Rules *r, const char *brand, const char *key, char ***items)
{
	const RuleEntry *e = must(r, brand, key);
	size_t n = 0, cap = 4;
	char **v = xmalloc(cap * sizeof *v);
	const char *s = e->value;
	while (*s) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (n + 2 > cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = xstrndup(s, len);
		s += len + (c != NULL);
	}
	v[n] = NULL;
	*items = v;
	return n;
}

void namelist_load(NameList *l, const Rules *r, const char *brand, const char *key)
{
	l->n = rules_list(r, brand, key, &l->name);
	l->len = xmalloc((l->n + 1) * sizeof *l->len);
	for (size_t i = 0; i < l->n; i++)
		l->len[i] = strlen(l->name[i]);
}

void namelist_free(NameList *l)
{
	rules_list_free(l->name);
	free(l->len);
}

void rules_list_free(char **items)
{
	if (!items)
		return;
	for (char **p = items; *p; p++)
		free(*p);
	free(items);
}

void rules_range(const Rules *r, const char *brand, const char *key, int *lo, int *hi)
{
	const RuleEntry *e = must(r, brand, key);
	if (sscanf(e->value, "%d-%d", lo, hi) != 2)
		die("%s:%d: key '%s' is not a range", e->file, e->line, key);
}

int rules_has_brand(const Rules *r, const char *brand)
{
	for (size_t i = 0; i < r->nbrands; i++)
		if (strcmp(r->brands[i], brand) == 0)
			return 1;
	return 0;
}

void rules_brand_seen(Rules *r, const char *b, size_t n)
{
	for (size_t i = 0; i < r->nbrands; i++)
		if (strlen(r->brands[i]) == n && memcmp(r->brands[i], b, n) == 0)
			r->brand_seen[i] = 1;
}

void rules_warn_unseen_brands(const Rules *r)
{
	for (size_t i = 0; i < r->nbrands; i++)
		if (!r->brand_seen[i])
			warn("%s:%d: [brand %s]: no row of the input has this brand, so the "
			     "section is not used", r->brand_file[i], r->brand_line[i], r->brands[i]);
}

/* ---- entry points ---- */

/* load reads the built-in rules, then PATH (or $CRM_RULES), and checks
 * them; returns the rules, or NULL with the count of errors in *NERRORS
 * (FATAL: exit at the first). */
static Rules *load(const char *path, int fatal, int *nerrors)
{
	Loader L = { .fatal = fatal };
	L.r = xcalloc(1, sizeof *L.r);
	char *text = xstrdup(rules_default_text);
	rules_load_text(&L, rules_keep_file(L.r, "default.rules"), "", text, 0);
	free(text);
	if (!path) {
		path = getenv("CRM_RULES");
		if (path && !*path)
			path = NULL;
	}
	if (path)
		rules_load_path(&L, path, NULL, 0, 0);
	if (L.nerrors == 0) {
		unsigned char *stale = xcalloc(L.r->n + 1, 1);
		rules_check_all(&L, stale);
		rules_drop_stale(L.r, stale);
		free(stale);
	}
	if (L.nerrors == 0) {
		rules_check_section(&L, NULL);
		for (size_t i = 0; i < L.r->nbrands; i++)
			rules_check_section(&L, L.r->brands[i]);
	}
	free(L.entry_file);
	if (nerrors)
		*nerrors = L.nerrors;
	if (L.nerrors) {
		rules_free(L.r);
		return NULL;
	}
	return L.r;
}

Rules *rules_load(const char *path)
{
	return load(path, 1, NULL);
}

Rules *rules_load_checked(const char *path, int *nerrors)
{
	return load(path, 0, nerrors);
}

void rules_free(Rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].key);
		free(r->e[i].value);
		free(r->e[i].brand);
	}
	free(r->e);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	for (size_t i = 0; i < r->nbrands; i++)
		free(r->brands[i]);
	free(r->brands);
	free(r->brand_file);
	free(r->brand_line);
	free(r->brand_seen);
	free(r);
}

/* cmp_str orders C strings, for qsort. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* append_section adds "key=value\n" for every key in effect in BRAND's own
 * section (or the defaults), in key order. */
static void append_section(const Rules *r, const char *brand, char **buf, size_t *len, size_t *cap)
{
	const char **keys = xmalloc((r->n + 1) * sizeof *keys);
	size_t nk = 0;
	for (size_t i = 0; i < r->n; i++) {
		const RuleEntry *e = &r->e[i];
		if ((brand == NULL) != (e->brand == NULL) || (brand && strcmp(brand, e->brand)))
			continue;
		size_t j;
		for (j = 0; j < nk; j++)
			if (strcmp(keys[j], e->key) == 0)
				break;
		if (j == nk)
			keys[nk++] = e->key;
	}
	qsort(keys, nk, sizeof *keys, cmp_str);
	for (size_t i = 0; i < nk; i++) {
		const RuleEntry *e = NULL;
		for (size_t j = r->n; j-- > 0;)
			if (strcmp(r->e[j].key, keys[i]) == 0 &&
			    ((brand == NULL && r->e[j].brand == NULL) ||
			     (brand && r->e[j].brand && strcmp(brand, r->e[j].brand) == 0))) {
				e = &r->e[j];
				break;
			}
		size_t need = strlen(e->key) + strlen(e->value) + 3;
		while (*len + need >= *cap)
			*buf = xrealloc(*buf, *cap *= 2);
		*len += (size_t)sprintf(*buf + *len, "%s=%s\n", e->key, e->value);
	}
	free(keys);
}

void rules_id(const Rules *r, char out[17])
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	buf[0] = '\0';
	append_section(r, NULL, &buf, &len, &cap);
	for (size_t i = 0; i < r->nbrands; i++) {
		size_t need = strlen(r->brands[i]) + 16;
		while (len + need >= cap)
			buf = xrealloc(buf, cap *= 2);
		len += (size_t)sprintf(buf + len, "[brand %s]\n", r->brands[i]);
		append_section(r, r->brands[i], &buf, &len, &cap);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)hash_bytes(buf, len));
	free(buf);
}

void rules_each(const Rules *r, const char *brand,
		void (*fn)(void *ctx, const char *key, const RuleEntry *e, const RuleDef *d),
		void *ctx)
{
	for (const RuleDef *d = rule_defs; d->key; d++) {
		const char *star = strchr(d->key, '*');
		if (!star) {
			const RuleEntry *e = rules_entry(r, brand, d->key);
			if (e || (d->flags & RF_NONE))
				fn(ctx, d->key, e, d);
			continue;
		}
		/* At the first pattern key of a list: every key of each name. */
		const RuleDef *first = rule_defs;
		while (!first->names || strcmp(first->names, d->names) != 0)
			first++;
		if (first != d || !rules_get(r, brand, d->names))
			continue;
		char **names;
		size_t n = rules_list(r, brand, d->names, &names);
		for (size_t i = 0; i < n; i++)
			for (const RuleDef *x = d; x->key; x++) {
				const char *st = strchr(x->key, '*');
				if (!st || !x->names || strcmp(x->names, d->names) != 0)
					continue;
				char key[512];
				snprintf(key, sizeof key, "%.*s%s%s", (int)(st - x->key), x->key, names[i], st + 1);
				fn(ctx, key, rules_entry(r, brand, key), x);
			}
		rules_list_free(names);
	}
}
