/* crm-rfm: reading: brands and their rules, the customer table, and the
 * records each file's rows become. */
#include "rfm.h"
#include "bigmem.h"
#include "date.h"
#include "filteropt.h"
#include "hash.h"
#include "money.h"
#include "progress.h"
#include "schema.h"
#include "tsv.h"
#include "txread.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

uint32_t brand_of(Ctx *X, const char *p, size_t n)
{
	for (size_t i = 0; i < X->nbr; i++)
		if (X->br[i].name_n == n && (n == 0 || memcmp(X->br[i].name, p, n) == 0))
			return (uint32_t)i;
	X->br = xrealloc(X->br, (X->nbr + 1) * sizeof *X->br);
	Brand *b = &X->br[X->nbr];
	memset(b, 0, sizeof *b);
	b->name = X->has_brand ? xstrndup(p, n) : NULL;
	b->name_n = n;
	const BrandRules *br = brand_rules(&X->rc, p, X->has_brand ? n : 0);
	b->excl = &br->exclude;
	b->r = &br->rfm;
	return (uint32_t)X->nbr++;
}

const char *key_of(const Ctx *X, const Cust *c)
{
	return X->keys + c->key_off;
}

/* big_grow moves N bytes at P into a new mapping of CAP bytes: the
 * customer arrays are tens of megabytes probed at random, where huge pages
 * save a TLB miss on nearly every probe. */
static void *big_grow(void *p, size_t n, size_t oldcap, size_t cap)
{
	void *q = big_alloc(cap);
	if (p) {
		memcpy(q, p, n);
		big_free(p, oldcap);
	}
	return q;
}

/* The table's slots hold a customer's hash and, up to 16 bytes, its key,
 * so that a lookup reads one cache line: with a million customers probed
 * in no order, every other memory access is a cache miss. */
enum { INLINE_KEY = 16 };
typedef struct Slot {
	uint64_t h;
	uint32_t idx;      /* customer index + 1; 0: a free slot */
	uint32_t n;
	char k[INLINE_KEY];
} Slot;


/* table_grow doubles the customer table, moving every slot. */
static void table_grow(Ctx *X)
{
	size_t cap = X->tcap ? X->tcap * 2 : 1 << 16;
	Slot *t = big_alloc(cap * sizeof *t);
	for (size_t i = 0; i < X->tcap; i++) {
		const Slot *o = &X->table[i];
		if (!o->idx)
			continue;
		size_t j = o->h & (cap - 1);
		while (t[j].idx)
			j = (j + 1) & (cap - 1);
		t[j] = *o;
	}
	if (X->table)
		big_free(X->table, X->tcap * sizeof *t);
	X->table = t;
	X->tcap = cap;
}

/* customer returns the index of the customer with key K[0..N) and hash H,
 * added (of BRAND) on first sight; dies past 2^32 - 2 customers or 4 GB
 * of keys. */
static uint32_t customer(Ctx *X, const char *k, size_t n, uint64_t h, uint32_t brand)
{
	if ((X->ncust + 1) * 2 > X->tcap)
		table_grow(X);
	size_t j = h & (X->tcap - 1);
	for (const Slot *e; (e = &X->table[j])->idx; j = (j + 1) & (X->tcap - 1)) {
		if (e->h != h || e->n != n)
			continue;
		const char *ek = n <= INLINE_KEY ? e->k : key_of(X, &X->cust[e->idx - 1]);
		if (memcmp(ek, k, n) == 0)
			return e->idx - 1;
	}
	if (X->ncust >= UINT32_MAX - 1)
		die("more than 4294967294 customers");
	if (X->ncust == X->custcap) {
		size_t cap = X->custcap ? X->custcap * 2 : 1 << 15;
		X->cust = big_grow(X->cust, X->ncust * sizeof *X->cust, X->custcap * sizeof *X->cust,
				  cap * sizeof *X->cust);
		X->custcap = cap;
	}
	while (X->keys_n + n > X->keys_cap) {
		size_t cap = X->keys_cap ? X->keys_cap * 2 : 1 << 20;
		X->keys = big_grow(X->keys, X->keys_n, X->keys_cap, cap);
		X->keys_cap = cap;
	}
	if (X->keys_n + n > UINT32_MAX)
		die("customer keys over 4 GB");
	memcpy(X->keys + X->keys_n, k, n);
	X->cust[X->ncust] = (Cust){ .h = h, .key_off = (uint32_t)X->keys_n, .key_n = (uint32_t)n,
				  .brand = brand, .last = INT32_MIN, .first = INT32_MAX };
	X->keys_n += n;
	Slot *e = &X->table[j];
	e->h = h;
	e->idx = (uint32_t)X->ncust + 1;
	e->n = (uint32_t)n;
	if (n <= INLINE_KEY)
		memcpy(e->k, k, n);
	return (uint32_t)X->ncust++;
}

/* add_rec appends the record (CUST, WHEN, AMOUNT). */
static void add_rec(Ctx *X, uint32_t cust, int32_t when, int64_t amount)
{
	if (X->nrec == X->reccap) {
		X->reccap = X->reccap ? X->reccap * 2 : 1 << 16;
		X->rec = xrealloc(X->rec, X->reccap * sizeof *X->rec);
	}
	X->rec[X->nrec++] = (Rec){ cust, when, amount };
}

/* The columns of crm-agg's monthly rows that crm-rfm reads. */
typedef struct {
	int ci, bi, ai, di, oi, li, fi, pei;   /* pei: period_end, or -1 */
} MonthCols;

/* read_month reads the monthly row of T's current row into X's customers
 * and records, its key built in KEY (CRM_KEY_MAX bytes). */
static void read_month(Ctx *X, const MonthCols *mc, const Tsv *t, char *key)
{
	Tx x;
	tx_key(t, mc->bi, mc->ci, (uint8_t *)key, &x);
	tx_check_key(t, mc->bi, mc->ci, &x);
	const char *why;
	int64_t amount;
	if ((why = fixed_parse(t->f[mc->ai].p, t->f[mc->ai].n, X->decimals, &amount)))
		tsv_fail(t, mc->ai, why);
	int32_t mon;
	if ((why = month_parse(t->f[mc->di].p, t->f[mc->di].n, &mon)))
		tsv_fail(t, mc->di, why);
	int64_t orders;
	if ((why = int_parse(t->f[mc->oi].p, t->f[mc->oi].n, &orders)))
		tsv_fail(t, mc->oi, why);
	if (orders < 0 || orders > 31)
		tsv_fail(t, mc->oi, "is not a count of days in a month (0-31)");
	/* The period ends on period_end's day, or on the last day of the
	 * latest month. */
	int32_t day = month_last_day(mon);
	if (mc->pei >= 0 && (why = day_parse_end(t->f[mc->pei].p, t->f[mc->pei].n, &day)))
		tsv_fail(t, mc->pei, why);
	if (day > X->max_day)
		X->max_day = day;
	if (X->as_of_given && mon > month_of_day(X->as_of)) {
		X->later++;
		return;
	}
	int32_t last = INT32_MIN, first = INT32_MAX;
	Field lf = t->f[mc->li], ff = t->f[mc->fi];
	if (lf.n) {
		if ((why = date_parse(lf.p, lf.n, &last)))
			tsv_fail(t, mc->li, why);
		if (month_of_day(last) != mon)
			tsv_fail(t, mc->li, "is not in the row's month");
		/* A month cannot be cut: the rows must end by the as-of day
		 * (crm-agg --as-of makes such rows). */
		if (X->as_of_given && last > X->as_of) {
			char msg[80], d[11];
			date_fmt(d, X->as_of);
			snprintf(msg, sizeof msg, "is after the as-of day %.10s", d);
			tsv_fail(t, mc->li, msg);
		}
	}
	if (ff.n) {
		if ((why = date_parse(ff.p, ff.n, &first)))
			tsv_fail(t, mc->fi, why);
		if (month_of_day(first) != mon)
			tsv_fail(t, mc->fi, "is not in the row's month");
	}
	const char *kp = (const char *)x.key;
	uint32_t c = customer(X, kp, x.keylen, hash_bytes(kp, x.keylen),
			      brand_of(X, x.brand ? x.brand : "", x.brand_n));
	if (last > X->cust[c].last)
		X->cust[c].last = last;
	if (first < X->cust[c].first)
		X->cust[c].first = first;
	add_rec(X, c, mon * 32 + (int32_t)orders, amount);
	X->used++;
}

/* read_tx reads the transaction of T's current row into X's customers and
 * records, the customer of the row before (PREV, its key PREV_KEY of
 * *PREV_N bytes) checked first: an order's lines come together. */
static void read_tx(Ctx *X, const TxCols *tc, const Tsv *t, char *key, char *prev_key,
		    size_t *prev_n, uint32_t *prev)
{
	Tx x;
	tx_head(tc, t, (uint8_t *)key, &x);
	tx_body(tc, t, &x);
	int32_t day = days_from_civil(x.y, x.m, x.d);
	if (day > X->max_day)
		X->max_day = day;
	if (X->as_of_given && day > X->as_of) {
		X->later++;
		return;
	}
	const char *kp = (const char *)x.key;
	size_t kn = x.keylen;
	uint32_t c, bx = brand_of(X, x.brand ? x.brand : "", x.brand_n);
	if (*prev != UINT32_MAX && *prev_n == kn && memcmp(prev_key, kp, kn) == 0) {
		c = *prev;
	} else {
		c = customer(X, kp, kn, hash_bytes(kp, kn), bx);
		*prev = c;
		*prev_n = kn;
		memcpy(prev_key, kp, kn);
	}
	if (namelist_has(X->br[bx].excl, x.cat, x.cat_n)) {
		X->excluded++;
		return;
	}
	X->used++;
	/* The last purchase day comes from the records at the fold. */
	int purchase = tx_purchase(&x);
	Rec *r = X->nrec ? &X->rec[X->nrec - 1] : NULL;
	if (r && r->cust == c && r->when >> 1 == day) {
		r->when |= purchase;
		if (add_check(&r->amount, x.amount))
			tsv_fail_line(t, "a sum for customer '%.*s' overflows 64 bits", (int)x.cust.n,
				      x.cust.p);
	} else {
		add_rec(X, c, day * 2 + purchase, x.amount);
	}
}

void read_file(Ctx *X, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	int ci = tsv_need(&t, "customer_id", NULL), bi = tsv_col(&t, "brand");
	int monthly = tsv_col(&t, "month") >= 0;
	if (X->monthly < 0)
		X->monthly = monthly;
	if (X->has_brand < 0)   /* set already by a --cuts file */
		X->has_brand = bi >= 0;
	if (X->monthly != monthly || X->has_brand != (bi >= 0)) {
		die("%s: its columns are not those of the files before it (%s, %s brand column)", t.name,
		    monthly ? "monthly rows" : "transactions", bi >= 0 ? "a" : "no");
	}
	TxCols tc;
	MonthCols mc = { ci, bi, -1, -1, -1, -1, -1, -1 };
	/* Monthly rows of crm-agg carry the fingerprint of its rules. */
	int ri = -1;
	char rid[17];
	rules_id(X->rules, rid);
	if (monthly) {
		mc.ai = schema_need(&t, "amount");
		mc.di = schema_need(&t, "month");
		mc.oi = schema_need(&t, "orders");
		mc.li = schema_need(&t, "last_date");
		mc.fi = schema_need(&t, "first_date");
		mc.pei = tsv_col(&t, "period_end");
		ri = tsv_col(&t, "rules_id");
	} else {
		int hb = bi >= 0;
		tx_cols(&tc, &t, X->products, X->decimals, &hb);
	}
	char key[CRM_KEY_MAX], prev_key[CRM_KEY_MAX];
	size_t prev_n = 0;
	uint32_t prev = UINT32_MAX;
	while (tsv_next(&t)) {
		X->rows++;
		progress_add(&X->pg, 1);
		if (!monthly) {
			read_tx(X, &tc, &t, key, prev_key, &prev_n, &prev);
			continue;
		}
		if (ri >= 0)
			filter_rules_row(&t, ri, rid);
		read_month(X, &mc, &t, key);
	}
	tsv_close(&t);
}
