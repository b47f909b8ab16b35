/* crm-clv: tiers and segments of other stages attached to the customers by
 * a merge on the key: both streams come sorted by (brand,) customer_id. */
#include "clv.h"
#include "util.h"

#include <string.h>

/* cmp_key orders keys as crm-agg does: bytes, a shorter key first. */
static int cmp_key(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* label_id returns the index of label P[0..N) in L, adding it. */
static uint16_t label_id(Labels *l, const char *p, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->name[i]) == n && memcmp(l->name[i], p, n) == 0)
			return (uint16_t)i;
	if (l->n >= NO_LABEL - 1)
		die("more than %d distinct labels", NO_LABEL - 1);
	l->name = xrealloc(l->name, (l->n + 1) * sizeof *l->name);
	l->name[l->n] = xstrndup(p, n);
	return (uint16_t)l->n++;
}

void read_labels(Ctx *X, const char *path, const char *column, int seg)
{
	Tsv t;
	tsv_open(&t, path);
	int bi = tsv_col(&t, "brand"), ci = tsv_need(&t, "customer_id", NULL);
	int li = tsv_need(&t, column, seg ? "crm-rfm" : "crm-tier");
	if ((bi >= 0) != X->has_brand)
		die("%s: %s a brand column and the monthly rows %s", t.name, bi >= 0 ? "has" : "lacks",
		    X->has_brand ? "have one" : "do not");
	tsv_split_found(&t);
	Labels *l = seg ? &X->segs : &X->tiers;
	char key[2 * CRM_KEY_MAX + 2], prev[2 * CRM_KEY_MAX + 2];
	size_t prev_n = 0;
	int have = 0;
	size_t j = 0;
	while (tsv_next(&t)) {
		Field b = bi >= 0 ? t.f[bi] : (Field){ "", 0 }, c = t.f[ci];
		size_t kn = bi >= 0 ? b.n + 1 + c.n : c.n;
		if (kn > sizeof key)
			tsv_fail(&t, ci, "is too long a key");
		if (bi >= 0) {
			memcpy(key, b.p, b.n);
			key[b.n] = '\0';
			memcpy(key + b.n + 1, c.p, c.n);
		} else {
			memcpy(key, c.p, c.n);
		}
		if (have && cmp_key(key, kn, prev, prev_n) < 0)
			tsv_fail_line(&t, "not sorted by %scustomer_id: '%.*s' after '%.*s'",
				      bi >= 0 ? "brand, " : "", (int)c.n, c.p, (int)prev_n, prev);
		memcpy(prev, key, kn);
		prev_n = kn;
		have = 1;
		while (j < X->ncust && cmp_key(key_of(X, &X->cust[j]), X->cust[j].key_n, key, kn) < 0)
			j++;
		if (j == X->ncust || cmp_key(key_of(X, &X->cust[j]), X->cust[j].key_n, key, kn) != 0)
			continue;
		/* The last row of a customer (crm-tier: the as-of month) wins. */
		uint16_t id = label_id(l, t.f[li].p, t.f[li].n);
		if (seg)
			X->cust[j].seg = id;
		else
			X->cust[j].tier = id;
	}
	tsv_close(&t);
}
