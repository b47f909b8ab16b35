/* crm-json: writing a series: its months, 12-month periods, KPIs and
 * at-risk list. */
#include "publish.h"
#include "date.h"
#include "json.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void month_name(Out *o, int32_t m)
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
void json_day(Out *o, int32_t day)
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
void names_out(Out *o, char *const *v, size_t n)
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

void write_series(Ctx *x, Out *o, Series *s)
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
