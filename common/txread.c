#include "txread.h"
#include "util.h"

#include <stdio.h>

void tx_cols(TxCols *c, const Tsv *t, const Products *p, int decimals, int *has_brand)
{
	c->ci = tsv_need(t, "customer_id", NULL);
	c->di = tsv_need(t, "date", NULL);
	c->qi = tsv_need(t, "qty", NULL);
	c->ai = tsv_need(t, "amount", NULL);
	c->bi = tsv_col(t, "brand");
	c->ki = c->si = -1;
	if (p)
		c->si = tsv_need(t, "sku", NULL);
	else if ((c->ki = tsv_col(t, "category")) < 0)
		die("%s: missing column 'category' (or give a products file with --products)", t->name);
	if (*has_brand < 0)
		*has_brand = c->bi >= 0;
	else if (*has_brand != (c->bi >= 0))
		die("%s: %s a brand column, unlike the files before it", t->name,
		    c->bi >= 0 ? "has" : "lacks");
	c->upto = c->ci > c->di ? c->ci : c->di;
	if (c->bi > c->upto)
		c->upto = c->bi;
	c->products = p;
	c->decimals = decimals;
}

void tx_fail_key(const Tsv *t, int bi, int ci, const Tx *x)
{
	char msg[80];
	if (x->cust.n == 0)
		tsv_fail(t, ci, "is empty");
	if (bi >= 0) {
		if (x->brand_n == 0)
			tsv_fail(t, bi, "is empty");
		if (memchr(x->brand, 0, x->brand_n))
			tsv_fail(t, bi, "holds a NUL byte");
		snprintf(msg, sizeof msg, "is too long (brand and customer_id over %d bytes)",
			 CRM_KEY_MAX - 1);
	} else {
		snprintf(msg, sizeof msg, "is too long (over %d bytes)", CRM_KEY_MAX);
	}
	tsv_fail(t, ci, msg);
}
