/* rules: reading rules files: lines, sections and includes into entries,
 * each value checked against its key's definition and normalized. */
#include "rules_load.h"
#include "money.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rules_lerr(Loader *L, const char *file, int line, const char *fmt, ...)
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

/* trim cuts S's leading blanks and trailing blanks and CR, in place;
 * returns the start within S. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* fmt_dec returns V millionths in its shortest decimal form, allocated. */
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

const char *rules_keep_file(Rules *r, const char *name)
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

/* add_entry checks KEY = VALUE of FILE:LINE (file instance FILE_ID) in
 * BRAND's section (NULL: the defaults) and adds it normalized; reports
 * an unknown key, a bad value or a key set twice in one section. */
static void add_entry(Loader *L, int file_id, const char *file, int line,
		      const char *brand, const char *key, const char *value)
{
	Rules *r = L->r;
	const char *nm;
	size_t nl;
	const RuleDef *d = rule_def_find(key, &nm, &nl);
	if (!d) {
		rules_lerr(L, file, line, "unknown key '%s'", key);
		return;
	}
	if (brand && (d->flags & RF_GLOBAL)) {
		rules_lerr(L, file, line, "key '%s' applies to every brand and cannot be set in [brand %s]",
		           key, brand);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (L->entry_file[i] == file_id && strcmp(r->e[i].key, key) == 0 &&
		    ((!brand && !r->e[i].brand) ||
		     (brand && r->e[i].brand && strcmp(brand, r->e[i].brand) == 0))) {
			rules_lerr(L, file, line, "key '%s' is already set on line %d", key, r->e[i].line);
			return;
		}
	const char *why = NULL;
	char *norm = normalize(d, value, &why);
	if (!norm) {
		rules_lerr(L, file, line, "key '%s': '%s' %s", key, value, why);
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

/* read_file returns PATH's contents, NUL-terminated and allocated, with
 * their length in *LEN; NULL with errno set when it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = fread_all(f, len);
	int e = errno;
	fclose(f);
	errno = e;
	return buf;
}

void rules_load_path(Loader *L, const char *path, const char *from, int from_line, int depth)
{
	if (depth > INCLUDE_DEPTH) {
		rules_lerr(L, from, from_line, "includes nest deeper than %d (a cycle?)", INCLUDE_DEPTH);
		L->too_deep = 1;
		return;
	}
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		int e = errno;
		if (from)
			rules_lerr(L, from, from_line, "cannot read '%s': %s", path, strerror(e));
		else
			rules_lerr(L, path, 0, "%s", strerror(e));
		return;
	}
	if (memchr(text, '\0', len)) {
		rules_lerr(L, path, 0, "is not a text file");
		free(text);
		return;
	}
	const char *file = rules_keep_file(L->r, path);
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	rules_load_text(L, file, dir, text, depth);
	free(dir);
	free(text);
}

void rules_load_text(Loader *L, const char *file, const char *dir, char *text, int depth)
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
				rules_lerr(L, file, lineno, "section '%s' lacks its ']'", s);
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
			rules_lerr(L, file, lineno, "unknown section '[%s]' (expected [brand NAME] or [defaults])", body);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			rules_lerr(L, file, lineno, "expected 'key = value', found '%s'", s);
			continue;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		if (!*key) {
			rules_lerr(L, file, lineno, "expected 'key = value', found '= %s'", value);
			continue;
		}
		if (strcmp(key, "include") == 0) {
			if (brand) {
				rules_lerr(L, file, lineno, "include is not allowed inside [brand %s]", brand);
				continue;
			}
			if (!*value) {
				rules_lerr(L, file, lineno, "include needs a file name");
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
			rules_load_path(L, path, file, lineno, depth + 1);
			free(path);
			continue;
		}
		add_entry(L, file_id, file, lineno, brand, key, value);
	}
	free(brand);
}
