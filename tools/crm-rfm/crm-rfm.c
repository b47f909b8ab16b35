/* crm-rfm: recency, frequency and monetary scores and the named segments.
 *
 * Reads transactions (any order) or crm-agg's monthly rows and writes one row
 * per customer with a consumable order in the period, sorted by (brand,)
 * customer_id. Data flow: every consumable line up to the as-of date becomes
 * a (customer, day, amount) record, folded on the fly with the record before
 * it when both are of the same customer and day (an order's lines come
 * together); at the end the records are grouped by customer (counting sort),
 * each customer's period is folded, and each brand's customers are scored
 * against that brand's quantiles or cut points. */
#include "bigmem.h"
#include "brandrules.h"
#include "date.h"
#include "hash.h"
#include "json.h"
#include "money.h"
#include "opt.h"
#include "out.h"
#include "products.h"
#include "progress.h"
#include "rules.h"
#include "filteropt.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-rfm [--rules FILE] [--products FILE] [--as-of YYYY-MM-DD]\n"
	"               [--summary | --thresholds | --json] [--stats] [-o FILE] [FILE ...]";

enum { MAXBINS = RFM_MAXBINS, SAMPLE = 2000 };
enum { M_R = RFM_R, M_F = RFM_F, M_M = RFM_M };
static const char *const measure_name[3] = { "recency", "frequency", "monetary" };

/* A brand: its rules and its scoring. */
typedef struct {
	char *name;                /* NULL: no brand column */
	size_t name_n;
	const NameList *excl;      /* exclude.categories */
	const RfmRules *r;         /* rfm.*, owned by the rules cache */
	/* Filled by scoring. */
	int64_t thr[3][MAXBINS];   /* thresholds used, bins - 1 of them */
	uint32_t *idx;             /* scored customers, in output order */
	size_t n;
	size_t net_negative;       /* scored customers whose monetary is below 0 */
} Brand;

typedef struct {
	uint64_t h;
	uint32_t key_off, key_n;   /* brand NUL customer_id, or customer_id */
	uint32_t brand;
	int32_t last;              /* last purchase day up to the as-of date */
	int32_t first;             /* first purchase day */
	uint32_t freq;
	int64_t mon;
	int32_t recency;
	uint8_t score[3], seg;     /* scored: freq > 0 */
} Cust;

/* One record: a customer's day (transactions: day * 2 + 1 when a purchase)
 * or month (monthly rows: month * 32 + orders) with its consumable value. */
typedef struct {
	uint32_t cust;
	int32_t when;
	int64_t amount;
} Rec;

typedef struct {
	RulesCache rc;
	Rules *rules;              /* rc.rules */
	int decimals;
	const Products *products;
	Brand *br;
	size_t nbr;
	int has_brand;             /* -1 until the first file */
	int monthly;               /* -1 until the first file */
	int32_t as_of;             /* INT32_MIN: the latest date of the input */
	int as_of_given;
	int32_t max_day;
	/* Customers: an open-addressing table of indexes into cust. */
	Cust *cust;
	size_t ncust, custcap;
	struct Slot *table;
	size_t tcap;
	char *keys;
	size_t keys_n, keys_cap;
	Rec *rec;
	size_t nrec, reccap;
	uint64_t rows, used, excluded, later;
	Progress pg;             /* --progress: rows read */
} Ctx;

static Ctx X;

/* ---- brands and their rules ---- */

static uint32_t brand_of(const char *p, size_t n)
{
	for (size_t i = 0; i < X.nbr; i++)
		if (X.br[i].name_n == n && (n == 0 || memcmp(X.br[i].name, p, n) == 0))
			return (uint32_t)i;
	X.br = xrealloc(X.br, (X.nbr + 1) * sizeof *X.br);
	Brand *b = &X.br[X.nbr];
	memset(b, 0, sizeof *b);
	b->name = X.has_brand ? xstrndup(p, n) : NULL;
	b->name_n = n;
	const BrandRules *br = brand_rules(&X.rc, p, X.has_brand ? n : 0);
	b->excl = &br->exclude;
	b->r = &br->rfm;
	return (uint32_t)X.nbr++;
}

/* ---- customers ---- */

static const char *key_of(const Cust *c)
{
	return X.keys + c->key_off;
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

static void table_grow(void)
{
	size_t cap = X.tcap ? X.tcap * 2 : 1 << 16;
	Slot *t = big_alloc(cap * sizeof *t);
	for (size_t i = 0; i < X.tcap; i++) {
		const Slot *o = &X.table[i];
		if (!o->idx)
			continue;
		size_t j = o->h & (cap - 1);
		while (t[j].idx)
			j = (j + 1) & (cap - 1);
		t[j] = *o;
	}
	if (X.table)
		big_free(X.table, X.tcap * sizeof *t);
	X.table = t;
	X.tcap = cap;
}

static uint32_t customer(const char *k, size_t n, uint64_t h, uint32_t brand)
{
	if ((X.ncust + 1) * 2 > X.tcap)
		table_grow();
	size_t j = h & (X.tcap - 1);
	for (const Slot *e; (e = &X.table[j])->idx; j = (j + 1) & (X.tcap - 1)) {
		if (e->h != h || e->n != n)
			continue;
		const char *ek = n <= INLINE_KEY ? e->k : key_of(&X.cust[e->idx - 1]);
		if (memcmp(ek, k, n) == 0)
			return e->idx - 1;
	}
	if (X.ncust >= UINT32_MAX - 1)
		die("more than 4294967294 customers");
	if (X.ncust == X.custcap) {
		size_t cap = X.custcap ? X.custcap * 2 : 1 << 15;
		X.cust = big_grow(X.cust, X.ncust * sizeof *X.cust, X.custcap * sizeof *X.cust,
				  cap * sizeof *X.cust);
		X.custcap = cap;
	}
	while (X.keys_n + n > X.keys_cap) {
		size_t cap = X.keys_cap ? X.keys_cap * 2 : 1 << 20;
		X.keys = big_grow(X.keys, X.keys_n, X.keys_cap, cap);
		X.keys_cap = cap;
	}
	if (X.keys_n + n > UINT32_MAX)
		die("customer keys over 4 GB");
	memcpy(X.keys + X.keys_n, k, n);
	X.cust[X.ncust] = (Cust){ .h = h, .key_off = (uint32_t)X.keys_n, .key_n = (uint32_t)n,
				  .brand = brand, .last = INT32_MIN, .first = INT32_MAX };
	X.keys_n += n;
	Slot *e = &X.table[j];
	e->h = h;
	e->idx = (uint32_t)X.ncust + 1;
	e->n = (uint32_t)n;
	if (n <= INLINE_KEY)
		memcpy(e->k, k, n);
	return (uint32_t)X.ncust++;
}

static void add_rec(uint32_t cust, int32_t when, int64_t amount)
{
	if (X.nrec == X.reccap) {
		X.reccap = X.reccap ? X.reccap * 2 : 1 << 16;
		X.rec = xrealloc(X.rec, X.reccap * sizeof *X.rec);
	}
	X.rec[X.nrec++] = (Rec){ cust, when, amount };
}

/* ---- reading ---- */

static void read_file(const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	int ci = tsv_need(&t, "customer_id", NULL), bi = tsv_col(&t, "brand");
	int monthly = tsv_col(&t, "month") >= 0;
	if (X.monthly < 0) {
		X.monthly = monthly;
		X.has_brand = bi >= 0;
	} else if (X.monthly != monthly || X.has_brand != (bi >= 0)) {
		die("%s: its columns are not those of the files before it (%s, %s brand column)", t.name,
		    monthly ? "monthly rows" : "transactions", bi >= 0 ? "a" : "no");
	}
	int di = -1, qi = -1, ai = tsv_need(&t, "amount", monthly ? schema_producer("amount") : NULL);
	int ki = -1, si = -1, oi = -1, li = -1, fi = -1, pei = -1;
	/* Monthly rows of crm-agg carry the fingerprint of its rules. */
	int ri = -1;
	char rid[17];
	rules_id(X.rules, rid);
	if (monthly) {
		di = schema_need(&t, "month");
		oi = schema_need(&t, "orders");
		li = schema_need(&t, "last_date");
		fi = schema_need(&t, "first_date");
		pei = tsv_col(&t, "period_end");
		ri = tsv_col(&t, "rules_id");
	} else {
		di = tsv_need(&t, "date", NULL);
		qi = tsv_need(&t, "qty", NULL);
		if (X.products)
			si = tsv_need(&t, "sku", NULL);
		else if ((ki = tsv_col(&t, "category")) < 0)
			die("%s: missing column 'category' (or give a products file with --products)", t.name);
	}
	char key[2048], prev_key[2048];
	size_t prev_n = 0;
	uint32_t prev = UINT32_MAX;
	while (tsv_next(&t)) {
		X.rows++;
		progress_add(&X.pg, 1);
		if (ri >= 0)
			filter_rules_row(&t, ri, rid);
		Field fc = t.f[ci];
		if (fc.n == 0)
			tsv_fail(&t, ci, "is empty");
		const char *bp = "";
		size_t bn = 0;
		const char *kp = fc.p;
		size_t kn = fc.n;
		if (bi >= 0) {
			bp = t.f[bi].p;
			bn = t.f[bi].n;
			if (bn == 0)
				tsv_fail(&t, bi, "is empty");
			if (memchr(bp, 0, bn))
				tsv_fail(&t, bi, "holds a NUL byte");
			if (bn + 1 + fc.n > sizeof key)
				tsv_fail(&t, ci, "is too long (brand and customer_id over 2047 bytes)");
			memcpy(key, bp, bn);
			key[bn] = 0;
			memcpy(key + bn + 1, fc.p, fc.n);
			kp = key;
			kn = bn + 1 + fc.n;
		} else if (fc.n > sizeof key) {
			tsv_fail(&t, ci, "is too long (over 2048 bytes)");
		}
		const char *why;
		int64_t amount;
		if ((why = fixed_parse(t.f[ai].p, t.f[ai].n, X.decimals, &amount)))
			tsv_fail(&t, ai, why);
		int32_t when, day;
		int purchase;
		const Brand *b;
		if (monthly) {
			int32_t mon;
			if ((why = month_parse(t.f[di].p, t.f[di].n, &mon)))
				tsv_fail(&t, di, why);
			int64_t orders;
			if ((why = int_parse(t.f[oi].p, t.f[oi].n, &orders)))
				tsv_fail(&t, oi, why);
			if (orders < 0 || orders > 31)
				tsv_fail(&t, oi, "is not a count of days in a month (0-31)");
			/* The period ends on period_end's day, or on the last
			 * day of the latest month. */
			day = month_last_day(mon);
			if (pei >= 0 && (why = day_parse_end(t.f[pei].p, t.f[pei].n, &day)))
				tsv_fail(&t, pei, why);
			if (day > X.max_day)
				X.max_day = day;
			if (X.as_of_given && mon > month_of_day(X.as_of)) {
				X.later++;
				continue;
			}
			int32_t last = INT32_MIN, first = INT32_MAX;
			if (t.f[li].n) {
				if ((why = date_parse(t.f[li].p, t.f[li].n, &last)))
					tsv_fail(&t, li, why);
				if (month_of_day(last) != mon)
					tsv_fail(&t, li, "is not in the row's month");
				/* A month cannot be cut: the rows must end by the
				 * as-of day (crm-agg --as-of makes such rows). */
				if (X.as_of_given && last > X.as_of) {
					char msg[80], d[11];
					date_fmt(d, X.as_of);
					snprintf(msg, sizeof msg, "is after the as-of day %.10s", d);
					tsv_fail(&t, li, msg);
				}
			}
			if (t.f[fi].n) {
				if ((why = date_parse(t.f[fi].p, t.f[fi].n, &first)))
					tsv_fail(&t, fi, why);
				if (month_of_day(first) != mon)
					tsv_fail(&t, fi, "is not in the row's month");
			}
			when = mon * 32 + (int32_t)orders;
			uint32_t c = customer(kp, kn, hash_bytes(kp, kn), bi >= 0 ? brand_of(bp, bn) : brand_of("", 0));
			if (last > X.cust[c].last)
				X.cust[c].last = last;
			if (first < X.cust[c].first)
				X.cust[c].first = first;
			add_rec(c, when, amount);
			X.used++;
			continue;
		}
		if ((why = date_parse(t.f[di].p, t.f[di].n, &day)))
			tsv_fail(&t, di, why);
		int64_t qty;
		if ((why = int_parse(t.f[qi].p, t.f[qi].n, &qty)))
			tsv_fail(&t, qi, why);
		if (day > X.max_day)
			X.max_day = day;
		if (X.as_of_given && day > X.as_of) {
			X.later++;
			continue;
		}
		const char *cat;
		size_t catn;
		if (X.products) {
			cat = products_category(X.products, t.f[si].p, t.f[si].n);
			if (!cat) {
				char msg[600];
				snprintf(msg, sizeof msg, "is not in the products file %s", X.products->path);
				tsv_fail(&t, si, msg);
			}
			catn = strlen(cat);
		} else {
			cat = t.f[ki].p;
			catn = t.f[ki].n;
			if (catn == 0)
				tsv_fail(&t, ki, "is empty");
		}
		/* The customer of the line before is checked first: an order's
		 * lines come together. */
		uint32_t c, bx = brand_of(bp, bn);
		if (prev != UINT32_MAX && prev_n == kn && memcmp(prev_key, kp, kn) == 0) {
			c = prev;
		} else {
			c = customer(kp, kn, hash_bytes(kp, kn), bx);
			prev = c;
			prev_n = kn;
			memcpy(prev_key, kp, kn);
		}
		b = &X.br[bx];
		if (namelist_has(b->excl, cat, catn)) {
			X.excluded++;
			continue;
		}
		X.used++;
		/* The last purchase day comes from the records at the fold. */
		purchase = qty > 0 && amount >= 0;
		when = day * 2 + purchase;
		Rec *r = X.nrec ? &X.rec[X.nrec - 1] : NULL;
		if (r && r->cust == c && r->when >> 1 == day) {
			r->when |= purchase;
			if (add_check(&r->amount, amount))
				tsv_fail_line(&t, "a sum for customer '%.*s' overflows 64 bits", (int)fc.n, fc.p);
		} else {
			add_rec(c, when, amount);
		}
	}
	tsv_close(&t);
}

/* ---- folding and scoring ---- */

static int cmp_when(const void *a, const void *b)
{
	int32_t x = ((const Rec *)a)->when, y = ((const Rec *)b)->when;
	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* fold groups the records by customer and computes recency, frequency and
 * monetary over each customer's brand period. */
static void fold(void)
{
	/* Group the records by customer in place, with no second copy: first
	 * into at most 256 blocks of customers (few write cursors, which stay
	 * in cache), then each block, small enough for the cache, by customer.
	 * Each pass is a counting sort moving every record straight to its
	 * room. */
	uint32_t *start = xcalloc(X.ncust + 1, sizeof *start);
	for (size_t i = 0; i < X.nrec; i++)
		start[X.rec[i].cust + 1]++;
	for (size_t c = 0; c < X.ncust; c++)
		start[c + 1] += start[c];
	Rec *g = X.rec;
	X.rec = NULL;
	int shift = 0;
	while ((X.ncust >> shift) >= 256)
		shift++;
	uint32_t nblk = (uint32_t)(X.ncust >> shift) + 1;
	uint32_t bstart[257], bnext[257];
	for (uint32_t b = 0; b <= nblk; b++) {
		uint64_t c = (uint64_t)b << shift;
		bstart[b] = start[c < X.ncust ? c : X.ncust];
	}
	memcpy(bnext, bstart, sizeof bnext);
	for (uint32_t b = 0; b < nblk; b++)
		while (bnext[b] < bstart[b + 1]) {
			Rec r = g[bnext[b]];
			while (r.cust >> shift != b) {
				uint32_t d = r.cust >> shift;
				Rec t = g[bnext[d]];
				g[bnext[d]++] = r;
				r = t;
			}
			g[bnext[b]++] = r;
		}
	uint32_t *next = xmalloc((X.ncust + 1) * sizeof *next);
	memcpy(next, start, (X.ncust + 1) * sizeof *next);
	for (uint32_t c = 0; c < X.ncust; c++)
		while (next[c] < start[c + 1]) {
			Rec r = g[next[c]];
			while (r.cust != c) {
				Rec t = g[next[r.cust]];
				g[next[r.cust]++] = r;
				r = t;
			}
			g[next[c]++] = r;
		}
	free(next);
	int32_t as_of_mon = month_of_day(X.as_of);
	for (size_t c = 0; c < X.ncust; c++) {
		Cust *u = &X.cust[c];
		const Brand *b = &X.br[u->brand];
		uint32_t lo = start[c], hi = start[c + 1];
		/* Days of one customer: sort to count distinct purchase days. */
		if (!X.monthly && hi - lo > 1)
			qsort(g + lo, hi - lo, sizeof *g, cmp_when);
		int32_t first = X.as_of - b->r->period_days; /* the period is (first, as_of] */
		int32_t prev_day = INT32_MIN;
		for (uint32_t i = lo; i < hi; i++) {
			if (X.monthly) {
				int32_t mon = g[i].when >> 5;
				if (mon <= as_of_mon - b->r->period_months || mon > as_of_mon)
					continue;
				u->freq += (uint32_t)(g[i].when & 31);
			} else {
				int32_t day = g[i].when >> 1;
				if ((g[i].when & 1) && day > u->last)
					u->last = day;
				if ((g[i].when & 1) && day < u->first)
					u->first = day;
				if (day <= first)
					continue;
				if ((g[i].when & 1) && day != prev_day) {
					u->freq++;
					prev_day = day;
				}
			}
			if (add_check(&u->mon, g[i].amount))
				die("the monetary value of customer '%.*s' overflows 64 bits", (int)u->key_n, key_of(u));
		}
		if (u->freq && u->last == INT32_MIN)
			die("customer '%.*s' has orders but no last_date", (int)u->key_n, key_of(u));
		if (u->freq)
			u->recency = X.as_of - u->last;
	}
	free(start);
	free(g);
}

static int64_t measure(const Cust *u, int m)
{
	return m == M_R ? u->recency : m == M_F ? (int64_t)u->freq : u->mon;
}

/* score: higher is better; a value at or below threshold k is in bin k
 * (the thresholds are inclusive upper bounds); recency counts in reverse. */
static int score(const Brand *b, int m, int64_t v)
{
	int above = 0;
	for (int k = 0; k < b->r->bins - 1; k++)
		above += v > b->thr[m][k];
	return m == M_R ? b->r->bins - above : 1 + above;
}

static int cmp_key(const void *a, const void *b)
{
	const Cust *x = &X.cust[*(const uint32_t *)a], *y = &X.cust[*(const uint32_t *)b];
	size_t n = x->key_n < y->key_n ? x->key_n : y->key_n;
	int c = memcmp(key_of(x), key_of(y), n);
	if (c)
		return c;
	return (x->key_n > y->key_n) - (x->key_n < y->key_n);
}

static void score_brand(Brand *b)
{
	int64_t *v = xmalloc((b->n ? b->n : 1) * sizeof *v);
	for (int m = 0; m < 3; m++) {
		if (!b->r->quantile[m]) {
			memcpy(b->thr[m], b->r->cut[m], sizeof b->r->cut[m]);
			continue;
		}
		for (size_t i = 0; i < b->n; i++)
			v[i] = measure(&X.cust[b->idx[i]], m);
		qsort(v, b->n, sizeof *v, cmp_i64);
		/* Nearest rank: threshold k is the value at rank ceil(k n / bins). */
		for (int k = 1; k < b->r->bins; k++) {
			size_t rank = (size_t)(((uint64_t)k * b->n + (uint64_t)b->r->bins - 1) / (uint64_t)b->r->bins);
			b->thr[m][k - 1] = b->n ? v[rank ? rank - 1 : 0] : 0;
		}
	}
	free(v);
	for (size_t i = 0; i < b->n; i++) {
		Cust *u = &X.cust[b->idx[i]];
		for (int m = 0; m < 3; m++)
			u->score[m] = (uint8_t)score(b, m, measure(u, m));
		size_t s = 0;
		for (; s < b->r->nseg; s++) {
			const RfmSegment *g = &b->r->seg[s];
			int ok = 1;
			for (int m = 0; m < 3; m++)
				ok &= u->score[m] >= g->lo[m] && u->score[m] <= g->hi[m];
			if (ok)
				break;
		}
		/* crm-rules makes the last segment take every score. */
		u->seg = (uint8_t)(s < b->r->nseg ? s : b->r->nseg - 1);
	}
	/* Returns above purchases in the period leave monetary below 0: such a
	 * customer is scored like any other (monetary sorts lowest), and said. */
	for (size_t i = 0; i < b->n; i++)
		b->net_negative += X.cust[b->idx[i]].mon < 0;
	if (b->net_negative)
		warn("%s%.*s%s%zu customer%s a net-negative monetary value (returns above purchases in "
		     "the period); they rank lowest on monetary", b->name ? "brand " : "", (int)b->name_n,
		     b->name ? b->name : "", b->name ? ": " : "", b->net_negative,
		     b->net_negative == 1 ? " has" : "s have");
	/* Quantile scores left empty by ties are said, not silent. */
	for (int m = 0; m < 3; m++) {
		if (!b->r->quantile[m] || b->n < (size_t)b->r->bins)
			continue;
		uint64_t cnt[MAXBINS + 1] = { 0 };
		for (size_t i = 0; i < b->n; i++)
			cnt[X.cust[b->idx[i]].score[m]]++;
		char list[64];
		size_t len = 0;
		for (int sc = 1; sc <= b->r->bins; sc++)
			if (!cnt[sc])
				len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", len ? ", " : "", sc);
		if (len)
			warn("%s%.*s%s%s: no customer scores %s; equal values share a score (see --thresholds)",
			     b->name ? "brand " : "", (int)b->name_n, b->name ? b->name : "", b->name ? ": " : "",
			     measure_name[m], list);
	}
}

static void score_all(void)
{
	for (size_t c = 0; c < X.ncust; c++)
		if (X.cust[c].freq)
			X.br[X.cust[c].brand].n++;
	for (size_t i = 0; i < X.nbr; i++) {
		X.br[i].idx = xmalloc((X.br[i].n ? X.br[i].n : 1) * sizeof *X.br[i].idx);
		X.br[i].n = 0;
	}
	for (size_t c = 0; c < X.ncust; c++)
		if (X.cust[c].freq) {
			Brand *b = &X.br[X.cust[c].brand];
			b->idx[b->n++] = (uint32_t)c;
		}
	for (size_t i = 0; i < X.nbr; i++) {
		qsort(X.br[i].idx, X.br[i].n, sizeof *X.br[i].idx, cmp_key);
		score_brand(&X.br[i]);
	}
}

/* Brands in output order: by name. */
static int cmp_brand(const void *a, const void *b)
{
	const Brand *x = &X.br[*(const uint32_t *)a], *y = &X.br[*(const uint32_t *)b];
	size_t n = x->name_n < y->name_n ? x->name_n : y->name_n;
	int c = n ? memcmp(x->name, y->name, n) : 0;
	return c ? c : (x->name_n > y->name_n) - (x->name_n < y->name_n);
}

/* ---- writing ---- */

static void put_money(Out *o, int64_t v)
{
	char b[32];
	out_write(o, b, fixed_fmt(b, v, X.decimals));
}

static void put_fixed(Out *o, int64_t v, int d)
{
	char b[32];
	out_write(o, b, fixed_fmt(b, v, d));
}

/* rfm_score in hundredths: the weighted mean of the scores, rounded half
 * up. Weights are int64 millionths, so the weighted sum takes 128 bits. */
static int64_t rfm_score(const Brand *b, const Cust *u)
{
	__int128 num = 0;
	for (int m = 0; m < 3; m++)
		num += (__int128)b->r->w[m] * u->score[m];
	return (int64_t)((num * 200 + b->r->wsum) / (2 * (__int128)b->r->wsum));
}

static void put_brand(Out *o, const Brand *b)
{
	if (X.has_brand) {
		out_write(o, b->name, b->name_n);
		out_char(o, '\t');
	}
}

static void write_rows(Out *o, const uint32_t *order)
{
	if (X.has_brand)
		out_str(o, "brand\t");
	out_str(o, "customer_id\trecency\tfrequency\tmonetary\tr_score\tf_score\tm_score\trfm_score\t"
		   "segment\trecommendation\tsegmented_at\ttenure\n");
	char asof[11];
	date_fmt(asof, X.as_of);
	for (size_t bi = 0; bi < X.nbr; bi++) {
		const Brand *b = &X.br[order[bi]];
		for (size_t i = 0; i < b->n; i++) {
			const Cust *u = &X.cust[b->idx[i]];
			put_brand(o, b);
			const char *k = key_of(u);
			size_t kn = u->key_n;
			if (X.has_brand) {
				k += b->name_n + 1;
				kn -= b->name_n + 1;
			}
			out_write(o, k, kn);
			out_char(o, '\t');
			out_i64(o, u->recency);
			out_char(o, '\t');
			out_u64(o, u->freq);
			out_char(o, '\t');
			put_money(o, u->mon);
			for (int m = 0; m < 3; m++) {
				out_char(o, '\t');
				out_char(o, (char)('0' + u->score[m]));
			}
			out_char(o, '\t');
			put_fixed(o, rfm_score(b, u), 2);
			out_char(o, '\t');
			out_str(o, b->r->seg[u->seg].label);
			out_char(o, '\t');
			out_str(o, b->r->seg[u->seg].action);
			out_char(o, '\t');
			out_write(o, asof, 10);
			out_char(o, '\t');
			out_i64(o, X.as_of - u->first);
			out_char(o, '\n');
		}
	}
}

static void put_measure(Out *o, int m, int64_t v)
{
	if (m == M_M)
		put_money(o, v);
	else
		out_i64(o, v);
}

static void write_thresholds(Out *o, const uint32_t *order)
{
	if (X.has_brand)
		out_str(o, "brand\t");
	out_str(o, "measure\tmethod\tscore\tabove\tup_to\tcustomers\tmin\tmax\n");
	for (size_t bi = 0; bi < X.nbr; bi++) {
		const Brand *b = &X.br[order[bi]];
		for (int m = 0; m < 3; m++) {
			uint64_t cnt[MAXBINS + 1] = { 0 };
			int64_t mn[MAXBINS + 1], mx[MAXBINS + 1];
			for (size_t i = 0; i < b->n; i++) {
				const Cust *u = &X.cust[b->idx[i]];
				int s = u->score[m];
				int64_t v = measure(u, m);
				if (!cnt[s]++ || v < mn[s])
					mn[s] = v;
				if (cnt[s] == 1 || v > mx[s])
					mx[s] = v;
			}
			for (int s = b->r->bins; s >= 1; s--) {
				/* Score s holds values in (thr[k-1], thr[k]] with k = s - 1
				 * (frequency, monetary) or k = bins - s (recency). */
				int k = m == M_R ? b->r->bins - s : s - 1;
				put_brand(o, b);
				out_str(o, measure_name[m]);
				out_str(o, b->r->quantile[m] ? "\tquantile\t" : "\tcuts\t");
				out_char(o, (char)('0' + s));
				out_char(o, '\t');
				if (k > 0)
					put_measure(o, m, b->thr[m][k - 1]);
				out_char(o, '\t');
				if (k < b->r->bins - 1)
					put_measure(o, m, b->thr[m][k]);
				out_char(o, '\t');
				out_u64(o, cnt[s]);
				out_char(o, '\t');
				if (cnt[s])
					put_measure(o, m, mn[s]);
				out_char(o, '\t');
				if (cnt[s])
					put_measure(o, m, mx[s]);
				out_char(o, '\n');
			}
		}
	}
}

/* Per segment of a brand: counts, sums and medians. */
typedef struct {
	uint64_t n;
	int64_t mon;
	__int128 med[3];    /* medians x 2 (the sum of the two middle values) */
} SegSum;

/* median2 returns twice the median of V[0..N) (sorting V), in 128 bits:
 * the two middle values of int64 amounts may sum beyond 64 bits. */
static __int128 median2(int64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	return n % 2 ? 2 * (__int128)v[n / 2] : (__int128)v[n / 2 - 1] + v[n / 2];
}

/* half_round returns X / 2 rounded half away from zero, as div_round does;
 * X is twice a median, so the result fits. */
static int64_t half_round(__int128 x)
{
	return (int64_t)((x + (x < 0 ? -1 : 1)) / 2);
}

/* add_mon adds a customer's monetary value V to *A, the sum over WHAT
 * (with NAME when not NULL) of brand B, dying when it overflows. */
static void add_mon(int64_t *a, int64_t v, const Brand *b, const char *what, const char *name)
{
	if (add_check(a, v))
		die("the monetary value of %s%s%s%s%s%s%s overflows 64 bits", what,
		    name ? " '" : "", name ? name : "", name ? "'" : "",
		    b->name ? " of brand '" : "", b->name ? b->name : "", b->name ? "'" : "");
}

static SegSum *summarize(const Brand *b, int64_t *total)
{
	SegSum *ss = xcalloc(b->r->nseg, sizeof *ss);
	int64_t *v = xmalloc((b->n ? b->n : 1) * sizeof *v);
	*total = 0;
	for (size_t i = 0; i < b->n; i++) {
		const Cust *u = &X.cust[b->idx[i]];
		ss[u->seg].n++;
		add_mon(&ss[u->seg].mon, u->mon, b, "segment", b->r->seg[u->seg].label);
		add_mon(total, u->mon, b, "all customers", NULL);
	}
	for (size_t s = 0; s < b->r->nseg; s++)
		for (int m = 0; m < 3; m++) {
			size_t n = 0;
			for (size_t i = 0; i < b->n; i++) {
				const Cust *u = &X.cust[b->idx[i]];
				if (u->seg == s)
					v[n++] = measure(u, m);
			}
			ss[s].med[m] = median2(v, n);
		}
	free(v);
	return ss;
}

enum { SHARE_D = 4 };

static int64_t share(int64_t part, int64_t whole)
{
	return whole > 0 ? mul_div_round(part, pow10_i64[SHARE_D], whole) : 0;
}

static void write_summary(Out *o, const uint32_t *order)
{
	if (X.has_brand)
		out_str(o, "brand\t");
	out_str(o, "segment\tcustomers\tshare\tmonetary\tavg_monetary\trevenue_share\t"
		   "median_recency\tmedian_frequency\tmedian_monetary\trecommendation\n");
	for (size_t bi = 0; bi < X.nbr; bi++) {
		const Brand *b = &X.br[order[bi]];
		int64_t total;
		SegSum *ss = summarize(b, &total);
		for (size_t s = 0; s < b->r->nseg; s++) {
			put_brand(o, b);
			out_str(o, b->r->seg[s].label);
			out_char(o, '\t');
			out_u64(o, ss[s].n);
			out_char(o, '\t');
			put_fixed(o, share((int64_t)ss[s].n, (int64_t)b->n), SHARE_D);
			out_char(o, '\t');
			put_money(o, ss[s].mon);
			out_char(o, '\t');
			put_money(o, ss[s].n ? div_round(ss[s].mon, (int64_t)ss[s].n) : 0);
			out_char(o, '\t');
			put_fixed(o, share(ss[s].mon, total), SHARE_D);
			out_char(o, '\t');
			/* An empty segment has no medians. */
			if (ss[s].n)
				put_fixed(o, (int64_t)ss[s].med[M_R] * 5, 1);
			out_char(o, '\t');
			if (ss[s].n)
				put_fixed(o, (int64_t)ss[s].med[M_F] * 5, 1);
			out_char(o, '\t');
			if (ss[s].n)
				put_money(o, half_round(ss[s].med[M_M]));
			out_char(o, '\t');
			out_str(o, b->r->seg[s].action);
			out_char(o, '\n');
		}
		free(ss);
	}
}

typedef struct {
	uint64_t h;
	uint32_t c;
} Pick;

static int cmp_pick(const void *a, const void *b)
{
	const Pick *x = a, *y = b;
	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return cmp_key(&x->c, &y->c);
}

static void write_json(Out *o, const uint32_t *order)
{
	char id[17], asof[11];
	rules_id(X.rules, id);
	date_fmt(asof, X.as_of);
	out_str(o, "{\"schema\":\"crm-rfm/1\",\"generator\":\"crm-rfm " CRM_VERSION "\",\"rules_id\":");
	json_str(o, id, 16);
	out_str(o, ",\"as_of\":");
	json_str(o, asof, 10);
	out_str(o, ",\"input\":");
	json_cstr(o, X.monthly ? "monthly" : "transactions");
	out_str(o, ",\"brands\":[");
	for (size_t bi = 0; bi < X.nbr; bi++) {
		const Brand *b = &X.br[order[bi]];
		out_str(o, bi ? ",\n{\"brand\":" : "\n{\"brand\":");
		if (b->name)
			json_str(o, b->name, b->name_n);
		else
			out_str(o, "null");
		out_str(o, ",\"customers\":");
		out_u64(o, b->n);
		out_str(o, ",\"net_negative\":");
		out_u64(o, b->net_negative);
		out_str(o, ",\"period_days\":");
		out_i64(o, b->r->period_days);
		out_str(o, ",\"bins\":");
		out_i64(o, b->r->bins);
		out_str(o, ",\"thresholds\":{");
		for (int m = 0; m < 3; m++) {
			out_str(o, m ? ",\"" : "\"");
			out_str(o, measure_name[m]);
			out_str(o, "\":[");
			for (int k = 0; k < b->r->bins - 1; k++) {
				if (k)
					out_char(o, ',');
				if (m == M_M)
					json_fixed(o, b->thr[m][k], X.decimals);
				else
					out_i64(o, b->thr[m][k]);
			}
			out_char(o, ']');
		}
		int64_t total;
		SegSum *ss = summarize(b, &total);
		out_str(o, "},\"segments\":[");
		for (size_t s = 0; s < b->r->nseg; s++) {
			out_str(o, s ? ",\n{\"label\":" : "\n{\"label\":");
			json_cstr(o, b->r->seg[s].label);
			out_str(o, ",\"action\":");
			json_cstr(o, b->r->seg[s].action);
			out_str(o, ",\"customers\":");
			out_u64(o, ss[s].n);
			out_str(o, ",\"share\":");
			json_fixed(o, share((int64_t)ss[s].n, (int64_t)b->n), SHARE_D);
			out_str(o, ",\"monetary\":");
			json_fixed(o, ss[s].mon, X.decimals);
			out_str(o, ",\"avg_monetary\":");
			json_fixed(o, ss[s].n ? div_round(ss[s].mon, (int64_t)ss[s].n) : 0, X.decimals);
			out_str(o, ",\"revenue_share\":");
			json_fixed(o, share(ss[s].mon, total), SHARE_D);
			if (ss[s].n) {
				out_str(o, ",\"median_recency\":");
				json_fixed(o, (int64_t)ss[s].med[M_R] * 5, 1);
				out_str(o, ",\"median_frequency\":");
				json_fixed(o, (int64_t)ss[s].med[M_F] * 5, 1);
				out_str(o, ",\"median_monetary\":");
				json_fixed(o, half_round(ss[s].med[M_M]), X.decimals);
			} else {
				out_str(o, ",\"median_recency\":null,\"median_frequency\":null,"
					   "\"median_monetary\":null");
			}
			out_str(o, ",\"ranges\":{");
			static const char *const rk[3] = { "r", "f", "m" };
			for (int m = 0; m < 3; m++) {
				out_str(o, m ? ",\"" : "\"");
				out_str(o, rk[m]);
				out_str(o, "\":[");
				out_i64(o, b->r->seg[s].lo[m]);
				out_char(o, ',');
				out_i64(o, b->r->seg[s].hi[m]);
				out_char(o, ']');
			}
			out_str(o, "}}");
		}
		free(ss);
		/* The R x F grid: customers and monetary value per cell,
		 * grid[f - 1][r - 1]. */
		uint64_t cnt[MAXBINS][MAXBINS] = { { 0 } };
		int64_t mon[MAXBINS][MAXBINS] = { { 0 } };
		for (size_t i = 0; i < b->n; i++) {
			const Cust *u = &X.cust[b->idx[i]];
			cnt[u->score[M_F] - 1][u->score[M_R] - 1]++;
			add_mon(&mon[u->score[M_F] - 1][u->score[M_R] - 1], u->mon, b, "an R x F cell", NULL);
		}
		out_str(o, "],\"grid\":[");
		for (int f = 0; f < b->r->bins; f++) {
			out_str(o, f ? ",[" : "[");
			for (int r = 0; r < b->r->bins; r++) {
				out_str(o, r ? ",[" : "[");
				out_u64(o, cnt[f][r]);
				out_char(o, ',');
				json_fixed(o, mon[f][r], X.decimals);
				out_char(o, ']');
			}
			out_char(o, ']');
		}
		/* A sample for the scatter: the customers with the smallest
		 * key hashes, so it never depends on input order. */
		Pick *p = xmalloc((b->n ? b->n : 1) * sizeof *p);
		for (size_t i = 0; i < b->n; i++)
			p[i] = (Pick){ X.cust[b->idx[i]].h, b->idx[i] };
		qsort(p, b->n, sizeof *p, cmp_pick);
		size_t np = b->n < SAMPLE ? b->n : SAMPLE;
		out_str(o, "],\"points\":[");
		for (size_t i = 0; i < np; i++) {
			const Cust *u = &X.cust[p[i].c];
			out_str(o, i ? ",[" : "[");
			out_i64(o, u->recency);
			out_char(o, ',');
			out_u64(o, u->freq);
			out_char(o, ',');
			json_fixed(o, u->mon, X.decimals);
			out_char(o, ',');
			out_u64(o, u->seg);
			out_char(o, ']');
		}
		free(p);
		out_str(o, "]}");
	}
	out_str(o, "]}\n");
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *products_path = NULL;
	int summary = 0, thresholds = 0, json = 0;
	X.as_of = INT32_MIN;
	X.has_brand = X.monthly = -1;
	X.max_day = INT32_MIN;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "products", 0, "FILE", opt_str, &products_path, 0, "categories from a sku, category file" },
		{ "as-of", 0, "YYYY-MM-DD", opt_date, &X.as_of, 0,
		  "the day the scores describe (default: the latest date)" },
		{ "summary", 0, NULL, NULL, &summary, 1, "write per segment counts, shares and medians" },
		{ "thresholds", 0, NULL, NULL, &thresholds, 1, "write the score bounds instead of customers" },
		{ "json", 0, NULL, NULL, &json, 1, "write the document crm-report reads" },
		OPT_STATS(&c, "report rows read, used and left out on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (summary + thresholds + json > 1)
		usage_fail(usage_text, "--summary, --thresholds and --json exclude each other");
	X.as_of_given = X.as_of != INT32_MIN;
	rules_cache_open(&X.rc, c.rules);
	X.rules = X.rc.rules;
	X.decimals = X.rc.money.decimals;
	static Products products; /* static: reachable until exit */
	if (products_path) {
		products_load(&products, products_path);
		X.products = &products;
	}
	Out o;
	out_create(&o, c.output);
	progress_init(&X.pg, c.progress);
	if (first == argc)
		read_file("-");
	for (int i = first; i < argc; i++)
		read_file(argv[i]);
	progress_end(&X.pg);
	if (!X.as_of_given) {
		if (X.max_day == INT32_MIN)
			die("no rows to score, and no --as-of");
		X.as_of = X.max_day;
	}
	fold();
	score_all();
	uint32_t *order = xmalloc((X.nbr ? X.nbr : 1) * sizeof *order);
	for (size_t i = 0; i < X.nbr; i++)
		order[i] = (uint32_t)i;
	qsort(order, X.nbr, sizeof *order, cmp_brand);
	if (summary)
		write_summary(&o, order);
	else if (thresholds)
		write_thresholds(&o, order);
	else if (json)
		write_json(&o, order);
	else
		write_rows(&o, order);
	out_close(&o);
	free(order);
	if (c.stats) {
		uint64_t scored = 0;
		for (size_t i = 0; i < X.nbr; i++)
			scored += X.br[i].n;
		char asof[11];
		date_fmt(asof, X.as_of);
		asof[10] = 0;
		fprintf(stderr, "crm-rfm: as of %s: %llu rows read: %llu used, %llu of excluded categories, "
			"%llu after the as-of date; %llu customers, %llu scored (a consumable order in the "
			"period), %llu not\n", asof, (unsigned long long)X.rows, (unsigned long long)X.used,
			(unsigned long long)X.excluded, (unsigned long long)X.later,
			(unsigned long long)X.ncust, (unsigned long long)scored,
			(unsigned long long)(X.ncust - scored));
	}
	return 0;
}
