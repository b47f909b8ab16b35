/* brandrules: typed rules per concern and brand (see brandrules.h). */
#include "brandrules.h"

#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const clean_column_names[CC_NCOLS] = {
	"customer_id", "date", "sku", "category", "qty", "amount", "unit_price", "order_id", "brand",
};

/* enum_word returns the index of word W (N bytes) among NAMES ("a|b|c"),
 * or -1. */
static int enum_word(const char *names, const char *w, size_t n)
{
	int i = 0;
	for (const char *p = names;; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && memcmp(p, w, n) == 0)
			return i;
		if (!bar)
			return -1;
		p = bar + 1;
	}
}

/* rule_enum_word returns the index of WORD among KEY's enumerated values,
 * or -1 when it is not one of them. KEY must be an RK_ENUM key. */
int rule_enum_word(const char *key, const char *word)
{
	const char *name;
	size_t namelen;
	const RuleDef *d = rule_def_find(key, &name, &namelen);
	if (!d || d->kind != RK_ENUM)
		die("rules: '%s' is not a key with enumerated values", key);
	return enum_word(d->names, word, strlen(word));
}

/* rules_enum returns the index of KEY's value (section RB) among the words
 * of its definition; the parser accepted only those words. */
int rules_enum(const Rules *r, const char *rb, const char *key)
{
	const char *v = rules_get(r, rb, key);
	if (!v)
		die("rules: %s is not set", key);
	int i = rule_enum_word(key, v);
	if (i < 0)
		die("rules: %s: '%s' is not one of its values", key, v);
	return i;
}

/* ---- money.*, period.* ---- */

void money_rules_load(MoneyRules *m, const Rules *r)
{
	m->decimals = (int)rules_int(r, NULL, "money.decimals");
	m->max_months = rules_int(r, NULL, "period.max_months");
}

/* ---- window.* ---- */

void window_rules_load(WindowRules *w, const Rules *r, const char *rb)
{
	w->frequency = (int)rules_int(r, rb, "window.frequency_months");
	w->monetary = (int)rules_int(r, rb, "window.monetary_months");
	w->activity = (int)rules_int(r, rb, "window.activity_months");
}

/* ---- tier.* ---- */

/* rule_text returns KEY's value as written, "none" for an unset limit. */
static const char *rule_text(const Rules *r, const char *rb, const char *key)
{
	const char *v = rules_get(r, rb, key);
	return v ? v : "none";
}

/* tier_rules_load reads tier.order, tier.inactive and each tier's three
 * minimums (amounts in 10^-DECIMALS units). The loader (rules_check.c) checks
 * these keys against each other: every tier's keys exist, no name repeats,
 * the inactive tier is not in the order, the last tier has no limits. */
void tier_rules_load(TierRules *t, const Rules *r, const char *rb, int decimals)
{
	memset(t, 0, sizeof *t);
	t->ntiers = rules_list(r, rb, "tier.order", &t->tiers);
	t->inactive = xstrdup(rules_get(r, rb, "tier.inactive"));
	t->inactive_len = strlen(t->inactive);
	size_t k = t->ntiers;
	t->tier_len = xcalloc(k + 1, sizeof *t->tier_len);
	t->avg_monthly = xcalloc(k + 1, sizeof(int64_t));
	t->orders = xcalloc(k + 1, sizeof(int64_t));
	t->avg_order = xcalloc(k + 1, sizeof(int64_t));
	t->has_avg_monthly = xcalloc(k + 1, sizeof(int));
	t->has_orders = xcalloc(k + 1, sizeof(int));
	t->has_avg_order = xcalloc(k + 1, sizeof(int));
	t->t_avg_monthly = xcalloc(k + 1, sizeof(char *));
	t->t_orders = xcalloc(k + 1, sizeof(char *));
	t->t_avg_order = xcalloc(k + 1, sizeof(char *));
	for (size_t i = 0; i < k; i++) {
		char key[300];
		int none;
		t->tier_len[i] = strlen(t->tiers[i]);
		snprintf(key, sizeof key, "tier.%s.min_avg_monthly", t->tiers[i]);
		t->avg_monthly[i] = rules_fixed(r, rb, key, decimals, &none);
		t->has_avg_monthly[i] = !none;
		t->t_avg_monthly[i] = rule_text(r, rb, key);
		snprintf(key, sizeof key, "tier.%s.min_orders", t->tiers[i]);
		t->orders[i] = rules_fixed(r, rb, key, 0, &none);
		t->has_orders[i] = !none;
		t->t_orders[i] = rule_text(r, rb, key);
		snprintf(key, sizeof key, "tier.%s.min_avg_order", t->tiers[i]);
		t->avg_order[i] = rules_fixed(r, rb, key, decimals, &none);
		t->has_avg_order[i] = !none;
		t->t_avg_order[i] = rule_text(r, rb, key);
	}
}

int tier_rules_index(const TierRules *t, const char *p, size_t n)
{
	for (size_t i = 0; i < t->ntiers; i++)
		if (t->tier_len[i] == n && memcmp(t->tiers[i], p, n) == 0)
			return (int)i;
	return -1;
}

void tier_rules_free(TierRules *t)
{
	rules_list_free(t->tiers);
	free(t->tier_len);
	free(t->inactive);
	free(t->avg_monthly);
	free(t->orders);
	free(t->avg_order);
	free(t->has_avg_monthly);
	free(t->has_orders);
	free(t->has_avg_order);
	free(t->t_avg_monthly);
	free(t->t_orders);
	free(t->t_avg_order);
}

/* ---- churn.* ---- */

void churn_rules_load(ChurnRules *ch, const Rules *r, const char *rb)
{
	memset(ch, 0, sizeof *ch);
	ch->ntiers = rules_list(r, rb, "churn.tiers", &ch->tiers);
	ch->tier_len = xmalloc((ch->ntiers + 1) * sizeof *ch->tier_len);
	for (size_t i = 0; i < ch->ntiers; i++)
		ch->tier_len[i] = strlen(ch->tiers[i]);
	ch->recent_months = (int)rules_int(r, rb, "churn.recent_months");
	ch->min_gap_days = rules_int(r, rb, "churn.min_gap_days");
	ch->gap_factor = rules_fixed(r, rb, "churn.gap_factor", 6, NULL);
	ch->drop_ratio = rules_fixed(r, rb, "churn.drop_ratio", 6, NULL);
	ch->t_gap_factor = rules_get(r, rb, "churn.gap_factor");
	ch->t_drop_ratio = rules_get(r, rb, "churn.drop_ratio");
}

void churn_rules_free(ChurnRules *ch)
{
	rules_list_free(ch->tiers);
	free(ch->tier_len);
}

/* ---- rfm.* ---- */

/* rfm_cuts reads the cut points of measure M from KEY of section RB: the
 * parser checked the list (numbers, ascending, rfm.bins - 1 of them). */
static void rfm_cuts(RfmRules *f, const Rules *r, const char *rb, int m, const char *key,
		     int decimals)
{
	const char *v = rules_get(r, rb, key);
	f->quantile[m] = strcmp(v, "quantile") == 0;
	if (f->quantile[m])
		return;
	int n = 0;
	for (const char *c = v; *c && n < RFM_MAXBINS;) {
		const char *comma = strchr(c, ',');
		size_t len = comma ? (size_t)(comma - c) : strlen(c);
		if (m == RFM_M)
			fixed_parse(c, len, decimals, &f->cut[m][n++]);
		else
			int_parse(c, len, &f->cut[m][n++]);
		c += len + (comma != NULL);
	}
}

/* rfm_rules_load reads the rfm.* keys of section RB (monetary cuts in
 * 10^-DECIMALS units). The weights' sum must fit 64 bits, since a score
 * is their weighted sum. */
void rfm_rules_load(RfmRules *f, const Rules *r, const char *rb, int decimals)
{
	memset(f, 0, sizeof *f);
	f->period_days = (int32_t)rules_int(r, rb, "rfm.period_days");
	f->period_months = (int32_t)((f->period_days * 12 + 182) / 365);
	if (f->period_months < 1)
		f->period_months = 1;
	f->bins = (int)rules_int(r, rb, "rfm.bins");
	rfm_cuts(f, r, rb, RFM_R, "rfm.recency.cuts", decimals);
	rfm_cuts(f, r, rb, RFM_F, "rfm.frequency.cuts", decimals);
	rfm_cuts(f, r, rb, RFM_M, "rfm.monetary.cuts", decimals);
	static const char *const wk[3] = { "rfm.weight.r", "rfm.weight.f", "rfm.weight.m" };
	for (int m = 0; m < 3; m++) {
		f->w[m] = rules_fixed(r, rb, wk[m], 6, NULL);
		if (add_check(&f->wsum, f->w[m]))
			die("rules: the rfm.weight values%s%s%s add up beyond 64 bits",
			    rb ? " of brand '" : "", rb ? rb : "", rb ? "'" : "");
	}
	char **names;
	f->nseg = rules_list(r, rb, "rfm.segments", &names);
	f->seg = xcalloc(f->nseg + 1, sizeof *f->seg);
	for (size_t s = 0; s < f->nseg; s++) {
		char key[300];
		static const char *const part[3] = { "r", "f", "m" };
		for (int m = 0; m < 3; m++) {
			snprintf(key, sizeof key, "rfm.segment.%s.%s", names[s], part[m]);
			rules_range(r, rb, key, &f->seg[s].lo[m], &f->seg[s].hi[m]);
		}
		snprintf(key, sizeof key, "rfm.segment.%s.label", names[s]);
		f->seg[s].label = xstrdup(rules_get(r, rb, key));
		snprintf(key, sizeof key, "rfm.segment.%s.action", names[s]);
		f->seg[s].action = xstrdup(rules_get(r, rb, key));
		f->seg[s].name = xstrdup(names[s]);
	}
	rules_list_free(names);
}

void rfm_rules_free(RfmRules *f)
{
	for (size_t s = 0; s < f->nseg; s++) {
		free(f->seg[s].label);
		free(f->seg[s].action);
		free(f->seg[s].name);
	}
	free(f->seg);
}

/* ---- kmeans.* ---- */

void kmeans_rules_load(KmeansRules *k, const Rules *r)
{
	memset(k, 0, sizeof *k);
	k->k = (int)rules_int(r, NULL, "kmeans.k");
	k->n_init = (int)rules_int(r, NULL, "kmeans.n_init");
	k->max_iter = (int)rules_int(r, NULL, "kmeans.max_iter");
	k->seed = (uint64_t)rules_int(r, NULL, "kmeans.seed");
	k->tol = rules_fixed(r, NULL, "kmeans.tol", 6, NULL);
	k->silhouette_sample = (size_t)rules_int(r, NULL, "kmeans.silhouette_sample");
	k->log1p = rules_enum(r, NULL, "kmeans.log1p") == 0;
	k->nfeatures = rules_list(r, NULL, "kmeans.features", &k->features);
	k->recent_z = rules_fixed(r, NULL, "kmeans.recent_max_z", 6, NULL);
	k->engaged_z = rules_fixed(r, NULL, "kmeans.engaged_min_z", 6, NULL);
	static const char *const key[KM_NNAMES] = {
		"kmeans.name.champions", "kmeans.name.loyal", "kmeans.name.new",
		"kmeans.name.at_risk", "kmeans.name.lost",
	};
	for (int i = 0; i < KM_NNAMES; i++)
		k->name[i] = rules_get(r, NULL, key[i]);
	k->name_other = rules_get(r, NULL, "kmeans.name.other");
}

void kmeans_rules_free(KmeansRules *k)
{
	rules_list_free(k->features);
}

/* ---- clean.* ---- */

/* clean_rules_load reads the clean.* keys of section RB; clean.price_decimals
 * below money.decimals (DECIMALS) is an error: a price must hold at least
 * the digits of an amount. */
void clean_rules_load(CleanRules *cl, const Rules *r, const char *rb, int decimals)
{
	memset(cl, 0, sizeof *cl);
	for (int k = 0; k < CC_NCOLS; k++) {
		char key[64];
		snprintf(key, sizeof key, "clean.column.%s", clean_column_names[k]);
		cl->column[k] = rules_get(r, rb, key);
	}
	cl->price_decimals = (int)rules_int(r, NULL, "clean.price_decimals");
	if (cl->price_decimals < decimals) {
		/* Blame the key a rules file set: the built-in values agree. */
		const RuleEntry *p = rules_entry(r, NULL, "clean.price_decimals");
		const RuleEntry *m = rules_entry(r, NULL, "money.decimals");
		if (strcmp(m->file, "default.rules") != 0)
			die("%s:%d: key 'money.decimals': %d is above clean.price_decimals (%d, %s:%d): "
			    "a price holds at least the digits of an amount", m->file, m->line, decimals,
			    cl->price_decimals, p->file, p->line);
		die("%s:%d: key 'clean.price_decimals': %d is below money.decimals (%d, %s:%d): "
		    "a price holds at least the digits of an amount", p->file, p->line, cl->price_decimals,
		    decimals, m->file, m->line);
	}
	cl->date_format = (CleanDateFormat)rules_enum(r, rb, "clean.date_format");
	cl->id_drop_zero_decimals = rules_enum(r, rb, "clean.id_drop_zero_decimals") == 0;
	cl->cancel_prefix = rules_get(r, rb, "clean.cancel_prefix");
	cl->returns = (CleanReturns)rules_enum(r, rb, "clean.returns");
	cl->zero_price_keep = rules_enum(r, rb, "clean.zero_price") == 0;
	int none;
	cl->max_amount = rules_fixed(r, rb, "clean.max_amount", decimals, &none);
	cl->has_max_amount = !none;
	cl->max_qty = rules_fixed(r, rb, "clean.max_qty", 0, &none);
	cl->has_max_qty = !none;
	cl->dedup_exact = rules_enum(r, rb, "clean.dedup") == 0;
	cl->encoding = (CleanEncoding)rules_enum(r, rb, "clean.encoding");
	cl->max_record_lines = (int)rules_int(r, rb, "clean.max_record_lines");
}

/* ---- target.*, campaign.* ---- */

/* target_rules_load reads target.* and each campaign's keys of section RB
 * (amounts in 10^-DECIMALS units). The loader (rules_check.c) checked that
 * every campaign has its keys and that its rates are at most 1. */
void target_rules_load(TargetRules *t, const Rules *r, const char *rb, int decimals)
{
	memset(t, 0, sizeof *t);
	char **names;
	t->ncamp = rules_list(r, rb, "target.campaigns", &names);
	t->camp = xcalloc(t->ncamp + 1, sizeof *t->camp);
	for (size_t i = 0; i < t->ncamp; i++) {
		TargetCampaign *c = &t->camp[i];
		char key[300];
		c->name = names[i];
		snprintf(key, sizeof key, "campaign.%s.cost", c->name);
		c->cost = rules_fixed(r, rb, key, decimals, NULL);
		snprintf(key, sizeof key, "campaign.%s.incentive", c->name);
		c->incentive = rules_fixed(r, rb, key, decimals, NULL);
		snprintf(key, sizeof key, "campaign.%s.accept_rate", c->name);
		c->accept = rules_fixed(r, rb, key, 6, NULL);
		snprintf(key, sizeof key, "campaign.%s.stayer_accept_rate", c->name);
		c->stayer_accept = rules_fixed(r, rb, key, 6, NULL);
		snprintf(key, sizeof key, "campaign.%s.eligible", c->name);
		namelist_load(&c->eligible, r, rb, key);
		c->all_eligible = c->eligible.n == 1 && strcmp(c->eligible.name[0], "all") == 0;
	}
	free(names); /* the names now belong to the campaigns */
	const char *bc = rules_get(r, rb, "target.baseline_campaign");
	for (size_t i = 0; i < t->ncamp; i++)
		if (strcmp(t->camp[i].name, bc) == 0)
			t->baseline = i;
	int none;
	t->budget = rules_fixed(r, rb, "target.budget", decimals, &none);
	t->has_budget = !none;
	t->curve_points = (int)rules_int(r, rb, "target.curve_points");
}

void target_rules_free(TargetRules *t)
{
	for (size_t i = 0; i < t->ncamp; i++) {
		free(t->camp[i].name);
		namelist_free(&t->camp[i].eligible);
	}
	free(t->camp);
}

/* ---- the cache ---- */

static BrandRules *brand_load(const RulesCache *c, const char *rb)
{
	BrandRules *b = xcalloc(1, sizeof *b);
	b->section = rb;
	b->currency = rules_get(c->rules, rb, "money.currency");
	namelist_load(&b->exclude, c->rules, rb, "exclude.categories");
	window_rules_load(&b->win, c->rules, rb);
	tier_rules_load(&b->tier, c->rules, rb, c->money.decimals);
	churn_rules_load(&b->churn, c->rules, rb);
	rfm_rules_load(&b->rfm, c->rules, rb, c->money.decimals);
	clean_rules_load(&b->clean, c->rules, rb, c->money.decimals);
	target_rules_load(&b->target, c->rules, rb, c->money.decimals);
	return b;
}

static void brand_free(BrandRules *b)
{
	if (!b)
		return;
	namelist_free(&b->exclude);
	tier_rules_free(&b->tier);
	churn_rules_free(&b->churn);
	rfm_rules_free(&b->rfm);
	target_rules_free(&b->target);
	free(b);
}

void rules_cache_init(RulesCache *c, Rules *r)
{
	memset(c, 0, sizeof *c);
	c->rules = r;
	money_rules_load(&c->money, r);
	kmeans_rules_load(&c->kmeans, r);
	c->def = brand_load(c, NULL);
	c->sect = xcalloc(r->nbrands + 1, sizeof *c->sect);
	for (size_t i = 0; i < r->nbrands; i++)
		c->sect[i] = brand_load(c, r->brands[i]);
}

void rules_cache_open(RulesCache *c, const char *path)
{
	rules_cache_init(c, rules_load(path));
}

const BrandRules *brand_rules_section(const RulesCache *c, const char *name)
{
	if (!name)
		return c->def;
	for (size_t i = 0; i < c->rules->nbrands; i++)
		if (strcmp(c->rules->brands[i], name) == 0)
			return c->sect[i];
	return c->def;
}

const BrandRules *brand_rules(RulesCache *c, const char *b, size_t n)
{
	if (n == 0)
		return c->def;
	/* Rows come grouped by brand: the latest brand first. */
	if (c->last < c->nseen && c->seen_len[c->last] == n && memcmp(c->seen[c->last], b, n) == 0)
		return c->seen_br[c->last];
	for (size_t i = 0; i < c->nseen; i++)
		if (c->seen_len[i] == n && memcmp(c->seen[i], b, n) == 0)
			return c->seen_br[c->last = i];
	rules_brand_seen(c->rules, b, n);
	c->seen = xrealloc(c->seen, (c->nseen + 1) * sizeof *c->seen);
	c->seen_len = xrealloc(c->seen_len, (c->nseen + 1) * sizeof *c->seen_len);
	c->seen_br = xrealloc(c->seen_br, (c->nseen + 1) * sizeof *c->seen_br);
	c->seen[c->nseen] = xstrndup(b, n);
	c->seen_len[c->nseen] = n;
	c->seen_br[c->nseen] = brand_rules_section(c, c->seen[c->nseen]);
	c->last = c->nseen;
	return c->seen_br[c->nseen++];
}

void rules_cache_close(RulesCache *c)
{
	for (size_t i = 0; i < c->nseen; i++)
		free(c->seen[i]);
	free(c->seen);
	free(c->seen_len);
	free(c->seen_br);
	if (c->sect)
		for (size_t i = 0; i < c->rules->nbrands; i++)
			brand_free(c->sect[i]);
	free(c->sect);
	brand_free(c->def);
	kmeans_rules_free(&c->kmeans);
	rules_free(c->rules);
	memset(c, 0, sizeof *c);
}
