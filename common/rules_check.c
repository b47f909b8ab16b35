/* rules: the checks across keys, once every file is read: lists and the
 * keys of their names, and the relations within a section. */
#include "rules_load.h"
#include "money.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* list_has says whether the comma-separated LIST holds NAME[0..N). */
static int list_has(const char *list, const char *name, size_t n)
{
	for (const char *s = list; *s;) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (len == n && memcmp(s, name, n) == 0)
			return 1;
		s += len + (c != NULL);
	}
	return 0;
}

/* rules_check_all checks every key against the others it names, and marks in
 * STALE (one flag an entry) the keys of a name that a later file's list no
 * longer holds: a user's tier.order without diamond makes the built-in
 * tier.diamond.* keys void, not wrong. A key for an unlisted name set in
 * the list's own file, or after the list, is an error. */
void rules_check_all(Loader *L, unsigned char *stale)
{
	Rules *r = L->r;
	const char *dec = rules_get(r, NULL, "money.decimals");
	int decimals = dec ? atoi(dec) : 2;
	for (size_t i = 0; i < r->n; i++) {
		RuleEntry *e = &r->e[i];
		const char *nm;
		size_t nl;
		rule_def_find(e->key, &nm, &nl);
		if (e->def->names && strchr(e->def->key, '*')) {
			const RuleEntry *le = rules_entry(r, e->brand, e->def->names);
			if (le && le > e && le->file != e->file && !list_has(le->value, nm, nl)) {
				stale[i] = 1;
				continue;
			}
			if (!le || !list_has(le->value, nm, nl)) {
				if (le)
					rules_lerr(L, e->file, e->line, "key '%s': '%.*s' is not listed in %s (%s:%d)",
					           e->key, (int)nl, nm, e->def->names, le->file, le->line);
				else
					rules_lerr(L, e->file, e->line, "key '%s': '%.*s' is not listed in %s",
					           e->key, (int)nl, nm, e->def->names);
			}
		}
		if (e->def->kind == RK_MONEY && strcmp(e->value, "none") != 0) {
			int64_t v;
			const char *why = fixed_parse(e->value, strlen(e->value), decimals, &v);
			if (why)
				rules_lerr(L, e->file, e->line, "key '%s': '%s' %s (money.decimals = %d)",
				           e->key, e->value, why, decimals);
		}
	}
	/* Names used in keys must be plain words, since they become keys. */
	for (size_t i = 0; i < r->n; i++) {
		RuleEntry *e = &r->e[i];
		if (e->def->kind != RK_LIST)
			continue;
		int used = 0;
		for (const RuleDef *d = rule_defs; d->key; d++)
			if (d->names && strchr(d->key, '*') && strcmp(d->names, e->key) == 0)
				used = 1;
		if (!used)
			continue;
		for (const char *s = e->value; *s; s++)
			if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == ','))
				rules_lerr(L, e->file, e->line, "key '%s': names may hold only letters, digits, '_' and '-'",
				           e->key);
		if (!*e->value)
			rules_lerr(L, e->file, e->line, "key '%s' needs at least one name", e->key);
		for (const char *c = e->value; *c;) {
			const char *comma = strchr(c, ',');
			size_t n = comma ? (size_t)(comma - c) : strlen(c);
			if (list_has(c + n + (comma != NULL), c, n))
				rules_lerr(L, e->file, e->line, "key '%s': '%.*s' is listed twice", e->key, (int)n, c);
			c += n + (comma != NULL);
		}
	}
}

/* rules_drop_stale removes the entries rules_check_all marked STALE. */
void rules_drop_stale(Rules *r, const unsigned char *stale)
{
	size_t o = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (stale[i]) {
			free(r->e[i].key);
			free(r->e[i].value);
			free(r->e[i].brand);
			continue;
		}
		r->e[o++] = r->e[i];
	}
	r->n = o;
}

/* later returns whichever of two entries was read last. A check of two keys
 * together blames it: the other was there first (the built-in defaults come
 * before every file), and its file may not be the user's to edit. */
static const RuleEntry *later(const RuleEntry *a, const RuleEntry *b)
{
	return a > b ? a : b;
}

/* check_rfm checks crm-rfm's keys together: cut points fit rfm.bins, every
 * segment has its five keys with ranges within the bins, and the last
 * segment takes every score. */
static void check_rfm(Loader *L, const char *brand)
{
	Rules *r = L->r;
	const RuleEntry *be = rules_entry(r, brand, "rfm.bins");
	if (!be)
		return;
	int bins = atoi(be->value);
	const char *dec = rules_get(r, NULL, "money.decimals");
	int decimals = dec ? atoi(dec) : 2;
	static const char *const cuts[] = { "rfm.recency.cuts", "rfm.frequency.cuts", "rfm.monetary.cuts" };
	for (int i = 0; i < 3; i++) {
		const RuleEntry *e = rules_entry(r, brand, cuts[i]);
		if (!e || strcmp(e->value, "quantile") == 0)
			continue;
		int n = 0, bad = 0;
		int64_t prev = 0;
		for (const char *c = e->value; *c;) {
			const char *comma = strchr(c, ',');
			size_t len = comma ? (size_t)(comma - c) : strlen(c);
			int64_t v;
			const char *why = i == 2 ? fixed_parse(c, len, decimals, &v) : int_parse(c, len, &v);
			if (why || v < 0 || (n > 0 && v <= prev))
				bad = 1;
			prev = v;
			n++;
			c += len + (comma != NULL);
		}
		if (bad || n != bins - 1)
			rules_lerr(L, e->file, e->line, "key '%s': '%s' is not 'quantile' or %d ascending %s "
			           "(rfm.bins - 1)", e->key, e->value, bins - 1, i == 2 ? "amounts >= 0" : "whole numbers >= 0");
	}
	const RuleEntry *w[3] = { rules_entry(r, brand, "rfm.weight.r"), rules_entry(r, brand, "rfm.weight.f"),
				  rules_entry(r, brand, "rfm.weight.m") };
	if (w[0] && w[1] && w[2] && atof(w[0]->value) + atof(w[1]->value) + atof(w[2]->value) <= 0)
		rules_lerr(L, w[0]->file, w[0]->line, "key 'rfm.weight.r': the three rfm weights are all 0");
	const RuleEntry *segs = rules_entry(r, brand, "rfm.segments");
	if (!segs || !*segs->value)
		return;
	static const char *const part[] = { "r", "f", "m", "label", "action" };
	for (const char *c = segs->value; *c;) {
		const char *comma = strchr(c, ',');
		int len = comma ? (int)(comma - c) : (int)strlen(c);
		int all = 1;
		for (int k = 0; k < 5; k++) {
			char key[300];
			snprintf(key, sizeof key, "rfm.segment.%.*s.%s", len, c, part[k]);
			const RuleEntry *e = rules_entry(r, brand, key);
			if (!e) {
				rules_lerr(L, segs->file, segs->line, "key 'rfm.segments': segment '%.*s' has no key '%s'",
				           len, c, key);
				all = 0;
				continue;
			}
			if (k > 2)
				continue;
			int lo, hi;
			sscanf(e->value, "%d-%d", &lo, &hi);
			if (hi > bins)
				rules_lerr(L, e->file, e->line, "key '%s': %s reaches past rfm.bins (%d); every segment "
				           "must be restated for the bins (see rules/examples/rfm-quartiles.rules)",
				           key, e->value, bins);
			if (!comma && (lo != 1 || hi != bins))
				all = 0;
		}
		if (!comma && !all)
			rules_lerr(L, segs->file, segs->line, "key 'rfm.segments': the last segment, '%.*s', must take "
			           "every score (1-%d for r, f and m)", len, c, bins);
		c += len + (comma != NULL);
	}
}

/* check_target checks crm-target's keys together: at most 64 campaigns in
 * target.campaigns, each with its five keys and rates that are shares (at
 * most 1), and target.baseline_campaign one of them. */
static void check_target(Loader *L, const char *brand)
{
	Rules *r = L->r;
	const RuleEntry *camps = rules_entry(r, brand, "target.campaigns");
	if (!camps || !*camps->value)
		return;
	static const char *const part[] = { "cost", "incentive", "accept_rate", "stayer_accept_rate",
					    "eligible" };
	int ncamp = 1;
	for (const char *c = camps->value; *c; c++)
		ncamp += *c == ',';
	if (ncamp > 64)
		rules_lerr(L, camps->file, camps->line, "key 'target.campaigns': %d campaigns, at most 64", ncamp);
	for (const char *c = camps->value; *c;) {
		const char *comma = strchr(c, ',');
		int len = comma ? (int)(comma - c) : (int)strlen(c);
		for (int k = 0; k < 5; k++) {
			char key[300];
			snprintf(key, sizeof key, "campaign.%.*s.%s", len, c, part[k]);
			const RuleEntry *e = rules_entry(r, brand, key);
			if (!e) {
				rules_lerr(L, camps->file, camps->line, "key 'target.campaigns': campaign '%.*s' "
				           "has no key '%s'", len, c, key);
				continue;
			}
			if ((k == 2 || k == 3) && atof(e->value) > 1)
				rules_lerr(L, e->file, e->line, "key '%s': %s is not a share (0 to 1)", key, e->value);
		}
		c += len + (comma != NULL);
	}
	const RuleEntry *bc = rules_entry(r, brand, "target.baseline_campaign");
	if (bc && !list_has(camps->value, bc->value, strlen(bc->value))) {
		if (later(bc, camps) == bc)
			rules_lerr(L, bc->file, bc->line, "key 'target.baseline_campaign': '%s' is not listed in "
			           "target.campaigns (%s:%d)", bc->value, camps->file, camps->line);
		else
			rules_lerr(L, camps->file, camps->line, "key 'target.campaigns': target.baseline_campaign "
			           "(%s:%d) names '%s', which target.campaigns does not list", bc->file, bc->line,
			           bc->value);
	}
}

/* rules_check_section checks what no single key can: relations between keys in
 * effect for BRAND (NULL: the defaults). */
void rules_check_section(Loader *L, const char *brand)
{
	Rules *r = L->r;
	const RuleEntry *order = rules_entry(r, brand, "tier.order");
	if (order && *order->value) {
		static const char *const lim[] = { "min_avg_monthly", "min_orders", "min_avg_order" };
		for (const char *c = order->value; *c;) {
			const char *comma = strchr(c, ',');
			int n = comma ? (int)(comma - c) : (int)strlen(c);
			int limits = 0;
			for (int i = 0; i < 3; i++) {
				char key[300];
				snprintf(key, sizeof key, "tier.%.*s.%s", n, c, lim[i]);
				const RuleEntry *e = rules_entry(r, brand, key);
				if (!e || strcmp(e->value, "none") == 0)
					continue;
				limits++;
				if (comma)
					continue;
				if (later(e, order) == e)
					rules_lerr(L, e->file, e->line, "key '%s': the last tier of tier.order takes every "
					           "active customer and has no limits", key);
				else
					rules_lerr(L, order->file, order->line, "key 'tier.order': the last tier, '%.*s', "
					           "takes every active customer, but %s (%s:%d) sets a limit for it: "
					           "end tier.order with a tier without limits, or set %s = none",
					           n, c, key, e->file, e->line, key);
			}
			if (comma && !limits)
				rules_lerr(L, order->file, order->line, "key 'tier.order': tier '%.*s' has no limits, so "
				           "it would take every active customer and the tiers after it none: set "
				           "tier.%.*s.min_avg_monthly, tier.%.*s.min_orders or tier.%.*s.min_avg_order",
				           n, c, n, c, n, c, n, c);
			c += n + (comma != NULL);
		}
		const RuleEntry *in = rules_entry(r, brand, "tier.inactive");
		if (in && list_has(order->value, in->value, strlen(in->value))) {
			if (later(in, order) == in)
				rules_lerr(L, in->file, in->line, "key 'tier.inactive': '%s' is also in tier.order (%s:%d)",
				           in->value, order->file, order->line);
			else
				rules_lerr(L, order->file, order->line, "key 'tier.order': '%s' is the tier of inactive "
				           "customers, tier.inactive (%s:%d): set tier.inactive to another name",
				           in->value, in->file, in->line);
		}
		const RuleEntry *ct = rules_entry(r, brand, "churn.tiers");
		if (ct) {
			char missing[512];
			size_t mlen = 0;
			missing[0] = '\0';
			for (const char *c = ct->value; *c;) {
				const char *comma = strchr(c, ',');
				size_t n = comma ? (size_t)(comma - c) : strlen(c);
				if (!list_has(order->value, c, n)) {
					if (later(ct, order) == ct)
						rules_lerr(L, ct->file, ct->line, "key 'churn.tiers': '%.*s' is not listed in "
						           "tier.order (%s:%d)", (int)n, c, order->file, order->line);
					else if (mlen + n + 8 < sizeof missing)
						mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s'%.*s'",
									 mlen ? ", " : "", (int)n, c);
				}
				c += n + (comma != NULL);
			}
			if (mlen)
				rules_lerr(L, order->file, order->line, "key 'tier.order': churn.tiers (%s:%d) names %s, "
				           "which tier.order does not list: set churn.tiers to the tiers checked for churn",
				           ct->file, ct->line, missing);
		}
	}
	check_rfm(L, brand);
	check_target(L, brand);
	const RuleEntry *rm = rules_entry(r, brand, "churn.recent_months");
	const RuleEntry *wm = rules_entry(r, brand, "window.monetary_months");
	if (rm && wm && atoi(rm->value) >= atoi(wm->value)) {
		if (later(rm, wm) == rm)
			rules_lerr(L, rm->file, rm->line, "key 'churn.recent_months': %s is not shorter than "
			           "window.monetary_months (%s)", rm->value, wm->value);
		else
			rules_lerr(L, wm->file, wm->line, "key 'window.monetary_months': %s is not longer than "
			           "churn.recent_months (%s, %s:%d)", wm->value, rm->value, rm->file, rm->line);
	}
}
