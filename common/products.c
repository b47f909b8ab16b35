#include "products.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

void products_load(Products *p, const char *path)
{
	Tsv t;
	StrMap cat;
	strmap_init(&p->sku);
	strmap_init(&cat);
	p->cats = NULL;
	p->ncats = 0;
	p->path = xstrdup(path);
	tsv_open(&t, path);
	int si = tsv_need(&t, "sku", NULL), ci = tsv_need(&t, "category", NULL);
	/* Line numbers of first sightings, for the duplicate message. */
	StrMap line;
	strmap_init(&line);
	while (tsv_next(&t)) {
		Field s = t.f[si], c = t.f[ci];
		if (s.n == 0)
			tsv_fail(&t, si, "is empty");
		if (c.n == 0)
			tsv_fail(&t, ci, "is empty");
		/* Categories are kept as C strings: a NUL would cut one short. */
		if (memchr(c.p, 0, c.n))
			tsv_fail(&t, ci, "holds a NUL byte");
		int64_t k = strmap_get(&cat, c.p, c.n);
		if (k < 0) {
			k = (int64_t)p->ncats;
			p->cats = xrealloc(p->cats, (p->ncats + 1) * sizeof *p->cats);
			p->cats[p->ncats++] = xstrndup(c.p, c.n);
			strmap_put(&cat, c.p, c.n, k);
		}
		int64_t first = strmap_get(&line, s.p, s.n);
		if (first >= 0) {
			char why[64];
			snprintf(why, sizeof why, "is listed twice (first on line %lld)", (long long)first);
			tsv_fail(&t, si, why);
		}
		strmap_put(&line, s.p, s.n, (int64_t)t.lineno);
		strmap_put(&p->sku, s.p, s.n, k);
	}
	strmap_free(&line);
	strmap_free(&cat);
	tsv_close(&t);
}

void products_free(Products *p)
{
	strmap_free(&p->sku);
	for (size_t i = 0; i < p->ncats; i++)
		free(p->cats[i]);
	free(p->cats);
	free(p->path);
}

const char *products_category(const Products *p, const char *sku, size_t n)
{
	int64_t k = strmap_get(&p->sku, sku, n);
	return k < 0 ? NULL : p->cats[k];
}
