/* crm-target: reading. The value stream (crm-clv) drives a merge on the
 * customer key with the optional score, tier and segment streams; each
 * customer gets p, CLV, tier, segment, the offers worth making and their
 * hull, one brand at a time. */
#include "target.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* check_eligible checks that each name of campaign.*.eligible in section
 * BR is a tier or an RFM segment of it (or "all"). */
static void check_eligible(const Rules *r, const BrandRules *br)
{
	const TargetRules *t = &br->target;
	for (size_t i = 0; i < t->ncamp; i++) {
		const TargetCampaign *c = &t->camp[i];
		if (c->all_eligible)
			continue;
		for (size_t k = 0; k < c->eligible.n; k++) {
			const char *nm = c->eligible.name[k];
			int ok = strcmp(nm, "all") != 0 && (tier_rules_index(&br->tier, nm, strlen(nm)) >= 0 ||
							    strcmp(nm, br->tier.inactive) == 0);
			for (size_t s = 0; !ok && s < br->rfm.nseg; s++)
				ok = strcmp(br->rfm.seg[s].name, nm) == 0;
			if (ok)
				continue;
			char key[300];
			snprintf(key, sizeof key, "campaign.%s.eligible", c->name);
			const RuleEntry *e = rules_entry(r, br->section, key);
			die("%s:%d: key '%s': '%s' is %s", e->file, e->line, key, nm,
			    strcmp(nm, "all") == 0 ? "all or nothing: 'all' stands alone"
						   : "neither a tier (tier.order, tier.inactive) nor an RFM segment (rfm.segments)");
		}
	}
}

/* warn_restricted warns of the campaigns of BR that only tiers or segments
 * may get when no stream gives them. */
static void warn_restricted(const BrandRules *br)
{
	for (size_t i = 0; i < br->target.ncamp; i++)
		if (!br->target.camp[i].all_eligible)
			warn("campaign '%s' is for some tiers or segments (campaign.%s.eligible), but neither "
			     "--tiers nor --segments is given: no customer gets it", br->target.camp[i].name,
			     br->target.camp[i].name);
}

void read_open(Ctx *X, const char *clv_path, const char *score_path, const char *tier_path,
	       const char *seg_path)
{
	const Rules *r = X->rc.rules;
	check_eligible(r, X->rc.def);
	for (size_t i = 0; i < r->nbrands; i++)
		check_eligible(r, X->rc.sect[i]);
	if (!tier_path && !seg_path) {
		warn_restricted(X->rc.def);
		for (size_t i = 0; i < r->nbrands; i++)
			warn_restricted(X->rc.sect[i]);
	}
	keystream_open(&X->clv, clv_path, "crm-clv", 1, X->rid);
	X->has_brand = X->clv.bi >= 0;
	X->vc = tsv_need(&X->clv.t, "clv", "crm-clv");
	/* The optional streams: path, producer, one row a key, and the
	 * columns read, each with the tool that adds it. */
	const struct {
		KeyStream *s;
		const char *path, *producer;
		int strict;
		int *has, *col[2];
		const char *name[2], *adds[2];
	} opt[] = {
		{ &X->score, score_path, "crm-model", 0, &X->has_score, { &X->pc, &X->sac },
		  { "p_churn", "as_of" }, { "crm-model predict", "crm-features" } },
		{ &X->tier, tier_path, "crm-tier", 0, &X->has_tier, { &X->tmc, &X->ttc },
		  { "month", "tier" }, { "crm-agg", "crm-tier" } },
		{ &X->seg, seg_path, "crm-rfm", 1, &X->has_seg, { &X->sgc, NULL }, { "segment", NULL },
		  { "crm-rfm", NULL } },
	};
	for (int i = 0; i < 3; i++) {
		*opt[i].has = opt[i].path != NULL;
		if (!opt[i].path)
			continue;
		keystream_open(opt[i].s, opt[i].path, opt[i].producer, opt[i].strict, X->rid);
		for (int k = 0; k < 2 && opt[i].col[k]; k++)
			*opt[i].col[k] = tsv_need(&opt[i].s->t, opt[i].name[k], opt[i].adds[k]);
	}
	if (!X->has_score)
		X->pc = tsv_need(&X->clv.t, "p_alive", "crm-clv");
	KeyStream *all[] = { &X->clv, &X->score, &X->tier, &X->seg };
	const int given[] = { 1, X->has_score, X->has_tier, X->has_seg };
	/* Fields after the last column read are counted, not split. */
	for (int i = 0; i < 4; i++)
		if (given[i])
			tsv_split_found(&all[i]->t);
	for (int i = 1; i < 4; i++)
		if (given[i] && (all[i]->bi >= 0) != X->has_brand)
			die("%s: %s a brand column but %s %s: give streams of the same brands", all[i]->t.name,
			    all[i]->bi >= 0 ? "has" : "has no", X->clv.t.name, X->has_brand ? "has" : "has not");
}

void read_close(Ctx *X)
{
	keystream_close(&X->clv);
	if (X->has_score)
		keystream_close(&X->score);
	if (X->has_tier)
		keystream_close(&X->tier);
	if (X->has_seg)
		keystream_close(&X->seg);
}

/* parse_prob reads a probability "0", "1", "0.25", "1.000" from F into
 * millionths, rounding further digits half up; returns NULL or why not. */
const char *parse_prob(Field f, int64_t *v)
{
	size_t i = 0;
	int64_t whole = 0, frac = 0;
	if (f.n == 0 || f.p[0] < '0' || f.p[0] > '9')
		return "is not a probability (0 to 1)";
	while (i < f.n && f.p[i] >= '0' && f.p[i] <= '9' && whole < 10)
		whole = whole * 10 + (f.p[i++] - '0');
	int digits = 0, up = 0;
	if (i < f.n && f.p[i] == '.') {
		if (++i == f.n)
			return "is not a probability (0 to 1)";
		for (; i < f.n && f.p[i] >= '0' && f.p[i] <= '9'; i++, digits++) {
			if (digits < 6)
				frac = frac * 10 + (f.p[i] - '0');
			else if (digits == 6)
				up = f.p[i] >= '5';
		}
	}
	if (i != f.n)
		return "is not a probability (0 to 1)";
	for (; digits < 6; digits++)
		frac *= 10;
	*v = whole * MICRO + frac + up;
	if (*v > MICRO)
		return "is above 1";
	return NULL;
}

const char *cust_key(const Ctx *X, const Cust *c)
{
	return X->keys + c->key_off;
}

/* Key: the customer key (brand B, customer C) the streams are merged on. */
typedef struct {
	const char *b, *c;
	size_t bn, cn;
} Key;

/* key_seek moves S to K's first row, key_more to its next; both return 0
 * when S has no (more) rows of K. */
static int key_seek(KeyStream *s, const Key *k)
{
	return keystream_seek(s, k->b, k->bn, k->c, k->cn);
}
static int key_more(KeyStream *s, const Key *k)
{
	return keystream_next(s) && keystream_cmp(s, k->b, k->bn, k->c, k->cn) == 0;
}

/* period_at returns the period of column COL of T's row: a day (a month
 * YYYY-MM standing for its last day), or with MONTH a month. */
static int32_t period_at(const Tsv *t, int col, int month)
{
	int32_t d;
	Field a = t->f[col];
	if (month ? month_parse(a.p, a.n, &d) != 0 : day_parse_end(a.p, a.n, &d) != NULL)
		tsv_fail(t, col, month ? "is not a month (YYYY-MM)" : "is not a day (YYYY-MM-DD) or a month (YYYY-MM)");
	return d;
}

/* score_of sets *P from the scores of key (B, C): the latest as_of up to
 * the as-of day (a month YYYY-MM stands for its last day). Returns 0 when
 * the stream has no such row. */
static int score_of(Ctx *X, const Key *k, int64_t *p)
{
	KeyStream *s = &X->score;
	if (!key_seek(s, k))
		return 0;
	int32_t best = NO_DAY;
	int found = 0;
	do {
		X->scores_read++;
		int32_t d = period_at(&s->t, X->sac, 0);
		Field a = s->t.f[X->sac];
		if ((X->as_of != NO_DAY && d > X->as_of) || (found && d <= best)) {
			if (found && d == best)
				tsv_fail_line(&s->t, "customer '%.*s' has two scores as of %.*s", (int)k->cn, k->c,
					      (int)a.n, a.p);
			continue;
		}
		const char *why = parse_prob(s->t.f[X->pc], p);
		if (why)
			tsv_fail(&s->t, X->pc, why);
		best = d;
		found = 1;
	} while (key_more(s, k));
	return found;
}

/* tier_of returns the tier of KEY, at the tier stream's first row of it,
 * in the latest month up to the as-of day: an index of tier.order, ntiers
 * for tier.inactive, or NO_CLASS when every month is later. */
static int tier_of(Ctx *X, const BrandRules *br, const Key *key)
{
	KeyStream *s = &X->tier;
	int32_t best = INT32_MIN, last = X->as_of == NO_DAY ? INT32_MAX : month_of_day(X->as_of);
	int tier = NO_CLASS;
	do {
		X->tiers_read++;
		int32_t m = period_at(&s->t, X->tmc, 1);
		int k = brand_parse_tier(br, s->t.f[X->ttc]);
		if (k < 0)
			tsv_fail(&s->t, X->ttc, "is not a tier of the rules (tier.order, tier.inactive)");
		if (m > last || m <= best)
			continue;
		best = m;
		tier = k;
	} while (key_more(s, key));
	return tier;
}

/* seg_of returns the RFM segment of the segment stream's row, found by
 * its label, and moves past it. */
static int seg_of(Ctx *X, const BrandRules *br)
{
	KeyStream *s = &X->seg;
	X->segs_read++;
	Field f = s->t.f[X->sgc];
	for (size_t i = 0; i < br->rfm.nseg; i++)
		if (field_eq(f, br->rfm.seg[i].label, strlen(br->rfm.seg[i].label))) {
			keystream_next(s);
			return (int)i;
		}
	tsv_fail(&s->t, X->sgc, "is not the label of an RFM segment of the rules (rfm.segment.*.label)");
}

int campaign_eligible(const BrandRules *br, const TargetCampaign *c, const Cust *u)
{
	if (c->all_eligible)
		return 1;
	if (u->tier != NO_CLASS) {
		const char *t = u->tier < (int)br->tier.ntiers ? br->tier.tiers[u->tier] : br->tier.inactive;
		if (namelist_has(&c->eligible, t, strlen(t)))
			return 1;
	}
	if (u->seg != NO_CLASS) {
		const char *s = br->rfm.seg[u->seg].name;
		if (namelist_has(&c->eligible, s, strlen(s)))
			return 1;
	}
	return 0;
}

int brand_parse_tier(const BrandRules *br, Field f)
{
	if (f.n == 0)
		return NO_CLASS;
	int k = tier_rules_index(&br->tier, f.p, f.n);
	if (k < 0 && field_eq(f, br->tier.inactive, br->tier.inactive_len))
		k = (int)br->tier.ntiers;
	return k < 0 ? -2 : k;
}

int brand_parse_seg(const BrandRules *br, Field f)
{
	if (f.n == 0)
		return NO_CLASS;
	for (size_t i = 0; i < br->rfm.nseg; i++)
		if (field_eq(f, br->rfm.seg[i].name, strlen(br->rfm.seg[i].name)))
			return (int)i;
	return -2;
}

/* cust_offers computes U's offers: the positive ones go to X->cand and their
 * hull to X->hull. */
void cust_offers(Ctx *X, const BrandRules *br, Cust *u, Tsv *t)
{
	const TargetRules *tr = &br->target;
	if (X->ncand + tr->ncamp > X->candcap) {
		X->candcap = (X->candcap + tr->ncamp) * 2;
		X->cand = xrealloc(X->cand, X->candcap * sizeof *X->cand);
	}
	if (X->nhull + tr->ncamp > X->hullcap) {
		X->hullcap = (X->hullcap + tr->ncamp) * 2;
		X->hull = xrealloc(X->hull, X->hullcap * sizeof *X->hull);
	}
	size_t first = X->ncand;
	u->npos = 0;
	for (size_t i = 0; i < tr->ncamp; i++) {
		X->last_ok[i] = (uint8_t)campaign_eligible(br, &tr->camp[i], u);
		if (!X->last_ok[i])
			continue;
		Offer *o = &X->cand[X->ncand];
		if (offer_value(o, &tr->camp[i], (int)i, u->p, u->clv))
			tsv_fail(t, X->vc, "makes an expected profit beyond 64 bits");
		X->last[i] = *o;
		if (o->profit > 0) {
			X->ncand++;
			u->npos++;
		}
	}
	u->h_off = (uint32_t)X->nhull;
	u->nh = (uint8_t)build_hull(X->hull + X->nhull, X->cand + first, u->npos, (uint32_t)X->ncust);
	X->nhull += u->nh;
	/* Only --exact looks at offers off the hull. */
	if (!X->exact)
		X->ncand = first;
	if (X->ncand > UINT32_MAX - 64 || X->nhull > UINT32_MAX - 64)
		die("%s: more than 4 billion offers in one brand", t->name);
}

void brand_start(Ctx *X, const BrandRules *br)
{
	X->ncust = X->keys_n = X->nhull = X->ncand = 0;
	X->bcust = X->bcand = 0;
	if (br->target.ncamp + 1 > X->lastcap) {
		X->lastcap = br->target.ncamp + 1;
		X->last = xrealloc(X->last, X->lastcap * sizeof *X->last);
		X->last_ok = xrealloc(X->last_ok, X->lastcap);
	}
	X->budget = brand_budget(X, br);
	select_start(X, br);
}

void cust_add(Ctx *X, const BrandRules *br, const char *c, size_t cn, Cust *u, Tsv *t)
{
	if (X->keys_n + cn > X->keys_cap) {
		X->keys_cap = (X->keys_cap + cn) * 2;
		X->keys = xrealloc(X->keys, X->keys_cap);
	}
	if (X->keys_n + cn > UINT32_MAX)
		die("%s: more than 4 GB of customer ids in one brand", t->name);
	memcpy(X->keys + X->keys_n, c, cn);
	u->key_off = (uint32_t)X->keys_n;
	u->key_n = (uint16_t)cn;
	cust_offers(X, br, u, t);
	if (X->bcust >= UINT32_MAX)
		die("%s: more than 4 billion customers in one brand", t->name);
	uint32_t g = (uint32_t)X->bcust++;
	X->bcand += u->nh > 0;
	X->src = t;
	if (X->selecting && (!select_customer(X, br, u, g) || X->spooling)) {
		if (X->spooling)
			spool_put(X, c, cn, u);
		X->nhull = u->h_off;
		return;
	}
	cust_keep(X, c, cn, u, g);
}

void cust_reserve(Ctx *X, size_t ncust, size_t nhull, size_t nkeys)
{
	if (ncust > X->custcap) {
		X->custcap = ncust;
		X->cust = xrealloc(X->cust, X->custcap * sizeof *X->cust);
	}
	if (ncust > X->gidcap) {
		X->gidcap = ncust;
		X->gid = xrealloc(X->gid, X->gidcap * sizeof *X->gid);
	}
	if (nhull > X->hullcap) {
		X->hullcap = nhull;
		X->hull = xrealloc(X->hull, X->hullcap * sizeof *X->hull);
	}
	if (nkeys > X->keys_cap) {
		X->keys_cap = nkeys;
		X->keys = xrealloc(X->keys, X->keys_cap);
	}
}

void cust_keep(Ctx *X, const char *c, size_t cn, Cust *u, uint32_t g)
{
	if (X->keys_n + cn > X->keys_cap) {
		X->keys_cap = (X->keys_cap + cn) * 2;
		X->keys = xrealloc(X->keys, X->keys_cap);
	}
	memcpy(X->keys + X->keys_n, c, cn);
	u->key_off = (uint32_t)X->keys_n;
	u->key_n = (uint16_t)cn;
	X->keys_n += cn;
	for (int k = 0; k < u->nh; k++)
		X->hull[u->h_off + k].cust = (uint32_t)X->ncust;
	if (X->ncust == X->custcap) {
		X->custcap = X->custcap ? X->custcap * 2 : 1024;
		X->cust = xrealloc(X->cust, X->custcap * sizeof *X->cust);
	}
	if (X->ncust == X->gidcap) {
		X->gidcap = X->gidcap ? X->gidcap * 2 : 1024;
		X->gid = xrealloc(X->gid, X->gidcap * sizeof *X->gid);
	}
	X->gid[X->ncust] = g;
	X->cust[X->ncust++] = *u;
	if (X->selecting && X->ncust >= X->compact_at)
		select_compact(X);
}

const BrandRules *read_brand(Ctx *X, char **brand, size_t *bn)
{
	KeyStream *v = &X->clv;
	if (!v->have)
		return NULL;
	*bn = v->bn;
	*brand = X->has_brand ? xstrndup(v->key, v->bn) : NULL;
	const BrandRules *br = brand_rules(&X->rc, v->key, X->has_brand ? v->bn : 0);
	brand_start(X, br);
	int64_t alive = 0;
	while (v->have && v->bn == *bn && memcmp(v->key, *brand ? *brand : "", *bn) == 0) {
		const char *c = v->key + v->bn + 1;
		size_t cn = v->cn;
		Key k = { v->key, c, *bn, cn };
		if (v->bn + 1 + cn > CRM_KEY_MAX)
			tsv_fail(&v->t, v->ci, "is too long (brand and customer_id over 1024 bytes)");
		X->rows++;
		progress_add(&X->pg, 1);
		Cust u;
		memset(&u, 0, sizeof u);
		u.pick = u.camp = -1;
		const char *why = fixed_parse(v->t.f[X->vc].p, v->t.f[X->vc].n, X->decimals, &u.clv);
		if (why)
			tsv_fail(&v->t, X->vc, why);
		int64_t p;
		if (X->has_score) {
			if (!score_of(X, &k, &p)) {
				X->unscored++;
				keystream_next(v);
				continue;
			}
		} else {
			why = parse_prob(v->t.f[X->pc], &alive);
			if (why)
				tsv_fail(&v->t, X->pc, why);
			p = MICRO - alive;
		}
		u.p = (int32_t)p;
		u.tier = (int16_t)(X->has_tier && key_seek(&X->tier, &k) ? tier_of(X, br, &k) : NO_CLASS);
		u.seg = (int16_t)(X->has_seg && key_seek(&X->seg, &k) ? seg_of(X, br) : NO_CLASS);
		cust_add(X, br, c, cn, &u, &v->t);
		keystream_next(v);
	}
	select_compact(X);
	spool_finish(X, br);
	return br;
}
