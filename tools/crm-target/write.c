/* crm-target: writing the targeted customers (TSV) and the summary (JSON). */
#include "target.h"
#include "date.h"
#include "json.h"
#include "money.h"
#include "util.h"

#include <string.h>

/* put_micro writes V, in micro minor units, as an amount: rounded half away
 * from zero to the minor unit. */
static void put_micro(Out *o, int64_t v, int decimals)
{
	char b[32];
	out_write(o, b, fixed_fmt(b, div_round(v, MICRO), decimals));
}

/* json_micro writes V, in micro minor units, as a JSON amount. */
static void json_micro(Out *o, int64_t v, int decimals)
{
	json_fixed(o, div_round(v, MICRO), decimals);
}

const char *tier_name(const BrandRules *br, int t)
{
	if (t == NO_CLASS)
		return "";
	return t < (int)br->tier.ntiers ? br->tier.tiers[t] : br->tier.inactive;
}

const char *seg_name(const BrandRules *br, int s)
{
	return s == NO_CLASS ? "" : br->rfm.seg[s].name;
}

void write_header(const Ctx *X, Out *o)
{
	if (X->has_brand)
		out_str(o, "brand\t");
	out_str(o, "customer_id\tcampaign\tp_churn\tclv\texpected_profit\tcost\trank\ttier\tsegment\trules_id\n");
}

void put_cust(const Ctx *X, const Plan *pl, const Cust *u, Out *o)
{
	if (X->has_brand) {
		out_write(o, pl->brand, pl->brand_n);
		out_char(o, '\t');
	}
	out_write(o, cust_key(X, u), u->key_n);
	out_char(o, '\t');
}

void put_values(const Ctx *X, const Cust *u, Out *o)
{
	char b[32];
	out_write(o, b, fixed_fmt(b, u->p, 6));
	out_char(o, '\t');
	out_write(o, b, fixed_fmt(b, u->clv, X->decimals));
	out_char(o, '\t');
}

void put_class(const BrandRules *br, const Cust *u, Out *o)
{
	out_str(o, tier_name(br, u->tier));
	out_char(o, '\t');
	out_str(o, seg_name(br, u->seg));
}

void write_rows(const Ctx *X, const Plan *pl, Out *o)
{
	const BrandRules *br = pl->br;
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		if (u->camp < 0)
			continue;
		Offer of;
		offer_value(&of, &br->target.camp[u->camp], u->camp, u->p, u->clv);
		put_cust(X, pl, u, o);
		out_str(o, br->target.camp[u->camp].name);
		out_char(o, '\t');
		put_values(X, u, o);
		put_micro(o, of.profit, X->decimals);
		out_char(o, '\t');
		put_micro(o, of.cost, X->decimals);
		out_char(o, '\t');
		out_u64(o, X->rank[i]);
		out_char(o, '\t');
		put_class(br, u, o);
		out_char(o, '\t');
		out_write(o, X->rid, 16);
		out_char(o, '\n');
	}
}

/* json_name writes a name, or null when it is empty. */
static void json_name(Out *o, const char *s)
{
	if (*s)
		json_cstr(o, s);
	else
		out_str(o, "null");
}

/* m_micro, m_u64, m_fixed, m_cstr and m_name write the member name KEY
 * (with its comma and colon) and a value: an amount in micro minor units,
 * a count, a fixed-point number, a string, a name or null. */
static void m_micro(Out *o, const char *key, int64_t v, int d)
{
	out_str(o, key);
	json_micro(o, v, d);
}
static void m_u64(Out *o, const char *key, uint64_t v)
{
	out_str(o, key);
	out_u64(o, v);
}
static void m_fixed(Out *o, const char *key, int64_t v, int d)
{
	out_str(o, key);
	json_fixed(o, v, d);
}
static void m_cstr(Out *o, const char *key, const char *v)
{
	out_str(o, key);
	json_cstr(o, v);
}
static void m_name(Out *o, const char *key, const char *v)
{
	out_str(o, key);
	json_name(o, v);
}

/* json_totals writes the members of T: targeted, spend, expected_profit
 * (after a comma). */
static void json_totals(Out *o, const Totals *t, int d)
{
	m_u64(o, ",\"targeted\":", t->targeted);
	m_micro(o, ",\"spend\":", t->spend, d);
	m_micro(o, ",\"expected_profit\":", t->profit, d);
}

/* json_campaign writes campaign CI's object of plan PL. */
static void json_campaign(const Ctx *X, const Plan *pl, size_t ci, Out *o)
{
	const BrandRules *br = pl->br;
	const TargetCampaign *c = &br->target.camp[ci];
	const CampSum *s = &pl->camp[ci];
	int d = X->decimals;
	out_str(o, ci ? ",\n{\"name\":" : "\n{\"name\":");
	json_cstr(o, c->name);
	m_fixed(o, ",\"cost\":", c->cost, d);
	m_fixed(o, ",\"incentive\":", c->incentive, d);
	m_fixed(o, ",\"accept_rate\":", c->accept, 6);
	m_fixed(o, ",\"stayer_accept_rate\":", c->stayer_accept, 6);
	out_str(o, ",\"eligible\":[");
	for (size_t k = 0; k < c->eligible.n; k++) {
		if (k)
			out_char(o, ',');
		json_cstr(o, c->eligible.name[k]);
	}
	m_u64(o, "],\"targeted\":", s->targeted);
	m_micro(o, ",\"spend\":", s->spend, d);
	m_micro(o, ",\"expected_profit\":", s->profit, d);
	/* Every tier when tiers are known, so that charts keep their axes;
	 * null collects the customers without one. */
	out_str(o, ",\"by_tier\":[");
	int first = 1;
	for (size_t t = 0; t < br->tier.ntiers + 2; t++) {
		int none = t == br->tier.ntiers + 1;
		if ((none && !s->by_tier[t]) || (!none && !X->has_tier))
			continue;
		out_str(o, first ? "{\"tier\":" : ",{\"tier\":");
		first = 0;
		json_name(o, none ? "" : tier_name(br, (int)t));
		m_u64(o, ",\"targeted\":", s->by_tier[t]);
		out_char(o, '}');
	}
	out_str(o, "],\"by_segment\":[");
	first = 1;
	for (size_t g = 0; g < br->rfm.nseg + 1; g++) {
		int none = g == br->rfm.nseg;
		if ((none && !s->by_seg[g]) || (!none && !X->has_seg))
			continue;
		out_str(o, first ? "{\"segment\":" : ",{\"segment\":");
		first = 0;
		json_name(o, none ? "" : br->rfm.seg[g].name);
		m_name(o, ",\"label\":", none ? "" : br->rfm.seg[g].label);
		m_u64(o, ",\"targeted\":", s->by_seg[g]);
		out_char(o, '}');
	}
	out_str(o, "]}");
}

/* json_plan writes the object of brand plan PL (after a comma unless
 * FIRST). */
static void json_plan(const Ctx *X, const Plan *pl, Out *o, int first)
{
	const BrandRules *br = pl->br;
	int d = X->decimals;
	out_str(o, first ? "\n{\"brand\":" : ",\n{\"brand\":");
	if (pl->brand)
		json_str(o, pl->brand, pl->brand_n);
	else
		out_str(o, "null");
	m_cstr(o, ",\"currency\":", br->currency);
	out_str(o, ",\"budget\":");
	if (pl->budget == INT64_MAX)
		out_str(o, "null");
	else
		json_micro(o, pl->budget, d);
	m_u64(o, ",\"customers\":", pl->customers);
	m_u64(o, ",\"unscored\":", pl->unscored);
	m_u64(o, ",\"candidates\":", pl->candidates);
	json_totals(o, &pl->plan, d);
	m_micro(o, ",\"value_saved\":", pl->plan.saved, d);
	m_micro(o, ",\"incentives_to_stayers\":", pl->plan.wasted, d);
	m_micro(o, ",\"contact_cost\":", pl->plan.contact, d);
	out_str(o, ",\"roi\":");
	if (pl->plan.spend > 0)
		json_fixed(o, mul_div_round(pl->plan.profit, 10000, pl->plan.spend), 4);
	else
		out_str(o, "null");
	m_micro(o, ",\"lp_bound\":", pl->bound, d);
	m_micro(o, ",\"greedy\":{\"gap\":", pl->bound - pl->greedy.profit, d);
	json_totals(o, &pl->greedy, d);
	out_char(o, '}');
	if (pl->has_exact) {
		m_u64(o, ",\"exact\":{\"branches\":", pl->exact_nodes);
		json_totals(o, &pl->plan, d);
		out_char(o, '}');
	}
	out_str(o, ",\"campaigns\":[");
	for (size_t i = 0; i < br->target.ncamp; i++)
		json_campaign(X, pl, i, o);
	out_str(o, "],\n\"curve\":[");
	for (size_t c = 0; c < pl->ncurve; c++) {
		const CurvePoint *p = &pl->curve[c];
		out_str(o, c ? ",{\"budget\":" : "{\"budget\":");
		json_micro(o, p->budget, d);
		m_micro(o, ",\"spend\":", p->spend, d);
		m_micro(o, ",\"expected_profit\":", p->profit, d);
		m_micro(o, ",\"lp_bound\":", p->bound, d);
		out_char(o, '}');
	}
	out_str(o, "],\n\"baselines\":[");
	first = 1;
	for (int b = 0; b < NBASE; b++) {
		if (!pl->has_base[b])
			continue;
		out_str(o, first ? "{\"policy\":" : ",{\"policy\":");
		first = 0;
		json_cstr(o, base_name[b]);
		if (b == BASE_TIER) {
			m_cstr(o, ",\"tier\":", br->tier.tiers[0]);
		}
		m_micro(o, ",\"budget\":", pl->base_budget, d);
		json_totals(o, &pl->base[b], d);
		m_micro(o, ",\"gain\":", pl->plan.profit - pl->base[b].profit, d);
		out_char(o, '}');
	}
	out_str(o, "],\n\"targets\":[");
	for (size_t i = 0; i < pl->ntop; i++) {
		const TopRow *t = &pl->top[i];
		out_str(o, i ? ",\n{\"customer_id\":" : "\n{\"customer_id\":");
		json_cstr(o, t->id);
		m_cstr(o, ",\"campaign\":", br->target.camp[t->u.camp].name);
		m_fixed(o, ",\"p_churn\":", t->u.p, 6);
		m_fixed(o, ",\"clv\":", t->u.clv, d);
		m_micro(o, ",\"expected_profit\":", t->o.profit, d);
		m_micro(o, ",\"cost\":", t->o.cost, d);
		m_u64(o, ",\"rank\":", t->rank);
		m_name(o, ",\"tier\":", tier_name(br, t->u.tier));
		m_name(o, ",\"segment\":", seg_name(br, t->u.seg));
		out_char(o, '}');
	}
	out_str(o, "]}");
}

void write_json(const Ctx *X, Out *o)
{
	out_str(o, "{\"schema\":\"crm-target/1\",\"generator\":\"crm-target " CRM_VERSION "\",\"rules_id\":");
	json_str(o, X->rid, 16);
	out_str(o, ",\"decimals\":");
	out_i64(o, X->decimals);
	out_str(o, ",\"as_of\":");
	if (X->as_of == NO_DAY) {
		out_str(o, "null");
	} else {
		char d[11];
		date_fmt(d, X->as_of);
		json_str(o, d, 10);
	}
	m_cstr(o, ",\"p_source\":", X->has_score ? "p_churn" : "1-p_alive");
	m_cstr(o, ",\"method\":", X->exact ? "exact" : "greedy");
	out_str(o, ",\"brands\":[");
	for (size_t i = 0; i < X->nplans; i++)
		json_plan(X, &X->plans[i], o, i == 0);
	out_str(o, "]}\n");
}
