/* crm-json: reading crm-churn's rows into the series. */
#include "publish.h"
#include "date.h"
#include "filteropt.h"
#include "keyorder.h"
#include "money.h"
#include "schema.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

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
void add_tiers(Ctx *x, const TierRules *tr)
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


/* add_sum adds V to *A, a figure of series S in month MONTH, read from
 * the current row of T; dies naming them when the sum overflows. */
static void add_sum(const Tsv *t, const Series *s, int32_t month, int64_t *a, int64_t v,
		    const char *tier, const char *what)
{
	add_month_at(t->name, (unsigned long long)t->lineno, s, month, a, v, tier, what);
}

void read_rows(Ctx *x, Tsv *t)
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
