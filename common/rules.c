#include "rules.h"
#include "hash.h"
#include "money.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INCLUDE_DEPTH 16

typedef struct {
	Rules *r;
	int fatal;       /* stop at the first error */
	int nerrors;
	int next_file_id;
	int *entry_file; /* file instance of each entry, for duplicates */
	size_t entry_file_cap;
	int too_deep;    /* includes nested too deep: included files stop */
} Loader;

static void lerr(Loader *L, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void lerr(Loader *L, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		fprintf(stderr, "%s: %s:%d: %s\n", progname, file, line, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", progname, file, msg);
	L->nerrors++;
	if (L->fatal)
		exit(EXIT_DATA);
}

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

/* ---- values ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static char *fmt_dec(int64_t v)
{
	char buf[32];
	size_t n = fixed_fmt(buf, v, 6);
	buf[n] = '\0';
	/* Shortest form: 2.000000 -> 2, 0.500000 -> 0.5. */
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '.')
		buf[--n] = '\0';
	return xstrdup(buf);
}

/* normalize checks VALUE against DEF and returns its canonical form, or
 * NULL with *why set. */
static char *normalize(const RuleDef *d, const char *value, const char **why)
{
	static char reason[128];
	int64_t v;
	const char *e;
	if ((d->flags & RF_NONE) && strcmp(value, "none") == 0)
		return xstrdup("none");
	switch (d->kind) {
	case RK_INT:
		if ((e = int_parse(value, strlen(value), &v))) {
			*why = e;
			return NULL;
		}
		if (v < d->min || v > d->max) {
			snprintf(reason, sizeof reason, "is outside %lld..%lld",
				 (long long)d->min, (long long)d->max);
			*why = reason;
			return NULL;
		}
		return fmt_dec(v * 1000000);
	case RK_DEC:
	case RK_MONEY:
		if ((e = fixed_parse(value, strlen(value), 6, &v))) {
			*why = e;
			return NULL;
		}
		if (v < 0) {
			*why = "is negative";
			return NULL;
		}
		return fmt_dec(v);
	case RK_LIST: {
		size_t n = strlen(value), o = 0;
		char *out = xmalloc(n + 1), *copy = xstrdup(value), *save = NULL;
		if (*trim(copy) == '\0') {
			free(copy);
			out[0] = '\0';
			return out;
		}
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			char *t = trim(tok);
			if (!*t) {
				free(copy);
				free(out);
				*why = "has an empty item";
				return NULL;
			}
			if (o)
				out[o++] = ',';
			memcpy(out + o, t, strlen(t));
			o += strlen(t);
		}
		/* strtok_r skips empty items at the ends and between commas. */
		if (value[0] == ',' || value[n - 1] == ',' || strstr(value, ",,")) {
			free(copy);
			free(out);
			*why = "has an empty item";
			return NULL;
		}
		out[o] = '\0';
		free(copy);
		return out;
	}
	case RK_TEXT:
		return xstrdup(value);
	case RK_WORD:
		if (!*value || strpbrk(value, " \t,")) {
			*why = "is not a single name";
			return NULL;
		}
		return xstrdup(value);
	case RK_CURRENCY:
		if (strlen(value) != 3 || strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
			*why = "is not an ISO 4217 currency code (three capital letters, EUR)";
			return NULL;
		}
		return xstrdup(value);
	case RK_ENUM: {
		size_t n = strlen(value);
		for (const char *p = d->names; *p;) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);
			if (len == n && memcmp(p, value, n) == 0)
				return xstrdup(value);
			p += len + (bar != NULL);
		}
		snprintf(reason, sizeof reason, "is not one of %s", d->names);
		*why = reason;
		return NULL;
	}
	case RK_RANGE: {
		int lo, hi, used = 0;
		if (sscanf(value, "%d-%d%n", &lo, &hi, &used) == 2 && value[used] == '\0') {
		} else if (sscanf(value, "%d%n", &lo, &used) == 1 && value[used] == '\0') {
			hi = lo;
		} else {
			*why = "is not a score range (LO-HI)";
			return NULL;
		}
		if (lo < d->min || hi > d->max || lo > hi) {
			snprintf(reason, sizeof reason, "is not a range within %lld-%lld",
				 (long long)d->min, (long long)d->max);
			*why = reason;
			return NULL;
		}
		char buf[32];
		snprintf(buf, sizeof buf, "%d-%d", lo, hi);
		return xstrdup(buf);
	}
	}
	*why = "has an unknown kind";
	return NULL;
}

/* ---- loading ---- */

static const char *keep_file(Rules *r, const char *name)
{
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	return r->files[r->nfiles++] = xstrdup(name);
}

/* add_brand records brand B, whose section starts at FILE:LINE, in the
 * sorted list of brands (a brand's first section is the one remembered). */
static void add_brand(Rules *r, const char *b, const char *file, int line)
{
	for (size_t i = 0; i < r->nbrands; i++)
		if (strcmp(r->brands[i], b) == 0)
			return;
	size_t n = r->nbrands + 1;
	r->brands = xrealloc(r->brands, n * sizeof *r->brands);
	r->brand_file = xrealloc(r->brand_file, n * sizeof *r->brand_file);
	r->brand_line = xrealloc(r->brand_line, n * sizeof *r->brand_line);
	r->brand_seen = xrealloc(r->brand_seen, n);
	size_t i = r->nbrands++;
	while (i > 0 && strcmp(r->brands[i - 1], b) > 0) {
		r->brands[i] = r->brands[i - 1];
		r->brand_file[i] = r->brand_file[i - 1];
		r->brand_line[i] = r->brand_line[i - 1];
		i--;
	}
	r->brands[i] = xstrdup(b);
	r->brand_file[i] = file;
	r->brand_line[i] = line;
	memset(r->brand_seen, 0, n);
}

static void add_entry(Loader *L, int file_id, const char *file, int line,
		      const char *brand, const char *key, const char *value)
{
	Rules *r = L->r;
	const char *nm;
	size_t nl;
	const RuleDef *d = rule_def_find(key, &nm, &nl);
	if (!d) {
		lerr(L, file, line, "unknown key '%s'", key);
		return;
	}
	if (brand && (d->flags & RF_GLOBAL)) {
		lerr(L, file, line, "key '%s' applies to every brand and cannot be set in [brand %s]",
		     key, brand);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (L->entry_file[i] == file_id && strcmp(r->e[i].key, key) == 0 &&
		    ((!brand && !r->e[i].brand) ||
		     (brand && r->e[i].brand && strcmp(brand, r->e[i].brand) == 0))) {
			lerr(L, file, line, "key '%s' is already set on line %d", key, r->e[i].line);
			return;
		}
	const char *why = NULL;
	char *norm = normalize(d, value, &why);
	if (!norm) {
		lerr(L, file, line, "key '%s': '%s' %s", key, value, why);
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->e = xrealloc(r->e, r->cap * sizeof *r->e);
		L->entry_file = xrealloc(L->entry_file, r->cap * sizeof *L->entry_file);
	}
	L->entry_file[r->n] = file_id;
	r->e[r->n++] = (RuleEntry){ xstrdup(key), norm, file, line,
				    brand ? xstrdup(brand) : NULL, d };
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0)
			buf = xrealloc(buf, cap *= 2);
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void load_text(Loader *L, const char *file, const char *dir, char *text, int depth);

static void load_path(Loader *L, const char *path, const char *from, int from_line, int depth)
{
	if (depth > INCLUDE_DEPTH) {
		lerr(L, from, from_line, "includes nest deeper than %d (a cycle?)", INCLUDE_DEPTH);
		L->too_deep = 1;
		return;
	}
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		int e = errno;
		if (from)
			lerr(L, from, from_line, "cannot read '%s': %s", path, strerror(e));
		else
			lerr(L, path, 0, "%s", strerror(e));
		return;
	}
	if (memchr(text, '\0', len)) {
		lerr(L, path, 0, "is not a text file");
		free(text);
		return;
	}
	const char *file = keep_file(L->r, path);
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	load_text(L, file, dir, text, depth);
	free(dir);
	free(text);
}

static void load_text(Loader *L, const char *file, const char *dir, char *text, int depth)
{
	int file_id = L->next_file_id++;
	char *brand = NULL;
	int lineno = 0;
	/* A UTF-8 byte-order mark (some editors write one) is not text. */
	if (strncmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	/* Past a cycle the included files are not read on: a file that
	 * includes itself twice would be read 2^17 times, an error each. */
	for (char *p = text; *p && !(L->too_deep && depth > 0);) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char *s = trim(p);
		p = nl ? nl + 1 : p + strlen(p);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			size_t n = strlen(s);
			if (s[n - 1] != ']') {
				lerr(L, file, lineno, "section '%s' lacks its ']'", s);
				continue;
			}
			s[n - 1] = '\0';
			char *body = trim(s + 1);
			free(brand);
			brand = NULL;
			if (strcmp(body, "defaults") == 0)
				continue;
			if (strncmp(body, "brand", 5) == 0 && (body[5] == ' ' || body[5] == '\t')) {
				char *b = trim(body + 5);
				if (*b) {
					brand = xstrdup(b);
					add_brand(L->r, b, file, lineno);
					continue;
				}
			}
			lerr(L, file, lineno, "unknown section '[%s]' (expected [brand NAME] or [defaults])", body);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			lerr(L, file, lineno, "expected 'key = value', found '%s'", s);
			continue;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		if (!*key) {
			lerr(L, file, lineno, "expected 'key = value', found '= %s'", value);
			continue;
		}
		if (strcmp(key, "include") == 0) {
			if (brand) {
				lerr(L, file, lineno, "include is not allowed inside [brand %s]", brand);
				continue;
			}
			if (!*value) {
				lerr(L, file, lineno, "include needs a file name");
				continue;
			}
			char *path;
			if (value[0] == '/' || !*dir) {
				path = xstrdup(value);
			} else {
				path = xmalloc(strlen(dir) + strlen(value) + 1);
				strcpy(path, dir);
				strcat(path, value);
			}
			load_path(L, path, file, lineno, depth + 1);
			free(path);
			continue;
		}
		add_entry(L, file_id, file, lineno, brand, key, value);
	}
	free(brand);
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

/* ---- checks across keys ---- */

static int list_has(const char *list, const char *name, size_t n)
{
	for (const char *s = list; *s;) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (len == n && memcmp(s, name, n) == 0)
			return 1;
		s += len + (c != NULL);
	}
	return 0;
}

/* check_all checks every key against the others it names, and marks in
 * STALE (one flag an entry) the keys of a name that a later file's list no
 * longer holds: a user's tier.order without diamond makes the built-in
 * tier.diamond.* keys void, not wrong. A key for an unlisted name set in
 * the list's own file, or after the list, is an error. */
static void check_all(Loader *L, unsigned char *stale)
{
	Rules *r = L->r;
	const char *dec = rules_get(r, NULL, "money.decimals");
	int decimals = dec ? atoi(dec) : 2;
	for (size_t i = 0; i < r->n; i++) {
		RuleEntry *e = &r->e[i];
		const char *nm;
		size_t nl;
		rule_def_find(e->key, &nm, &nl);
		if (e->def->names && strchr(e->def->key, '*')) {
			const RuleEntry *le = rules_entry(r, e->brand, e->def->names);
			if (le && le > e && le->file != e->file && !list_has(le->value, nm, nl)) {
				stale[i] = 1;
				continue;
			}
			if (!le || !list_has(le->value, nm, nl)) {
				if (le)
					lerr(L, e->file, e->line, "key '%s': '%.*s' is not listed in %s (%s:%d)",
					     e->key, (int)nl, nm, e->def->names, le->file, le->line);
				else
					lerr(L, e->file, e->line, "key '%s': '%.*s' is not listed in %s",
					     e->key, (int)nl, nm, e->def->names);
			}
		}
		if (e->def->kind == RK_MONEY && strcmp(e->value, "none") != 0) {
			int64_t v;
			const char *why = fixed_parse(e->value, strlen(e->value), decimals, &v);
			if (why)
				lerr(L, e->file, e->line, "key '%s': '%s' %s (money.decimals = %d)",
				     e->key, e->value, why, decimals);
		}
	}
	/* Names used in keys must be plain words, since they become keys. */
	for (size_t i = 0; i < r->n; i++) {
		RuleEntry *e = &r->e[i];
		if (e->def->kind != RK_LIST)
			continue;
		int used = 0;
		for (const RuleDef *d = rule_defs; d->key; d++)
			if (d->names && strchr(d->key, '*') && strcmp(d->names, e->key) == 0)
				used = 1;
		if (!used)
			continue;
		for (const char *s = e->value; *s; s++)
			if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == ','))
				lerr(L, e->file, e->line, "key '%s': names may hold only letters, digits, '_' and '-'",
				     e->key);
		if (!*e->value)
			lerr(L, e->file, e->line, "key '%s' needs at least one name", e->key);
		for (const char *c = e->value; *c;) {
			const char *comma = strchr(c, ',');
			size_t n = comma ? (size_t)(comma - c) : strlen(c);
			if (list_has(c + n + (comma != NULL), c, n))
				lerr(L, e->file, e->line, "key '%s': '%.*s' is listed twice", e->key, (int)n, c);
			c += n + (comma != NULL);
		}
	}
}

/* drop_stale removes the entries check_all marked STALE. */
static void drop_stale(Rules *r, const unsigned char *stale)
{
	size_t o = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (stale[i]) {
			free(r->e[i].key);
			free(r->e[i].value);
			free(r->e[i].brand);
			continue;
		}
		r->e[o++] = r->e[i];
	}
	r->n = o;
}

/* later returns whichever of two entries was read last. A check of two keys
 * together blames it: the other was there first (the built-in defaults come
 * before every file), and its file may not be the user's to edit. */
static const RuleEntry *later(const RuleEntry *a, const RuleEntry *b)
{
	return a > b ? a : b;
}

/* check_rfm checks crm-rfm's keys together: cut points fit rfm.bins, every
 * segment has its five keys with ranges within the bins, and the last
 * segment takes every score. */
static void check_rfm(Loader *L, const char *brand)
{
	Rules *r = L->r;
	const RuleEntry *be = rules_entry(r, brand, "rfm.bins");
	if (!be)
		return;
	int bins = atoi(be->value);
	const char *dec = rules_get(r, NULL, "money.decimals");
	int decimals = dec ? atoi(dec) : 2;
	static const char *const cuts[] = { "rfm.recency.cuts", "rfm.frequency.cuts", "rfm.monetary.cuts" };
	for (int i = 0; i < 3; i++) {
		const RuleEntry *e = rules_entry(r, brand, cuts[i]);
		if (!e || strcmp(e->value, "quantile") == 0)
			continue;
		int n = 0, bad = 0;
		int64_t prev = 0;
		for (const char *c = e->value; *c;) {
			const char *comma = strchr(c, ',');
			size_t len = comma ? (size_t)(comma - c) : strlen(c);
			int64_t v;
			const char *why = i == 2 ? fixed_parse(c, len, decimals, &v) : int_parse(c, len, &v);
			if (why || v < 0 || (n > 0 && v <= prev))
				bad = 1;
			prev = v;
			n++;
			c += len + (comma != NULL);
		}
		if (bad || n != bins - 1)
			lerr(L, e->file, e->line, "key '%s': '%s' is not 'quantile' or %d ascending %s "
			     "(rfm.bins - 1)", e->key, e->value, bins - 1, i == 2 ? "amounts >= 0" : "whole numbers >= 0");
	}
	const RuleEntry *w[3] = { rules_entry(r, brand, "rfm.weight.r"), rules_entry(r, brand, "rfm.weight.f"),
				  rules_entry(r, brand, "rfm.weight.m") };
	if (w[0] && w[1] && w[2] && atof(w[0]->value) + atof(w[1]->value) + atof(w[2]->value) <= 0)
		lerr(L, w[0]->file, w[0]->line, "key 'rfm.weight.r': the three rfm weights are all 0");
	const RuleEntry *segs = rules_entry(r, brand, "rfm.segments");
	if (!segs || !*segs->value)
		return;
	static const char *const part[] = { "r", "f", "m", "label", "action" };
	for (const char *c = segs->value; *c;) {
		const char *comma = strchr(c, ',');
		int len = comma ? (int)(comma - c) : (int)strlen(c);
		int all = 1;
		for (int k = 0; k < 5; k++) {
			char key[300];
			snprintf(key, sizeof key, "rfm.segment.%.*s.%s", len, c, part[k]);
			const RuleEntry *e = rules_entry(r, brand, key);
			if (!e) {
				lerr(L, segs->file, segs->line, "key 'rfm.segments': segment '%.*s' has no key '%s'",
				     len, c, key);
				all = 0;
				continue;
			}
			if (k > 2)
				continue;
			int lo, hi;
			sscanf(e->value, "%d-%d", &lo, &hi);
			if (hi > bins)
				lerr(L, e->file, e->line, "key '%s': %s reaches past rfm.bins (%d); every segment "
				     "must be restated for the bins (see rules/examples/rfm-quartiles.rules)",
				     key, e->value, bins);
			if (!comma && (lo != 1 || hi != bins))
				all = 0;
		}
		if (!comma && !all)
			lerr(L, segs->file, segs->line, "key 'rfm.segments': the last segment, '%.*s', must take "
			     "every score (1-%d for r, f and m)", len, c, bins);
		c += len + (comma != NULL);
	}
}

/* check_section checks what no single key can: relations between keys in
 * effect for BRAND (NULL: the defaults). */
static void check_section(Loader *L, const char *brand)
{
	Rules *r = L->r;
	const RuleEntry *order = rules_entry(r, brand, "tier.order");
	if (order && *order->value) {
		static const char *const lim[] = { "min_avg_monthly", "min_orders", "min_avg_order" };
		for (const char *c = order->value; *c;) {
			const char *comma = strchr(c, ',');
			int n = comma ? (int)(comma - c) : (int)strlen(c);
			int limits = 0;
			for (int i = 0; i < 3; i++) {
				char key[300];
				snprintf(key, sizeof key, "tier.%.*s.%s", n, c, lim[i]);
				const RuleEntry *e = rules_entry(r, brand, key);
				if (!e || strcmp(e->value, "none") == 0)
					continue;
				limits++;
				if (comma)
					continue;
				if (later(e, order) == e)
					lerr(L, e->file, e->line, "key '%s': the last tier of tier.order takes every "
					     "active customer and has no limits", key);
				else
					lerr(L, order->file, order->line, "key 'tier.order': the last tier, '%.*s', "
					     "takes every active customer, but %s (%s:%d) sets a limit for it: "
					     "end tier.order with a tier without limits, or set %s = none",
					     n, c, key, e->file, e->line, key);
			}
			if (comma && !limits)
				lerr(L, order->file, order->line, "key 'tier.order': tier '%.*s' has no limits, so "
				     "it would take every active customer and the tiers after it none: set "
				     "tier.%.*s.min_avg_monthly, tier.%.*s.min_orders or tier.%.*s.min_avg_order",
				     n, c, n, c, n, c, n, c);
			c += n + (comma != NULL);
		}
		const RuleEntry *in = rules_entry(r, brand, "tier.inactive");
		if (in && list_has(order->value, in->value, strlen(in->value))) {
			if (later(in, order) == in)
				lerr(L, in->file, in->line, "key 'tier.inactive': '%s' is also in tier.order (%s:%d)",
				     in->value, order->file, order->line);
			else
				lerr(L, order->file, order->line, "key 'tier.order': '%s' is the tier of inactive "
				     "customers, tier.inactive (%s:%d): set tier.inactive to another name",
				     in->value, in->file, in->line);
		}
		const RuleEntry *ct = rules_entry(r, brand, "churn.tiers");
		if (ct) {
			char missing[512];
			size_t mlen = 0;
			missing[0] = '\0';
			for (const char *c = ct->value; *c;) {
				const char *comma = strchr(c, ',');
				size_t n = comma ? (size_t)(comma - c) : strlen(c);
				if (!list_has(order->value, c, n)) {
					if (later(ct, order) == ct)
						lerr(L, ct->file, ct->line, "key 'churn.tiers': '%.*s' is not listed in "
						     "tier.order (%s:%d)", (int)n, c, order->file, order->line);
					else if (mlen + n + 8 < sizeof missing)
						mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s'%.*s'",
									 mlen ? ", " : "", (int)n, c);
				}
				c += n + (comma != NULL);
			}
			if (mlen)
				lerr(L, order->file, order->line, "key 'tier.order': churn.tiers (%s:%d) names %s, "
				     "which tier.order does not list: set churn.tiers to the tiers checked for churn",
				     ct->file, ct->line, missing);
		}
	}
	check_rfm(L, brand);
	const RuleEntry *rm = rules_entry(r, brand, "churn.recent_months");
	const RuleEntry *wm = rules_entry(r, brand, "window.monetary_months");
	if (rm && wm && atoi(rm->value) >= atoi(wm->value)) {
		if (later(rm, wm) == rm)
			lerr(L, rm->file, rm->line, "key 'churn.recent_months': %s is not shorter than "
			     "window.monetary_months (%s)", rm->value, wm->value);
		else
			lerr(L, wm->file, wm->line, "key 'window.monetary_months': %s is not longer than "
			     "churn.recent_months (%s, %s:%d)", wm->value, rm->value, rm->file, rm->line);
	}
}

/* ---- entry points ---- */

static Rules *load(const char *path, int fatal, int *nerrors)
{
	Loader L = { .fatal = fatal };
	L.r = xcalloc(1, sizeof *L.r);
	char *text = xstrdup(rules_default_text);
	load_text(&L, keep_file(L.r, "default.rules"), "", text, 0);
	free(text);
	if (!path) {
		path = getenv("CRM_RULES");
		if (path && !*path)
			path = NULL;
	}
	if (path)
		load_path(&L, path, NULL, 0, 0);
	if (L.nerrors == 0) {
		unsigned char *stale = xcalloc(L.r->n + 1, 1);
		check_all(&L, stale);
		drop_stale(L.r, stale);
		free(stale);
	}
	if (L.nerrors == 0) {
		check_section(&L, NULL);
		for (size_t i = 0; i < L.r->nbrands; i++)
			check_section(&L, L.r->brands[i]);
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
