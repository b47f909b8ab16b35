/* txread: the transaction reader that crm-agg, crm-rfm and the tools after
 * them share. A transaction file is TSV with the columns customer_id,
 * date, qty, amount, category (or sku with a products file) and, optionally,
 * brand, found by name in any order.
 *
 * A row is read in two steps, so that a tool can skip most of the work on
 * rows it leaves to another process (crm-agg --partition): tx_head takes
 * the key and the date, which every row needs; tx_body checks the rest and
 * parses quantity, amount and category, dying on bad input with
 * "FILE:LINE: field 'NAME': 'VALUE' REASON". */
#ifndef CRM_TXREAD_H
#define CRM_TXREAD_H

#include "date.h"
#include "money.h"
#include "products.h"
#include "tsv.h"

#include <stdint.h>
#include <string.h>

/* The columns of one transaction file, and what reading its rows needs. */
typedef struct {
	int ci, di, qi, ai;        /* customer_id, date, qty, amount */
	int bi;                    /* brand, or -1 */
	int ki, si;                /* category, or sku with products; the other -1 */
	int upto;                  /* the last of brand, customer_id and date */
	const Products *products;  /* NULL: the category column */
	int decimals;              /* money.decimals */
} TxCols;

/* One row of transactions. Pointers are into the row or the caller's key
 * buffer: valid until the next row is read. */
typedef struct {
	Field cust;                /* customer_id */
	const char *brand;         /* NULL without a brand column */
	size_t brand_n;
	const uint8_t *key;        /* brand NUL customer_id, or customer_id */
	size_t keylen;
	int y, m, d;               /* the date, when date_why is NULL */
	int32_t month;             /* month_index(y, m); -1 for a bad date */
	int32_t ymd;               /* tx_ymd(y, m, d) */
	const char *date_why;      /* NULL, or why the date is not one */
	int64_t qty, amount;       /* amount in minor units; set by tx_body */
	const char *cat;           /* the category, set by tx_body */
	size_t cat_n;
} Tx;

/* tx_ymd orders dates as day numbers do, without the division they need. */
static inline int32_t tx_ymd(int y, int m, int d)
{
	return y << 9 | m << 5 | d;
}

/* tx_cols finds the columns of T, a transaction file just opened, into C;
 * P (NULL: none) gives the category of each sku, DECIMALS the amounts'.
 * *HAS_BRAND is -1 before the first file and then whether it had a brand
 * column: a later file must agree. Dies naming the file on a missing
 * column. */
void tx_cols(TxCols *c, const Tsv *t, const Products *p, int decimals, int *has_brand);

/* tx_key sets X's customer, brand and key from columns CI and BI (-1: no
 * brand) of T's current row, the key built in KEY (CRM_KEY_MAX bytes) when
 * there is a brand. An overlong key is cut: tx_check_key dies on it. Any
 * table keyed by (brand,) customer_id reads its key this way: monthly
 * rows too. */
static inline void tx_key(const Tsv *t, int bi, int ci, uint8_t *key, Tx *x)
{
	Field fc = t->f[ci];
	x->cust = fc;
	if (bi >= 0) {
		Field fb = t->f[bi];
		size_t bn = fb.n < CRM_KEY_MAX / 2 ? fb.n : CRM_KEY_MAX / 2;
		size_t cn = fc.n < CRM_KEY_MAX - bn - 1 ? fc.n : CRM_KEY_MAX - bn - 1;
		memcpy(key, fb.p, bn);
		key[bn] = 0;
		memcpy(key + bn + 1, fc.p, cn);
		x->key = key;
		x->keylen = bn + 1 + cn;
		x->brand = fb.p;
		x->brand_n = fb.n;
	} else {
		x->key = (const uint8_t *)fc.p;
		x->keylen = fc.n < CRM_KEY_MAX ? fc.n : CRM_KEY_MAX;
		x->brand = NULL;
		x->brand_n = 0;
	}
}

/* tx_fail_key dies on the key tx_key read from columns BI and CI of T: an
 * empty customer_id, an empty or NUL-holding brand, or a key over
 * CRM_KEY_MAX bytes. */
noreturn void tx_fail_key(const Tsv *t, int bi, int ci, const Tx *x);

/* tx_check_key checks the key tx_key read; dies naming the field. */
static inline void tx_check_key(const Tsv *t, int bi, int ci, const Tx *x)
{
	if (x->cust.n == 0 || (bi >= 0 ? x->brand_n == 0 || x->brand_n + 1 + x->cust.n > CRM_KEY_MAX ||
				memchr(x->brand, 0, x->brand_n) : x->cust.n > CRM_KEY_MAX))
		tx_fail_key(t, bi, ci, x);
}

/* tx_head sets X's key (see tx_key), brand, customer and date from the
 * current row of T. Checks nothing but the date, whose error it keeps for
 * tx_body: a row another process folds needs no more. */
static inline void tx_head(const TxCols *c, const Tsv *t, uint8_t *key, Tx *x)
{
	tx_key(t, c->bi, c->ci, key, x);
	Field fd = t->f[c->di];
	x->date_why = date_parse_ymd(fd.p, fd.n, &x->y, &x->m, &x->d);
	x->month = x->date_why ? -1 : month_index(x->y, x->m);
	x->ymd = x->date_why ? -1 : tx_ymd(x->y, x->m, x->d);
}

/* tx_amount reads the amount S[0..N) with DECIMALS decimals into *V as
 * fixed_parse does (the same value, the same reasons): inline for the
 * usual form, -?D+.DD with exactly DECIMALS decimals and at most 17
 * digits, and through fixed_parse for any other. */
static inline const char *tx_amount(const char *s, size_t n, int decimals, int64_t *v)
{
	size_t i = n && s[0] == '-', j = i;
	uint64_t x = 0;
	if (n <= 18 && decimals > 0) {
		for (; j < n && (unsigned)(s[j] - '0') <= 9; j++)
			x = x * 10 + (unsigned)(s[j] - '0');
		if (j > i && j + 1 + (size_t)decimals == n && s[j] == '.') {
			for (j++; j < n && (unsigned)(s[j] - '0') <= 9; j++)
				x = x * 10 + (unsigned)(s[j] - '0');
			if (j == n) {
				*v = i ? -(int64_t)x : (int64_t)x;
				return NULL;
			}
		}
	}
	return fixed_parse(s, n, decimals, v);
}

/* tx_body checks the row tx_head read and sets X's quantity, amount and
 * category; dies naming file, line, field and value on the first bad
 * field, checked in this order: customer_id, date, qty, amount, brand and
 * key length, category. */
static inline void tx_body(const TxCols *c, const Tsv *t, Tx *x)
{
	if (x->cust.n == 0)
		tsv_fail(t, c->ci, "is empty");
	if (x->date_why)
		tsv_fail(t, c->di, x->date_why);
	const char *why;
	if ((why = int_parse(t->f[c->qi].p, t->f[c->qi].n, &x->qty)))
		tsv_fail(t, c->qi, why);
	if ((why = tx_amount(t->f[c->ai].p, t->f[c->ai].n, c->decimals, &x->amount)))
		tsv_fail(t, c->ai, why);
	tx_check_key(t, c->bi, c->ci, x);
	x->cat = products_row_category(c->products, t, c->si, c->ki, &x->cat_n);
}

/* tx_purchase says whether X is a purchase: a positive quantity at an
 * amount that is not negative (returns and corrections are not). */
static inline int tx_purchase(const Tx *x)
{
	return x->qty > 0 && x->amount >= 0;
}

#endif
