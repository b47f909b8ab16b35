/* crm-agg: scanning rows into partial groups, and the period they span. */
#include "scan.h"
#include "date.h"
#include "hash.h"
#include "money.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Scan *scan_new(const Agg *a, Span *span)
{
	Scan *s = xcalloc(1, sizeof *s);
	s->a = a;
	s->span = span;
	s->bs = (BlockSpan){ INT32_MAX, INT32_MIN, 0, 0 };
	s->first_day = INT32_MAX;
	s->last_day = INT32_MIN;
	s->ps.share = a->jobs;
	return s;
}

void span_init(Span *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->min_month = INT32_MAX;
	sp->max_month = -1;
}

void scan_free(Scan *s)
{
	for (size_t i = 0; i < s->nbr; i++)
		free(s->br[i].brand);
	free(s->br);
	free(s);
}

/* scan_brand returns the rules of brand B (N bytes) for scanner A. */
static const BrandRules *scan_brand(Scan *a, const char *b, size_t n)
{
	if (a->last && a->last->brand_n == n && (n == 0 || memcmp(a->last->brand, b, n) == 0))
		return a->last->br;
	for (size_t i = 0; i < a->nbr; i++)
		if (a->br[i].brand_n == n && (n == 0 || memcmp(a->br[i].brand, b, n) == 0))
			return (a->last = &a->br[i])->br;
	a->br = xrealloc(a->br, (a->nbr + 1) * sizeof *a->br);
	SeenBrand *r = &a->br[a->nbr++];
	r->brand = n ? xstrndup(b, n) : NULL;
	r->brand_n = n;
	/* Scanning threads share the cache and its record of brands seen;
	 * the BrandRules it hands out stay where they are. */
	pthread_mutex_lock(a->a->rc_mu);
	r->br = brand_rules(a->a->rc, b, n);
	pthread_mutex_unlock(a->a->rc_mu);
	/* Pointers into a->br moved with the realloc. */
	return (a->last = r)->br;
}

void flush_pending(Scan *a)
{
	if (a->pending) {
		partset_add(&a->ps, a->pend_h, &a->pend);
		a->pending = 0;
	}
}


int32_t ymd_days(int32_t k)
{
	return days_from_civil(k >> 9, (k >> 5) & 15, k & 31);
}

/* note_day widens the period of the data to DAY, a tx_ymd(). */
static inline void note_day(Scan *a, int32_t day)
{
	if (day < a->first_day)
		a->first_day = day;
	if (day > a->last_day)
		a->last_day = day;
}

/* span_add widens the period to the month of the current row of T (its
 * date in column DI), dying when the period, from its first month to its
 * last (or --to), grows beyond period.max_months. */
static void span_add(Scan *s, const Tsv *t, int di, int32_t month)
{
	if (!s->span) {
		if (month < s->bs.lo) {
			s->bs.lo = month;
			s->bs.lo_line = t->lineno;
		}
		if (month > s->bs.hi) {
			s->bs.hi = month;
			s->bs.hi_line = t->lineno;
		}
		return;
	}
	const Agg *cf = s->a;
	Span *a = s->span;
	char *at;
	if (month < a->min_month) {
		a->min_month = month;
		at = a->min_at;
	} else if (month > a->max_month) {
		a->max_month = month;
		at = a->max_at;
	} else {
		return;
	}
	if (a->max_month < a->min_month) {
		/* The first date: both ends. */
		a->max_month = a->min_month = month;
		snprintf(a->max_at, sizeof a->max_at, "%s:%llu", t->name, (unsigned long long)t->lineno);
	}
	snprintf(at, sizeof a->min_at, "%s:%llu", t->name, (unsigned long long)t->lineno);
	int32_t hi = cf->to_given ? cf->to : a->max_month;
	if (hi - a->min_month + 1 <= cf->max_months)
		return;
	char lo_m[8], hi_m[8], msg[1600];
	month_fmt(lo_m, a->min_month);
	month_fmt(hi_m, hi);
	const char *other = at == a->min_at ? (cf->to_given ? NULL : a->max_at) : a->min_at;
	snprintf(msg, sizeof msg, "stretches the period to %lld months, %.7s to %.7s (the other end "
		 "set %s%s), beyond period.max_months (%lld): cut the period with --from/--to, "
		 "or raise period.max_months", (long long)(hi - a->min_month + 1), lo_m, hi_m,
		 other ? "at " : "by --to", other ? other : "", (long long)cf->max_months);
	tsv_fail(t, di, msg);
}

void scan_rows(Scan *a, Tsv *tp, const TxCols *cols)
{
	const Agg *cf = a->a;
	const int upto = cols->upto;
	Tsv t = *tp;   /* a local copy the compiler can keep in registers */
	uint8_t key[KEY_MAX];
	Tx x;
	while (tsv_next_raw(&t)) {
		a->rows++;
		if (a->pg && (a->rows & 0xffff) == 0)
			progress_add(a->pg, 0x10000);
		if (!cf->part_n || t.nf <= upto)
			tsv_check(&t);
		tx_head(cols, &t, key, &x);
		const uint8_t *kp = x.key;
		size_t kn = x.keylen;
		int32_t month = x.month;

		/* Lines of one customer and month in a row fold before they are
		 * stored: an order's lines usually come together. */
		int same = a->pending && a->pend.month == month && a->pend.keylen == kn &&
			   key_eq(a->pend_key, kp, kn);
		uint64_t h = same ? a->pend_h : hash_bytes(kp, kn);
		if (cf->part_n) {
			if (hash_range(h, cf->part_n) != cf->part_i) {
				/* All partitions see every date, so they agree on
				 * period_start and period_end. */
				if (!x.date_why && month >= cf->from && x.ymd <= cf->as_of) {
					span_add(a, &t, cols->di, month);
					note_day(a, x.ymd);
				} else if (!x.date_why) {
					a->outside++;
				}
				continue;
			}
			tsv_check(&t);
		}
		tx_body(cols, &t, &x);
		int ex = namelist_has(&scan_brand(a, x.brand, x.brand_n)->exclude, x.cat, x.cat_n);
		uint32_t bit = tx_purchase(&x) ? 1u << (x.d - 1) : 0;
		if (month < cf->from || x.ymd > cf->as_of) {
			/* Checked like every row, then left out: counted for --stats. */
			a->outside++;
			continue;
		}
		span_add(a, &t, cols->di, month);
		note_day(a, x.ymd);
		a->kept++;
		if (!same) {
			flush_pending(a);
			key_copy(a->pend_key, kp, kn);
			a->pend = (Group){ .key = a->pend_key, .keylen = (uint32_t)kn, .month = month };
			a->pend_h = h;
			a->pending = 1;
		}
		Group *g = &a->pend;
		g->lines++;
		int over;
		if (ex) {
			g->omask |= bit;
			over = add_check(&g->ou, x.qty) | add_check(&g->oa, x.amount);
		} else {
			g->cmask |= bit;
			over = add_check(&g->cu, x.qty) | add_check(&g->ca, x.amount);
		}
		if (over)
			tsv_fail_line(&t, "a sum for customer '%.*s' overflows 64 bits", (int)x.cust.n,
				      x.cust.p);
	}
	*tp = t;
}
