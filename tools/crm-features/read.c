/* read: one row of the signal stream into a FMonth. */
#include "feat.h"

#include "date.h"
#include "money.h"
#include "tsv.h"

#include <string.h>

/* field_count returns column COL of T's row as a whole number >= 0. */
static int64_t field_count(const Tsv *t, int col)
{
	int64_t v;
	const char *why = int_parse(t->f[col].p, t->f[col].n, &v);
	if (!why && v < 0)
		why = "is negative";
	if (why)
		tsv_fail(t, col, why);
	return v;
}

/* field_money returns column COL as an amount in minor units. */
static int64_t field_money(const Tsv *t, int col, int decimals)
{
	int64_t v;
	const char *why = fixed_parse(t->f[col].p, t->f[col].n, decimals, &v);
	if (why)
		tsv_fail(t, col, why);
	return v;
}

/* field_day returns column COL as a day number, NO_DAY when empty. */
static int32_t field_day(const Tsv *t, int col)
{
	int32_t d = NO_DAY;
	const char *why;
	if (t->f[col].n && (why = date_parse(t->f[col].p, t->f[col].n, &d)))
		tsv_fail(t, col, why);
	return d;
}

/* sum returns the cumulative sum PREV + V, dying on overflow with the name
 * of column COL. */
static int64_t sum(const Tsv *t, int col, int64_t prev, int64_t v)
{
	if (add_check(&prev, v))
		tsv_fail_line(t, "the customer's total of '%s' overflows 64 bits", t->cols[col]);
	return prev;
}

/* gaps_add carries the purchase days and gaps of PREV (NULL: none) into M
 * and adds M's own. A month of n orders from day a to day b counts as
 * n - 1 gaps of (b - a) / (n - 1): the days between are not in the rows. */
static void gaps_add(const FMonth *prev, FMonth *m)
{
	m->buy_first = prev ? prev->buy_first : NO_DAY;
	m->buy_last = prev ? prev->buy_last : NO_DAY;
	m->gap_sumsq = prev ? prev->gap_sumsq : 0;
	m->gap_last_num = prev ? prev->gap_last_num : 0;
	m->gap_last_den = prev ? prev->gap_last_den : 1;
	if (m->orders == 0)
		return;
	if (m->buy_first == NO_DAY)
		m->buy_first = m->first_day;
	if (m->buy_last != NO_DAY) {
		double g = (double)(m->first_day - m->buy_last);
		m->gap_sumsq += g * g;
		m->gap_last_num = m->first_day - m->buy_last;
		m->gap_last_den = 1;
	}
	if (m->orders >= 2) {
		double span = (double)(m->last_day - m->first_day);
		m->gap_sumsq += span * span / (double)(m->orders - 1);
		m->gap_last_num = m->last_day - m->first_day;
		m->gap_last_den = m->orders - 1;
	}
	m->buy_last = m->last_day;
}

void read_month(const Tsv *t, const Cols *c, Feat *f, const BrandRules *br, int32_t month,
		const FMonth *prev, FMonth *m)
{
	const char *why;
	m->month = month;
	m->orders = field_count(t, c->orders);
	m->amount = field_money(t, c->amount, f->decimals);
	m->other_orders = field_count(t, c->other_orders);
	m->other_amount = field_money(t, c->other_amount, f->decimals);
	m->first_day = field_day(t, c->first_date);
	m->last_day = field_day(t, c->last_date);
	if (m->orders > 0 && (m->first_day == NO_DAY || m->last_day == NO_DAY))
		tsv_fail(t, m->first_day == NO_DAY ? c->first_date : c->last_date,
			 "is empty in a month with orders");
	if (m->first_day != NO_DAY && m->last_day != NO_DAY && m->last_day < m->first_day)
		tsv_fail(t, c->last_date, "is before first_date");
	int32_t mfirst = month_first_day(month), mnext = month_first_day(month + 1);
	if (m->first_day != NO_DAY && (m->first_day < mfirst || m->first_day >= mnext))
		tsv_fail(t, c->first_date, "is not in the row's month");
	if (m->last_day != NO_DAY && (m->last_day < mfirst || m->last_day >= mnext))
		tsv_fail(t, c->last_date, "is not in the row's month");
	/* period_end is the same on every row: parsed again only when its
	 * text changes. */
	Field pf = t->f[c->period_end];
	if (pf.n >= sizeof f->pe_text || memcmp(pf.p, f->pe_text, pf.n) != 0 || f->pe_text[pf.n]) {
		if ((why = day_parse_end(pf.p, pf.n, &f->pe_day)))
			tsv_fail(t, c->period_end, why);
		memcpy(f->pe_text, pf.p, pf.n);
		f->pe_text[pf.n] = '\0';
	}
	m->period_end = f->pe_day;
	if (m->period_end < mfirst)
		tsv_fail(t, c->period_end, "is before the row's month");
	if (m->last_day != NO_DAY && m->last_day > m->period_end)
		tsv_fail(t, c->last_date, "is after period_end");

	Field a = t->f[c->active];
	if (a.n != 1 || (a.p[0] != '0' && a.p[0] != '1'))
		tsv_fail(t, c->active, "is not 0 or 1");
	m->active = a.p[0] == '1';
	Field w = t->f[c->warmup];
	if (w.n != 1 || (w.p[0] != '0' && w.p[0] != '1'))
		tsv_fail(t, c->warmup, "is not 0 or 1");
	m->warmup = w.p[0] == '1';
	m->tier_rank = F_UNKNOWN;
	if (c->tier >= 0) {
		/* An ordinal that grows with value: the inactive tier 0, the
		 * lowest of tier.order 1, its best the count of tiers. */
		Field tf = t->f[c->tier];
		const TierRules *tr = &br->tier;
		int i = tier_rules_index(tr, tf.p, tf.n);
		if (i >= 0)
			m->tier_rank = (int8_t)(tr->ntiers - (size_t)i);
		else if (tf.n == tr->inactive_len && memcmp(tf.p, tr->inactive, tf.n) == 0)
			m->tier_rank = 0;
		else
			tsv_fail(t, c->tier, "is not a tier of tier.order or tier.inactive");
	}
	m->event = F_UNKNOWN;
	if (c->event >= 0) {
		Field e = t->f[c->event];
		if (e.n == 0)
			m->event = EV_NONE;
		else if (field_eq(e, "new", 3))
			m->event = EV_NEW;
		else if (field_eq(e, "lost", 4))
			m->event = EV_LOST;
		else if (field_eq(e, "reactivated", 11))
			m->event = EV_REACTIVATED;
		else
			tsv_fail(t, c->event, "is not new, lost, reactivated or empty");
	}
	m->churn = F_UNKNOWN;
	if (c->churn_risk >= 0) {
		Field r = t->f[c->churn_risk], why_f = t->f[c->churn_reason];
		if (r.n != 1 || (r.p[0] != '0' && r.p[0] != '1'))
			tsv_fail(t, c->churn_risk, "is not 0 or 1");
		m->churn = (int8_t)(r.p[0] == '1' ? CH_RISK : 0);
		if (field_eq(why_f, "lapse", 5))
			m->churn |= CH_LAPSE;
		else if (field_eq(why_f, "decline", 7))
			m->churn |= CH_DECLINE;
		else if (field_eq(why_f, "lapse+decline", 13))
			m->churn |= CH_LAPSE | CH_DECLINE;
		else if (why_f.n)
			tsv_fail(t, c->churn_reason, "is not lapse, decline, lapse+decline or empty");
	}
	gaps_add(prev, m);
	m->cum_orders = sum(t, c->orders, prev ? prev->cum_orders : 0, m->orders);
	m->cum_amount = sum(t, c->amount, prev ? prev->cum_amount : 0, m->amount);
	m->cum_other_orders = sum(t, c->other_orders, prev ? prev->cum_other_orders : 0, m->other_orders);
	m->cum_other_amount = sum(t, c->other_amount, prev ? prev->cum_other_amount : 0, m->other_amount);
}
