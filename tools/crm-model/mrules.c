/* mrules: the model.* keys, read once into a ModelRules. */
#include "brandrules.h"
#include "model.h"
#include "util.h"

#include <string.h>

/* dec reads RK_DEC key KEY as a double (it is kept in millionths). */
static double dec(const Rules *r, const char *key)
{
	return (double)rules_fixed(r, NULL, key, 6, NULL) / 1e6;
}

/* bad dies naming KEY's file and line with WHY. */
static void bad(const Rules *r, const char *key, const char *why)
{
	const RuleEntry *e = rules_entry(r, NULL, key);
	die("%s:%d: key '%s': '%s' %s", e->file, e->line, key, e->value, why);
}

void model_rules_load(ModelRules *m, const Rules *r)
{
	memset(m, 0, sizeof *m);
	MoneyRules mo;
	money_rules_load(&mo, r);
	m->decimals = mo.decimals;
	m->max_depth = (int)rules_int(r, NULL, "model.max_depth");
	m->rounds = (int)rules_int(r, NULL, "model.rounds");
	m->early_stop = (int)rules_int(r, NULL, "model.early_stopping_rounds");
	m->nthread = (int)rules_int(r, NULL, "model.nthread");
	m->max_bin = (int)rules_int(r, NULL, "model.max_bin");
	m->valid_months = (int)rules_int(r, NULL, "model.valid_months");
	m->explain_top = (int)rules_int(r, NULL, "model.explain_top");
	m->logit_rounds = (int)rules_int(r, NULL, "model.logit_rounds");
	m->seed = (uint64_t)rules_int(r, NULL, "model.seed");
	m->eta = dec(r, "model.eta");
	m->min_child_weight = dec(r, "model.min_child_weight");
	m->subsample = dec(r, "model.subsample");
	m->colsample = dec(r, "model.colsample");
	m->scale_pos_weight = dec(r, "model.scale_pos_weight");
	m->tweedie_power = dec(r, "model.tweedie_power");
	m->logit_lambda = dec(r, "model.logit_lambda");
	m->imbalance = rules_enum(r, NULL, "model.imbalance");
	m->revenue_tweedie = rules_enum(r, NULL, "model.revenue_objective") == 0;
	m->contact_cost = rules_fixed(r, NULL, "model.contact_cost", m->decimals, NULL);
	m->saved_value = rules_fixed(r, NULL, "model.saved_value", m->decimals, NULL);
	if (!(m->eta > 0 && m->eta <= 1))
		bad(r, "model.eta", "must be above 0 and at most 1");
	if (!(m->subsample > 0 && m->subsample <= 1))
		bad(r, "model.subsample", "must be above 0 and at most 1");
	if (!(m->colsample > 0 && m->colsample <= 1))
		bad(r, "model.colsample", "must be above 0 and at most 1");
	if (!(m->scale_pos_weight > 0))
		bad(r, "model.scale_pos_weight", "must be above 0");
	if (!(m->tweedie_power > 1 && m->tweedie_power < 2))
		bad(r, "model.tweedie_power", "must be above 1 and below 2");
	rules_id(r, m->rules_id);
}
