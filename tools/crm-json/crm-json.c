/* crm-json: publish the monthly signals as one JSON document, or as one
 * JSON object per row (--ndjson).
 *
 * Reads crm-churn's rows, sorted by (brand,) customer_id, month, and adds
 * them up per brand and month: memory grows with months x brands x tiers,
 * never with customers. The layout is documented in crm-json(1) and in
 * man/crm-json.schema.json.
 *
 * The period ends on the as-of day of period_end: a month that day does not
 * complete is partial, and says so with the days it covers. Warm-up months
 * (crm-tier's warmup) lack the history before the data: comparisons with
 * them (yoy) are null unless --keep-warmup. */
#include "brandrules.h"
#include "date.h"
#include "filteropt.h"
#include "json.h"
#include "keyorder.h"
#include "money.h"
#include "opt.h"
#include "out.h"
#include "rules.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-json [--rules FILE] [--at-risk N] [--keep-warmup] [-o FILE] [FILE]\n"
	"       crm-json --ndjson [-o FILE] [FILE]";

#define MAX_TIERS 32
#define SHARE_DECIMALS 4

enum { EV_NEW, EV_LOST, EV_REACT };

/* The figures of one month of one series. */
typedef struct {
	uint64_t customers, active;
	int64_t value, value12, inactive_value, inactive_value12;
	uint64_t events[3];
	uint64_t risk, lapse, decline;
	int64_t risk_value;
	uint64_t tc[MAX_TIERS], trisk[MAX_TIERS];
	uint64_t warm;            /* rows in a warm-up month */
	int64_t tv[MAX_TIERS], tv12[MAX_TIERS], trv[MAX_TIERS];
} Month;

/* An at-risk customer of the latest month. */
typedef struct {
	int64_t value12;
	char *brand, *cust, *tier, *reason;
	int64_t recency;          /* -1: none */
} Risk;

typedef struct {
	char *brand;              /* NULL: all brands */
	int32_t lo;               /* month of m[0] */
	size_t n;
	Month *m;
	Risk *heap;               /* a min-heap: the weakest kept at the root */
	size_t nheap;
	int32_t risk_month;
} Series;

typedef struct {
	RulesCache rc;
	Rules *rules;             /* rc.rules */
	int decimals;
	char *tiers[MAX_TIERS];   /* every brand's tiers: the defaults' first */
	size_t ntiers;
	const char *inactive;     /* the defaults' inactive tier */
	Series *s;
	size_t ns;
	size_t top;               /* --at-risk */
	uint64_t rows, customers;
	int has_brand;
	int keep_warmup;          /* --keep-warmup */
	int32_t as_of, start;     /* period_end, period_start days; NO_DAY: none */
	int32_t as_month;         /* the month of AS_OF */
	int as_days, as_len;      /* its days elapsed as of AS_OF, its length */
	char pe_text[16], ps_text[16];
} Ctx;

/* ---- series and months ---- */

static Series *series_for(Ctx *x, const char *b, size_t n)
{
	for (size_t i = 1; i < x->ns; i++)
		if (strlen(x->s[i].brand) == n && memcmp(x->s[i].brand, b, n) == 0)
			return &x->s[i];
	x->s = xrealloc(x->s, (x->ns + 1) * sizeof *x->s);
	Series *s = &x->s[x->ns++];
	memset(s, 0, sizeof *s);
	s->brand = xstrndup(b, n);
	s->heap = xcalloc(x->top ? x->top : 1, sizeof *s->heap);
	s->risk_month = INT32_MIN;
	return s;
}

static Month *month_of(Series *s, int32_t m)
{
	if (!s->n) {
		s->lo = m;
		s->n = 1;
		s->m = xcalloc(1, sizeof *s->m);
	} else if (m < s->lo) {
		size_t add = (size_t)(s->lo - m);
		s->m = xrealloc(s->m, (s->n + add) * sizeof *s->m);
		memmove(s->m + add, s->m, s->n * sizeof *s->m);
		memset(s->m, 0, add * sizeof *s->m);
		s->n += add;
		s->lo = m;
	} else if ((size_t)(m - s->lo) >= s->n) {
		size_t n = (size_t)(m - s->lo) + 1;
		s->m = xrealloc(s->m, n * sizeof *s->m);
		memset(s->m + s->n, 0, (n - s->n) * sizeof *s->m);
		s->n = n;
	}
	return &s->m[m - s->lo];
}

/* risk_better orders at-risk customers: higher 12-month value first, then
 * brand and customer in byte order, so the list never depends on input
 * order beyond the sort crm-agg defines. */
static int risk_better(const Risk *a, const Risk *b)
{
	if (a->value12 != b->value12)
		return a->value12 > b->value12;
	int c = strcmp(a->brand ? a->brand : "", b->brand ? b->brand : "");
	if (c)
		return c < 0;
	return strcmp(a->cust, b->cust) < 0;
}

static void risk_free(Risk *r)
{
	free(r->brand);
	free(r->cust);
	free(r->tier);
	free(r->reason);
}

static void heap_down(Risk *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, w = i;
		if (l < n && risk_better(&h[w], &h[l]))
			w = l;
		if (l + 1 < n && risk_better(&h[w], &h[l + 1]))
			w = l + 1;
		if (w == i)
			return;
		Risk t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* keep_risk offers R to the top-N list of S for month M (the latest month
 * seen so far: a later month starts the list again). Takes R's strings. */
static void keep_risk(Ctx *x, Series *s, int32_t m, Risk *r)
{
	if (m < s->risk_month) {
		risk_free(r);
		return;
	}
	if (m > s->risk_month) {
		for (size_t i = 0; i < s->nheap; i++)
			risk_free(&s->heap[i]);
		s->nheap = 0;
		s->risk_month = m;
	}
	if (s->nheap < x->top) {
		size_t i = s->nheap++;
		s->heap[i] = *r;
		while (i > 0 && risk_better(&s->heap[(i - 1) / 2], &s->heap[i])) {
			Risk t = s->heap[i];
			s->heap[i] = s->heap[(i - 1) / 2];
			s->heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	if (x->top && risk_better(r, &s->heap[0])) {
		risk_free(&s->heap[0]);
		s->heap[0] = *r;
		heap_down(s->heap, s->nheap, 0);
		return;
	}
	risk_free(r);
}

/* ---- reading ---- */

/* tier_index returns the index in x->tiers of the tier in column COL of
 * T's row, which must be one of tier rules TR (the row's brand's). */
static size_t tier_index(Ctx *x, const TierRules *tr, const Tsv *t, int col)
{
	Field f = t->f[col];
	if (tier_rules_index(tr, f.p, f.n) < 0)
		tsv_fail(t, col, "is not a tier of the rules (give crm-json the rules crm-tier used)");
	for (size_t i = 0; i < x->ntiers; i++)
		if (strlen(x->tiers[i]) == f.n && memcmp(x->tiers[i], f.p, f.n) == 0)
			return i;
	tsv_fail(t, col, "is not a tier of the rules (give crm-json the rules crm-tier used)");
}

/* add_tiers adds the tiers of TR that x->tiers lacks, in TR's order. */
static void add_tiers(Ctx *x, const TierRules *tr)
{
	for (size_t i = 0; i < tr->ntiers; i++) {
		size_t j;
		for (j = 0; j < x->ntiers; j++)
			if (strcmp(x->tiers[j], tr->tiers[i]) == 0)
				break;
		if (j == x->ntiers) {
			if (x->ntiers == MAX_TIERS)
				die("rules: more than %d tiers", MAX_TIERS);
			x->tiers[x->ntiers++] = xstrdup(tr->tiers[i]);
		}
	}
}

/* period_day reads the period column COL of the row into *DAY, the same
 * on every row (TEXT keeps the first row's). */
static void period_day(const Tsv *t, int col, char *text, int32_t *day,
		       const char *(*parse)(const char *, size_t, int32_t *))
{
	Field f = t->f[col];
	if (*day != NO_DAY) {
		if (f.n >= 16 || memcmp(f.p, text, f.n) != 0 || text[f.n])
			tsv_fail(t, col, "differs from that of the first row");
		return;
	}
	const char *why = parse(f.p, f.n, day);
	if (why)
		tsv_fail(t, col, why);
	memcpy(text, f.p, f.n);   /* a date or a month: at most 10 bytes */
	text[f.n] = '\0';
}

/* overflow dies naming the sum: the figure WHAT (of tier TIER when not
 * NULL) of series S over the month or months DURING, after WHERE (the
 * input line, or ""). */
static void overflow_at(const char *where, const Series *s, const char *during, const char *tier,
			const char *what)
{
	char w[300];
	if (tier)
		snprintf(w, sizeof w, "tiers.%s.%s", tier, what);
	else
		snprintf(w, sizeof w, "%s", what);
	if (s->brand)
		die("%sa sum for %s overflows 64 bits (%s of brand '%s')", where, during, w, s->brand);
	die("%sa sum for %s overflows 64 bits (%s of all customers)", where, during, w);
}

static void overflow(const Series *s, const char *during, const char *tier, const char *what)
{
	overflow_at("", s, during, tier, what);
}

/* add_sum adds V to *A, a figure of series S in month MONTH, read from
 * the current row of T; dies naming them when the sum overflows. */
static void add_sum(const Tsv *t, const Series *s, int32_t month, int64_t *a, int64_t v,
		    const char *tier, const char *what)
{
	if (add_check(a, v)) {
		char where[600], during[16], mb[8];
		month_fmt(mb, month);
		snprintf(during, sizeof during, "month %.7s", mb);
		snprintf(where, sizeof where, "%s:%llu: ", t->name, (unsigned long long)t->lineno);
		overflow_at(where, s, during, tier, what);
	}
}

static void read_rows(Ctx *x, Tsv *t)
{
	int mi = schema_need(t, "month"), ami = schema_need(t, "amount");
	int vi = schema_need(t, "value_m"), aci = schema_need(t, "active");
	int ti = schema_need(t, "tier"), ri = schema_need(t, "recency_days");
	int ei = schema_need(t, "event");
	int ki = schema_need(t, "churn_risk"), cri = schema_need(t, "churn_reason");
	int bi = tsv_col(t, "brand"), pei = tsv_col(t, "period_end");
	int psi = tsv_col(t, "period_start"), wi = tsv_col(t, "warmup");
	/* The rows must have been made with our rules: the document publishes
	 * their fingerprint. */
	int idi = schema_need(t, "rules_id");
	char id[17];
	rules_id(x->rules, id);
	KeyOrder ko;
	keyorder_init(&ko, t);
	x->has_brand = bi >= 0;
	while (tsv_next(t)) {
		x->rows++;
		filter_rules_row(t, idi, id);
		int32_t month;
		const char *why = month_parse(t->f[mi].p, t->f[mi].n, &month);
		if (why)
			tsv_fail(t, mi, why);
		if (keyorder_next(&ko, t, month))
			x->customers++;
		int64_t amount, value12, recency = -1;
		if ((why = fixed_parse(t->f[ami].p, t->f[ami].n, x->decimals, &amount)))
			tsv_fail(t, ami, why);
		if ((why = fixed_parse(t->f[vi].p, t->f[vi].n, x->decimals, &value12)))
			tsv_fail(t, vi, why);
		if (t->f[ri].n && (why = int_parse(t->f[ri].p, t->f[ri].n, &recency)))
			tsv_fail(t, ri, why);
		Field af = t->f[aci], kf = t->f[ki], ef = t->f[ei], tf = t->f[ti];
		if (af.n != 1 || (af.p[0] != '0' && af.p[0] != '1'))
			tsv_fail(t, aci, "is not 0 or 1");
		if (kf.n != 1 || (kf.p[0] != '0' && kf.p[0] != '1'))
			tsv_fail(t, ki, "is not 0 or 1");
		int active = af.p[0] == '1', risk = kf.p[0] == '1';
		/* The row's brand's own tiers: those crm-tier gave it. */
		const TierRules *tr = &brand_rules(&x->rc, bi >= 0 ? t->f[bi].p : NULL,
						   bi >= 0 ? t->f[bi].n : 0)->tier;
		if (pei >= 0)
			period_day(t, pei, x->pe_text, &x->as_of, day_parse_end);
		if (psi >= 0)
			period_day(t, psi, x->ps_text, &x->start, day_parse_start);
		int warm = 0;
		if (wi >= 0) {
			Field wf = t->f[wi];
			if (wf.n != 1 || (wf.p[0] != '0' && wf.p[0] != '1'))
				tsv_fail(t, wi, "is not 0 or 1");
			warm = wf.p[0] == '1';
		}
		size_t tier = 0;
		if (active)
			tier = tier_index(x, tr, t, ti);
		else if (tf.n != tr->inactive_len || memcmp(tf.p, tr->inactive, tf.n) != 0)
			tsv_fail(t, ti, "is not the inactive tier of the rules, though active is 0");
		int ev = -1;
		if (field_eq(ef, "new", 3))
			ev = EV_NEW;
		else if (field_eq(ef, "lost", 4))
			ev = EV_LOST;
		else if (field_eq(ef, "reactivated", 11))
			ev = EV_REACT;
		else if (ef.n)
			tsv_fail(t, ei, "is not new, lost, reactivated or empty");
		Field rf = t->f[cri];
		int lapse = rf.n >= 5 && memcmp(rf.p, "lapse", 5) == 0;
		int decline = (rf.n >= 7 && memcmp(rf.p + rf.n - 7, "decline", 7) == 0);
		if (risk != (lapse || decline) || (rf.n && !(field_eq(rf, "lapse", 5) ||
		    field_eq(rf, "decline", 7) || field_eq(rf, "lapse+decline", 13))))
			tsv_fail(t, cri, "does not agree with churn_risk");

		/* The total series, and the brand's (found first: finding may
		 * move the array). */
		Series *bs = bi >= 0 ? series_for(x, t->f[bi].p, t->f[bi].n) : NULL;
		Series *ss[2] = { &x->s[0], bs };
		for (int k = 0; k < 2 && ss[k]; k++) {
			Month *m = month_of(ss[k], month);
			m->customers++;
			m->warm += (uint64_t)warm;
			Series *sk = ss[k];
			add_sum(t, sk, month, &m->value, amount, NULL, "value");
			add_sum(t, sk, month, &m->value12, value12, NULL, "value_12m");
			if (active) {
				m->active++;
				m->tc[tier]++;
				add_sum(t, sk, month, &m->tv[tier], amount, x->tiers[tier], "value");
				add_sum(t, sk, month, &m->tv12[tier], value12, x->tiers[tier], "value_12m");
			} else {
				add_sum(t, sk, month, &m->inactive_value, amount, NULL, "inactive_value");
				add_sum(t, sk, month, &m->inactive_value12, value12, NULL, "inactive_value_12m");
			}
			if (ev >= 0)
				m->events[ev]++;
			if (risk) {
				m->risk++;
				m->lapse += (uint64_t)lapse;
				m->decline += (uint64_t)decline;
				add_sum(t, sk, month, &m->risk_value, value12, NULL, "churn.value_at_risk");
				m->trisk[tier]++;
				add_sum(t, sk, month, &m->trv[tier], value12, x->tiers[tier], "value_at_risk");
				if (x->top) {
					Risk r = { value12, bi >= 0 ? xstrndup(t->f[bi].p, t->f[bi].n) : NULL,
						   xstrndup(t->f[ko.ci].p, t->f[ko.ci].n),
						   xstrndup(tf.p, tf.n), xstrndup(rf.p, rf.n), recency };
					keep_risk(x, ss[k], month, &r);
				}
			}
		}
	}
	keyorder_free(&ko);
	if (x->as_of != NO_DAY) {
		x->as_month = month_of_day(x->as_of);
		x->as_days = month_elapsed(x->as_month, x->as_of, &x->as_len);
	}
}

/* ---- writing ---- */

/* share writes PART / WHOLE (0 when WHOLE is 0) with SHARE_DECIMALS; a
 * share beyond 64 bits (a value total near 0 beside large parts) dies
 * naming the figure WHAT (of tier TIER) of S in month MONTH. */
static void share(Out *o, int64_t part, int64_t whole, const Series *s, int32_t month,
		  const char *tier, const char *what)
{
	int64_t q = 0;
	if (whole && mul_div_check(part, pow10_i64[SHARE_DECIMALS], whole, &q)) {
		char during[16], mb[8];
		month_fmt(mb, month);
		snprintf(during, sizeof during, "month %.7s", mb);
		overflow(s, during, tier, what);
	}
	json_fixed(o, q, SHARE_DECIMALS);
}

/* diff returns A - B, dying like share when it overflows. */
static int64_t diff(int64_t a, int64_t b, const Series *s, const char *during, const char *what)
{
	if (sub_check(&a, b))
		overflow(s, during, NULL, what);
	return a;
}

static void month_name(Out *o, int32_t m)
{
	char b[8];
	month_fmt(b, m);
	json_str(o, b, 7);
}

static void u64(Out *o, uint64_t v)
{
	out_u64(o, v);
}

static void i64d(Out *o, int64_t v)
{
	out_i64(o, v);
}

/* month_days returns the days month MON covers: all of them, or those up
 * to the as-of day in a partial month; *PARTIAL says which. */
static int month_days(const Ctx *x, int32_t mon, int *partial)
{
	int len = days_in_month(mon / 12, mon % 12 + 1);
	*partial = x->as_of != NO_DAY && mon == x->as_month && x->as_days < x->as_len;
	return *partial ? x->as_days : len;
}

/* json_day writes DAY as "YYYY-MM-DD", or null for NO_DAY. */
static void json_day(Out *o, int32_t day)
{
	char b[11];
	if (day == NO_DAY) {
		out_str(o, "null");
		return;
	}
	date_fmt(b, day);
	json_str(o, b, 10);
}

static void json_bool(Out *o, int v)
{
	out_str(o, v ? "true" : "false");
}

/* comparable says whether months (or periods) with warm-up rows in A and B
 * may be compared: not by default, their history is incomplete. */
static int comparable(const Ctx *x, uint64_t a, uint64_t b)
{
	return x->keep_warmup || (a == 0 && b == 0);
}

static void write_month(Ctx *x, Out *o, const Series *s, size_t i)
{
	const Month *m = &s->m[i];
	int d = x->decimals, partial;
	int32_t mon = s->lo + (int32_t)i;
	int days = month_days(x, mon, &partial);
	out_char(o, '{');
	json_key(o, "month", 1); month_name(o, mon);
	json_key(o, "days", 0); out_i64(o, days);
	json_key(o, "partial", 0); json_bool(o, partial);
	json_key(o, "warmup", 0); json_bool(o, m->warm > 0);
	json_key(o, "customers", 0); u64(o, m->customers);
	json_key(o, "active", 0); u64(o, m->active);
	json_key(o, "inactive", 0); u64(o, m->customers - m->active);
	json_key(o, "value", 0); json_fixed(o, m->value, d);
	json_key(o, "value_12m", 0); json_fixed(o, m->value12, d);
	json_key(o, "inactive_value", 0); json_fixed(o, m->inactive_value, d);
	json_key(o, "inactive_value_12m", 0); json_fixed(o, m->inactive_value12, d);
	json_key(o, "tiers", 0);
	out_char(o, '{');
	for (size_t k = 0; k < x->ntiers; k++) {
		json_key(o, x->tiers[k], k == 0);
		out_char(o, '{');
		json_key(o, "customers", 1); u64(o, m->tc[k]);
		json_key(o, "share", 0); share(o, (int64_t)m->tc[k], (int64_t)m->active, s, mon, x->tiers[k], "share");
		json_key(o, "value", 0); json_fixed(o, m->tv[k], d);
		json_key(o, "value_share", 0); share(o, m->tv[k], m->value, s, mon, x->tiers[k], "value_share");
		json_key(o, "value_12m", 0); json_fixed(o, m->tv12[k], d);
		json_key(o, "at_risk", 0); u64(o, m->trisk[k]);
		json_key(o, "value_at_risk", 0); json_fixed(o, m->trv[k], d);
		out_char(o, '}');
	}
	out_char(o, '}');
	json_key(o, "events", 0);
	out_char(o, '{');
	json_key(o, "new", 1); u64(o, m->events[EV_NEW]);
	json_key(o, "lost", 0); u64(o, m->events[EV_LOST]);
	json_key(o, "reactivated", 0); u64(o, m->events[EV_REACT]);
	out_char(o, '}');
	json_key(o, "churn", 0);
	out_char(o, '{');
	json_key(o, "at_risk", 1); u64(o, m->risk);
	json_key(o, "share_at_risk", 0); share(o, (int64_t)m->risk, (int64_t)m->active, s, mon, NULL, "churn.share_at_risk");
	json_key(o, "value_at_risk", 0); json_fixed(o, m->risk_value, d);
	json_key(o, "lapse", 0); u64(o, m->lapse);
	json_key(o, "decline", 0); u64(o, m->decline);
	out_char(o, '}');
	/* Change against the same month a year earlier, where there is one
	 * and neither is a warm-up month. A partial month is compared as it
	 * stands, and marked. */
	json_key(o, "yoy", 0);
	if (i < 12 || !comparable(x, m->warm, s->m[i - 12].warm)) {
		out_str(o, "null");
	} else {
		const Month *p = &s->m[i - 12];
		out_char(o, '{');
		json_key(o, "month", 1); month_name(o, s->lo + (int32_t)i - 12);
		json_key(o, "partial", 0); json_bool(o, partial);
		json_key(o, "customers", 0); i64d(o, (int64_t)m->customers - (int64_t)p->customers);
		json_key(o, "active", 0); i64d(o, (int64_t)m->active - (int64_t)p->active);
		char during[40], mb[8];
		month_fmt(mb, mon);
		snprintf(during, sizeof during, "month %.7s", mb);
		json_key(o, "value", 0); json_fixed(o, diff(m->value, p->value, s, during, "yoy.value"), d);
		json_key(o, "value_12m", 0);
		json_fixed(o, diff(m->value12, p->value12, s, during, "yoy.value_12m"), d);
		json_key(o, "new", 0); i64d(o, (int64_t)m->events[EV_NEW] - (int64_t)p->events[EV_NEW]);
		json_key(o, "lost", 0); i64d(o, (int64_t)m->events[EV_LOST] - (int64_t)p->events[EV_LOST]);
		json_key(o, "reactivated", 0);
		i64d(o, (int64_t)m->events[EV_REACT] - (int64_t)p->events[EV_REACT]);
		json_key(o, "at_risk", 0); i64d(o, (int64_t)m->risk - (int64_t)p->risk);
		out_char(o, '}');
	}
	out_char(o, '}');
}

/* Sums over the 12 months ending with month I. */
typedef struct {
	int64_t value;
	uint64_t events[3], active, tm[MAX_TIERS], risk, warm;
} Period;

static void period_sum(const Series *s, size_t i, Period *p)
{
	memset(p, 0, sizeof *p);
	for (size_t k = i - 11; k <= i; k++) {
		const Month *m = &s->m[k];
		if (add_check(&p->value, m->value)) {
			char during[40], mb[8];
			month_fmt(mb, s->lo + (int32_t)i);
			snprintf(during, sizeof during, "the 12 months to %.7s", mb);
			overflow(s, during, NULL, "periods.value");
		}
		p->active += m->active;
		p->risk += m->risk;
		p->warm += m->warm;
		for (int e = 0; e < 3; e++)
			p->events[e] += m->events[e];
		for (size_t t = 0; t < MAX_TIERS; t++)
			p->tm[t] += m->tc[t];
	}
}

static void write_period(Ctx *x, Out *o, const Series *s, size_t i)
{
	Period p, q;
	period_sum(s, i, &p);
	int partial;
	month_days(x, s->lo + (int32_t)i, &partial);
	out_char(o, '{');
	json_key(o, "start", 1); month_name(o, s->lo + (int32_t)i - 11);
	json_key(o, "end", 0); month_name(o, s->lo + (int32_t)i);
	json_key(o, "partial", 0); json_bool(o, partial);
	json_key(o, "warmup", 0); json_bool(o, p.warm > 0);
	json_key(o, "value", 0); json_fixed(o, p.value, x->decimals);
	json_key(o, "new", 0); u64(o, p.events[EV_NEW]);
	json_key(o, "lost", 0); u64(o, p.events[EV_LOST]);
	json_key(o, "reactivated", 0); u64(o, p.events[EV_REACT]);
	json_key(o, "at_risk_months", 0); u64(o, p.risk);
	json_key(o, "active_months", 0); u64(o, p.active);
	json_key(o, "tier_months", 0);
	out_char(o, '{');
	for (size_t k = 0; k < x->ntiers; k++) {
		json_key(o, x->tiers[k], k == 0);
		u64(o, p.tm[k]);
	}
	out_char(o, '}');
	json_key(o, "tier_mix", 0);
	out_char(o, '{');
	for (size_t k = 0; k < x->ntiers; k++) {
		json_key(o, x->tiers[k], k == 0);
		share(o, (int64_t)p.tm[k], (int64_t)p.active, s, s->lo + (int32_t)i, x->tiers[k], "tier_mix");
	}
	out_char(o, '}');
	json_key(o, "yoy", 0);
	if (i >= 23)
		period_sum(s, i - 12, &q);
	if (i < 23 || !comparable(x, p.warm, q.warm)) {
		out_str(o, "null");
	} else {
		out_char(o, '{');
		json_key(o, "end", 1); month_name(o, s->lo + (int32_t)i - 12);
		json_key(o, "partial", 0); json_bool(o, partial);
		char during[40], mb[8];
		month_fmt(mb, s->lo + (int32_t)i);
		snprintf(during, sizeof during, "the 12 months to %.7s", mb);
		json_key(o, "value", 0);
		json_fixed(o, diff(p.value, q.value, s, during, "periods.yoy.value"), x->decimals);
		json_key(o, "new", 0); i64d(o, (int64_t)p.events[EV_NEW] - (int64_t)q.events[EV_NEW]);
		json_key(o, "lost", 0); i64d(o, (int64_t)p.events[EV_LOST] - (int64_t)q.events[EV_LOST]);
		json_key(o, "reactivated", 0);
		i64d(o, (int64_t)p.events[EV_REACT] - (int64_t)q.events[EV_REACT]);
		json_key(o, "active_months", 0); i64d(o, (int64_t)p.active - (int64_t)q.active);
		out_char(o, '}');
	}
	out_char(o, '}');
}

static int cmp_risk(const void *a, const void *b)
{
	return risk_better(a, b) ? -1 : risk_better(b, a) ? 1 : 0;
}

/* names_out writes the N names V as a JSON array. */
static void names_out(Out *o, char *const *v, size_t n)
{
	out_char(o, '[');
	for (size_t k = 0; k < n; k++) {
		if (k)
			out_char(o, ',');
		json_cstr(o, v[k]);
	}
	out_char(o, ']');
}

/* currency returns the money.currency of brand B (NULL: of the defaults). */
static const char *currency(const Ctx *x, const char *b)
{
	return brand_rules_section(&x->rc, b)->currency;
}

static void write_series(Ctx *x, Out *o, Series *s)
{
	int d = x->decimals;
	out_char(o, '{');
	json_key(o, "brand", 1);
	if (s->brand)
		json_cstr(o, s->brand);
	else
		out_str(o, "null");
	/* A brand's own tiers, those its rows carry; all customers: every
	 * brand's, and the defaults' inactive tier. */
	json_key(o, "tiers", 0);
	if (s->brand) {
		const TierRules *tr = &brand_rules(&x->rc, s->brand, strlen(s->brand))->tier;
		names_out(o, tr->tiers, tr->ntiers);
		json_key(o, "inactive_tier", 0); json_cstr(o, tr->inactive);
	} else {
		names_out(o, x->tiers, x->ntiers);
		json_key(o, "inactive_tier", 0); json_cstr(o, x->inactive);
	}
	/* The total of several brands has a currency when they share it. */
	const char *cur = currency(x, s->brand);
	for (size_t i = 1; !s->brand && i < x->ns && cur; i++)
		if (strcmp(currency(x, x->s[i].brand), cur) != 0)
			cur = NULL;
	json_key(o, "currency", 0);
	if (cur)
		json_cstr(o, cur);
	else
		out_str(o, "null");
	json_key(o, "months", 0);
	out_char(o, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			out_char(o, ',');
		out_char(o, '\n');
		write_month(x, o, s, i);
	}
	out_char(o, ']');
	json_key(o, "periods", 0);
	out_char(o, '[');
	for (size_t i = 11; i < s->n; i++) {
		if (i > 11)
			out_char(o, ',');
		out_char(o, '\n');
		write_period(x, o, s, i);
	}
	out_char(o, ']');
	json_key(o, "kpis", 0);
	if (!s->n) {
		out_str(o, "null");
	} else {
		const Month *m = &s->m[s->n - 1];
		int partial, days = month_days(x, s->lo + (int32_t)s->n - 1, &partial);
		out_char(o, '{');
		json_key(o, "month", 1); month_name(o, s->lo + (int32_t)s->n - 1);
		json_key(o, "days", 0); out_i64(o, days);
		json_key(o, "partial", 0); json_bool(o, partial);
		json_key(o, "warmup", 0); json_bool(o, m->warm > 0);
		json_key(o, "customers", 0); u64(o, m->customers);
		json_key(o, "active", 0); u64(o, m->active);
		json_key(o, "value_12m", 0); json_fixed(o, m->value12, d);
		json_key(o, "new", 0); u64(o, m->events[EV_NEW]);
		json_key(o, "at_risk", 0); u64(o, m->risk);
		int32_t mon = s->lo + (int32_t)s->n - 1;
		json_key(o, "share_at_risk", 0);
		share(o, (int64_t)m->risk, (int64_t)m->active, s, mon, NULL, "kpis.share_at_risk");
		json_key(o, "value_at_risk", 0); json_fixed(o, m->risk_value, d);
		json_key(o, "share_of_value_at_risk", 0);
		share(o, m->risk_value, m->value12, s, mon, NULL, "kpis.share_of_value_at_risk");
		out_char(o, '}');
	}
	/* The list of the latest month only: customers at risk earlier had their
	 * month replaced when a later month came. */
	json_key(o, "at_risk", 0);
	out_char(o, '[');
	int latest = s->n && s->risk_month == s->lo + (int32_t)s->n - 1;
	qsort(s->heap, s->nheap, sizeof *s->heap, cmp_risk);
	for (size_t i = 0; latest && i < s->nheap; i++) {
		const Risk *r = &s->heap[i];
		out_str(o, i ? ",\n{" : "\n{");
		json_key(o, "rank", 1); u64(o, i + 1);
		if (x->has_brand) {
			json_key(o, "brand", 0);
			json_cstr(o, r->brand);
		}
		json_key(o, "customer_id", 0); json_cstr(o, r->cust);
		json_key(o, "tier", 0); json_cstr(o, r->tier);
		json_key(o, "value_12m", 0); json_fixed(o, r->value12, d);
		json_key(o, "recency_days", 0);
		if (r->recency >= 0)
			i64d(o, r->recency);
		else
			out_str(o, "null");
		json_key(o, "reason", 0); json_cstr(o, r->reason);
		out_char(o, '}');
	}
	out_str(o, "]}");
}

typedef struct {
	Out *o;
	int first;
} RuleOut;

static void rule_out(void *ctx, const char *key, const RuleEntry *e, const RuleDef *d)
{
	RuleOut *ro = ctx;
	Out *o = ro->o;
	out_str(o, ro->first ? "\n{" : ",\n{");
	ro->first = 0;
	json_key(o, "key", 1); json_cstr(o, key);
	json_key(o, "value", 0); json_cstr(o, e ? e->value : "none");
	json_key(o, "source", 0);
	if (e) {
		char src[600];
		snprintf(src, sizeof src, "%s:%d", e->file, e->line);
		json_cstr(o, src);
	} else {
		out_str(o, "null");
	}
	json_key(o, "unit", 0); json_cstr(o, d->unit);
	json_key(o, "meaning", 0); json_cstr(o, d->doc);
	out_char(o, '}');
}

static void write_doc(Ctx *x, Out *o)
{
	char id[17];
	rules_id(x->rules, id);
	out_char(o, '{');
	json_key(o, "schema", 1); json_cstr(o, "crm-json/1");
	json_key(o, "generator", 0); json_cstr(o, "crm-json " CRM_VERSION);
	json_key(o, "rules", 0);
	out_char(o, '{');
	json_key(o, "id", 1); json_cstr(o, id);
	json_key(o, "keys", 0);
	out_char(o, '[');
	RuleOut ro = { o, 1 };
	rules_each(x->rules, NULL, rule_out, &ro);
	out_char(o, ']');
	/* Each brand with a section: the keys in effect for it. */
	json_key(o, "brands", 0);
	out_char(o, '[');
	for (size_t i = 0; i < x->rules->nbrands; i++) {
		if (i)
			out_char(o, ',');
		out_char(o, '{');
		json_key(o, "brand", 1); json_cstr(o, x->rules->brands[i]);
		json_key(o, "keys", 0);
		out_char(o, '[');
		RuleOut rb = { o, 1 };
		rules_each(x->rules, x->rules->brands[i], rule_out, &rb);
		out_str(o, "]}");
	}
	out_str(o, "]}");
	Series *all = &x->s[0];
	json_key(o, "input", 0);
	out_char(o, '{');
	json_key(o, "rows", 1); u64(o, x->rows);
	json_key(o, "customers", 0); u64(o, x->customers);
	json_key(o, "first_month", 0);
	if (all->n)
		month_name(o, all->lo);
	else
		out_str(o, "null");
	json_key(o, "last_month", 0);
	if (all->n)
		month_name(o, all->lo + (int32_t)all->n - 1);
	else
		out_str(o, "null");
	json_key(o, "period_start", 0); json_day(o, x->start);
	json_key(o, "as_of", 0); json_day(o, x->as_of);
	json_key(o, "brands", 0);
	out_char(o, '[');
	for (size_t i = 1; i < x->ns; i++) {
		if (i > 1)
			out_char(o, ',');
		json_cstr(o, x->s[i].brand);
	}
	out_str(o, "]}");
	json_key(o, "tiers", 0);
	names_out(o, x->tiers, x->ntiers);
	json_key(o, "inactive_tier", 0); json_cstr(o, x->inactive);
	json_key(o, "series", 0);
	out_char(o, '[');
	for (size_t i = 0; i < x->ns; i++) {
		if (i)
			out_char(o, ',');
		out_char(o, '\n');
		write_series(x, o, &x->s[i]);
	}
	out_str(o, "]}\n");
}

/* ---- --ndjson ---- */

static int numeric_column(const char *name)
{
	static const char *const num[] = {
		"orders", "units", "amount", "other_orders", "other_amount", "lines",
		"tenure_months", "recency_days", "orders_f", "value_m", "avg_monthly",
		"avg_order", "active", "warmup", "churn_risk", NULL,
	};
	for (const char *const *p = num; *p; p++)
		if (strcmp(*p, name) == 0)
			return 1;
	return 0;
}

/* ndjson writes each row as an object: the known numeric columns as
 * numbers (checked), the others as strings, an empty field as null. */
static uint64_t ndjson(Tsv *t, Out *o, int decimals)
{
	int *num = xcalloc((size_t)t->ncols, sizeof *num);
	for (int c = 0; c < t->ncols; c++)
		num[c] = numeric_column(t->cols[c]);
	uint64_t rows = 0;
	while (tsv_next(t)) {
		rows++;
		out_char(o, '{');
		for (int c = 0; c < t->ncols; c++) {
			json_key(o, t->cols[c], c == 0);
			Field f = t->f[c];
			if (!f.n) {
				out_str(o, "null");
				continue;
			}
			if (num[c]) {
				int64_t v;
				const char *why = fixed_parse(f.p, f.n, decimals, &v);
				if (why)
					tsv_fail(t, c, why);
				/* As written, less the leading zeros JSON forbids (007, 00.5). */
				size_t z = f.p[0] == '-', k = z;
				while (k + 1 < f.n && f.p[k] == '0' && f.p[k + 1] != '.')
					k++;
				out_write(o, f.p, z);
				out_write(o, f.p + k, f.n - k);
				continue;
			}
			json_str(o, f.p, f.n);
		}
		out_str(o, "}\n");
	}
	free(num);
	return rows;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	int nd = 0;
	OptUint top = { 0, 100000, 0, 0 };
	Ctx x;
	memset(&x, 0, sizeof x);
	x.as_of = x.start = NO_DAY;
	const Opt opts[] = {
		OPT_RULES(&c),
		{ "at-risk", 0, "N", opt_uint, &top, 0, "list the N customers most at risk" },
		{ "keep-warmup", 0, NULL, NULL, &x.keep_warmup, 1, "compare warm-up months in yoy too" },
		{ "ndjson", 0, NULL, NULL, &nd, 1, "one object per row" },
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	if (argc - first > 1)
		usage_fail(usage_text, "one input at most");
	rules_cache_open(&x.rc, c.rules);
	x.rules = x.rc.rules;
	x.decimals = x.rc.money.decimals;
	Tsv t;
	tsv_open(&t, first < argc ? argv[first] : "-");
	Out o;
	out_create(&o, c.output);
	if (nd) {
		ndjson(&t, &o, x.decimals);
	} else {
		x.top = (size_t)top.v;
		add_tiers(&x, &x.rc.def->tier);
		for (size_t i = 0; i < x.rules->nbrands; i++)
			add_tiers(&x, &brand_rules_section(&x.rc, x.rules->brands[i])->tier);
		x.inactive = x.rc.def->tier.inactive;
		x.s = xcalloc(1, sizeof *x.s);
		x.ns = 1;
		x.s[0].heap = xcalloc(x.top ? x.top : 1, sizeof *x.s[0].heap);
		x.s[0].risk_month = INT32_MIN;
		read_rows(&x, &t);
		write_doc(&x, &o);
	}
	out_close(&o);
	tsv_close(&t);
	for (size_t i = 0; i < x.ns; i++) {
		for (size_t k = 0; k < x.s[i].nheap; k++)
			risk_free(&x.s[i].heap[k]);
		free(x.s[i].heap);
		free(x.s[i].m);
		free(x.s[i].brand);
	}
	free(x.s);
	for (size_t k = 0; k < x.ntiers; k++)
		free(x.tiers[k]);
	rules_cache_close(&x.rc);
	return 0;
}
