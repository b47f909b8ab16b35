#include "keystream.h"
#include "filteropt.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* bytes_cmp orders byte strings as the C locale does: a prefix first. */
static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return (an > bn) - (an < bn);
}

/* take reads the current row's key into S, checking its order against the
 * key before it (none when FIRST). */
static void take(KeyStream *s, int first)
{
	Tsv *t = &s->t;
	Field b = s->bi >= 0 ? t->f[s->bi] : (Field){ "", 0 };
	Field c = t->f[s->ci];
	if (c.n == 0)
		tsv_fail(t, s->ci, "is empty");
	if (s->bi >= 0 && b.n == 0)
		tsv_fail(t, s->bi, "is empty");
	if (s->ri >= 0 && s->id)
		filter_rules_row(t, s->ri, s->id);
	if (!first) {
		int o = keystream_cmp(s, b.p, b.n, c.p, c.n);
		if (o == 0 && s->strict)
			tsv_fail_line(t, "customer '%.*s' is here twice: one row a customer", (int)c.n, c.p);
		if (o > 0)
			tsv_fail_line(t, "not sorted by %scustomer_id: '%.*s' after '%.*s' (sort with LC_ALL=C)",
				      s->bi >= 0 ? "brand, " : "", (int)c.n, c.p, (int)s->cn, s->key + s->bn + 1);
	}
	if (b.n + c.n + 2 > s->cap) {
		s->cap = b.n + c.n + 64;
		s->key = xrealloc(s->key, s->cap);
	}
	memcpy(s->key, b.p, b.n);
	s->key[b.n] = 0;
	memcpy(s->key + b.n + 1, c.p, c.n);
	s->key[b.n + 1 + c.n] = 0;
	s->bn = b.n;
	s->cn = c.n;
}

void keystream_open(KeyStream *s, const char *path, const char *producer, int strict,
		    const char *id)
{
	memset(s, 0, sizeof *s);
	tsv_open(&s->t, path);
	s->bi = tsv_col(&s->t, "brand");
	s->ci = tsv_need(&s->t, "customer_id", producer);
	s->ri = tsv_col(&s->t, "rules_id");
	s->strict = strict;
	s->id = id;
	s->have = tsv_next(&s->t);
	if (s->have)
		take(s, 1);
}

void keystream_close(KeyStream *s)
{
	tsv_close(&s->t);
	free(s->key);
	memset(s, 0, sizeof *s);
}

int keystream_next(KeyStream *s)
{
	if (!s->have)
		return 0;
	s->have = tsv_next(&s->t);
	if (s->have)
		take(s, 0);
	return s->have;
}

int keystream_cmp(const KeyStream *s, const char *b, size_t bn, const char *c, size_t cn)
{
	int o = bytes_cmp(s->key, s->bn, b, bn);
	if (o == 0)
		o = bytes_cmp(s->key + s->bn + 1, s->cn, c, cn);
	return o;
}

int keystream_seek(KeyStream *s, const char *b, size_t bn, const char *c, size_t cn)
{
	while (s->have) {
		int o = keystream_cmp(s, b, bn, c, cn);
		if (o >= 0)
			return o == 0;
		keystream_next(s);
	}
	return 0;
}
