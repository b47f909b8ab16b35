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

void write_rows(const Ctx *X, const Plan *pl, Out *o)
{
	const BrandRules *br = pl->br;
	char b[32];
	for (size_t i = 0; i < X->ncust; i++) {
		const Cust *u = &X->cust[i];
		if (u->camp < 0)
			continue;
		Offer of;
		offer_value(&of, &br->target.camp[u->camp], u->camp, u->p, u->clv);
		if (X->has_brand) {
			out_write(o, pl->brand, pl->brand_n);
			out_char(o, '\t');
		}
		out_write(o, cust_key(X, u), u->key_n);
		out_char(o, '\t');
		out_str(o, br->target.camp[u->camp].name);
		out_char(o, '\t');
		out_write(o, b, fixed_fmt(b, u->p, 6));
		out_char(o, '\t');
		out_write(o, b, fixed_fmt(b, u->clv, X->decimals));
		out_char(o, '\t');
		put_micro(o, of.profit, X->decimals);
		out_char(o, '\t');
		put_micro(o, of.cost, X->decimals);
		out_char(o, '\t');
		out_u64(o, X->rank[i]);
		out_char(o, '\t');
		out_str(o, tier_name(br, u->tier));
		out_char(o, '\t');
		out_str(o, seg_name(br, u->seg));
		out_char(o, '\t');
		out_write(o, X->rid, 16);
		out_char(o, '\n');
	}
}

/* json_totals writes the members of T: targeted, spend, expected_profit
 * (after a comma). */
static void json_totals(Out *o, const Totals *t, int d)
{
	out_str(o, ",\"targeted\":");
	out_u64(o, t->targeted);
	out_str(o, ",\"spend\":");
	json_micro(o, t->spend, d);
	out_str(o, ",\"expected_profit\":");
	json_micro(o, t->profit, d);
}

/* json_name writes a name, or null when it is empty. */
static void json_name(Out *o, const char *s)
{
	if (*s)
		json_cstr(o, s);
	else
		out_str(o, "null");
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
	out_str(o, ",\"cost\":");
	json_fixed(o, c->cost, d);
	out_str(o, ",\"incentive\":");
	json_fixed(o, c->incentive, d);
	out_str(o, ",\"accept_rate\":");
	json_fixed(o, c->accept, 6);
	out_str(o, ",\"stayer_accept_rate\":");
	json_fixed(o, c->stayer_accept, 6);
	out_str(o, ",\"eligible\":[");
	for (size_t k = 0; k < c->eligible.n; k++) {
		if (k)
			out_char(o, ',');
		json_cstr(o, c->eligible.name[k]);
	}
	out_str(o, "],\"targeted\":");
	out_u64(o, s->targeted);
	out_str(o, ",\"spend\":");
	json_micro(o, s->spend, d);
	out_str(o, ",\"expected_profit\":");
	json_micro(o, s->profit, d);
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
		out_str(o, ",\"targeted\":");
		out_u64(o, s->by_tier[t]);
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
		out_str(o, ",\"label\":");
		json_name(o, none ? "" : br->rfm.seg[g].label);
		out_str(o, ",\"targeted\":");
		out_u64(o, s->by_seg[g]);
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
	out_str(o, ",\"currency\":");
	json_cstr(o, br->currency);
	out_str(o, ",\"budget\":");
	if (pl->budget == INT64_MAX)
		out_str(o, "null");
	else
		json_micro(o, pl->budget, d);
	out_str(o, ",\"customers\":");
	out_u64(o, pl->customers);
	out_str(o, ",\"unscored\":");
	out_u64(o, pl->unscored);
	out_str(o, ",\"candidates\":");
	out_u64(o, pl->candidates);
	json_totals(o, &pl->plan, d);
	out_str(o, ",\"value_saved\":");
	json_micro(o, pl->plan.saved, d);
	out_str(o, ",\"incentives_to_stayers\":");
	json_micro(o, pl->plan.wasted, d);
	out_str(o, ",\"contact_cost\":");
	json_micro(o, pl->plan.contact, d);
	out_str(o, ",\"roi\":");
	if (pl->plan.spend > 0)
		json_fixed(o, mul_div_round(pl->plan.profit, 10000, pl->plan.spend), 4);
	else
		out_str(o, "null");
	out_str(o, ",\"lp_bound\":");
	json_micro(o, pl->bound, d);
	out_str(o, ",\"greedy\":{\"gap\":");
	json_micro(o, pl->bound - pl->greedy.profit, d);
	json_totals(o, &pl->greedy, d);
	out_char(o, '}');
	if (pl->has_exact) {
		out_str(o, ",\"exact\":{\"branches\":");
		out_u64(o, pl->exact_nodes);
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
		out_str(o, ",\"spend\":");
		json_micro(o, p->spend, d);
		out_str(o, ",\"expected_profit\":");
		json_micro(o, p->profit, d);
		out_str(o, ",\"lp_bound\":");
		json_micro(o, p->bound, d);
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
			out_str(o, ",\"tier\":");
			json_cstr(o, br->tier.tiers[0]);
		}
		out_str(o, ",\"budget\":");
		json_micro(o, pl->base_budget, d);
		json_totals(o, &pl->base[b], d);
		out_str(o, ",\"gain\":");
		json_micro(o, pl->plan.profit - pl->base[b].profit, d);
		out_char(o, '}');
	}
	out_str(o, "],\n\"targets\":[");
	for (size_t i = 0; i < pl->ntop; i++) {
		const TopRow *t = &pl->top[i];
		out_str(o, i ? ",\n{\"customer_id\":" : "\n{\"customer_id\":");
		json_cstr(o, t->id);
		out_str(o, ",\"campaign\":");
		json_cstr(o, br->target.camp[t->u.camp].name);
		out_str(o, ",\"p_churn\":");
		json_fixed(o, t->u.p, 6);
		out_str(o, ",\"clv\":");
		json_fixed(o, t->u.clv, d);
		out_str(o, ",\"expected_profit\":");
		json_micro(o, t->o.profit, d);
		out_str(o, ",\"cost\":");
		json_micro(o, t->o.cost, d);
		out_str(o, ",\"rank\":");
		out_u64(o, t->rank);
		out_str(o, ",\"tier\":");
		json_name(o, tier_name(br, t->u.tier));
		out_str(o, ",\"segment\":");
		json_name(o, seg_name(br, t->u.seg));
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
	out_str(o, ",\"p_source\":");
	json_cstr(o, X->has_score ? "p_churn" : "1-p_alive");
	out_str(o, ",\"method\":");
	json_cstr(o, X->exact ? "exact" : "greedy");
	out_str(o, ",\"brands\":[");
	for (size_t i = 0; i < X->nplans; i++)
		json_plan(X, &X->plans[i], o, i == 0);
	out_str(o, "]}\n");
}
