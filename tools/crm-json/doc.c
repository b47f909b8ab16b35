/* crm-json: the document: its head (schema, rules in effect, input)
 * around the series. */
#include "publish.h"
#include "json.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

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

void write_doc(Ctx *x, Out *o)
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
	json_key(o, "rows", 1); out_u64(o, x->rows);
	json_key(o, "customers", 0); out_u64(o, x->customers);
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
