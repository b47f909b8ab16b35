#include "schema.h"
#include "util.h"

#include <string.h>

const SchemaCol schema_cols[] = {
	{ "customer_id", "crm-agg", 0 },
	{ "month", "crm-agg", 0 },
	{ "orders", "crm-agg", 0 },
	{ "units", "crm-agg", 0 },
	{ "amount", "crm-agg", 0 },
	{ "first_date", "crm-agg", 0 },
	{ "last_date", "crm-agg", 0 },
	{ "other_orders", "crm-agg", 0 },
	{ "other_amount", "crm-agg", 0 },
	{ "lines", "crm-agg", 0 },
	{ "period_start", "crm-agg", 0 },
	{ "period_end", "crm-agg", 0 },
	{ "tenure_months", "crm-tier", 0 },
	{ "recency_days", "crm-tier", 0 },
	{ "orders_f", "crm-tier", 0 },
	{ "value_m", "crm-tier", 0 },
	{ "avg_monthly", "crm-tier", 0 },
	{ "avg_order", "crm-tier", 0 },
	{ "active", "crm-tier", 0 },
	{ "tier", "crm-tier", 0 },
	{ "tier_explain", "crm-tier", SCHEMA_EXPLAIN },
	{ "warmup", "crm-tier", 0 },
	{ "event", "crm-lifecycle", 0 },
	{ "event_explain", "crm-lifecycle", SCHEMA_EXPLAIN },
	{ "churn_risk", "crm-churn", 0 },
	{ "churn_reason", "crm-churn", 0 },
	{ "churn_explain", "crm-churn", SCHEMA_EXPLAIN },
	{ NULL, NULL, 0 },
};

const char *schema_producer(const char *name)
{
	if (strcmp(name, "rules_id") == 0)
		return "crm-agg";
	for (const SchemaCol *c = schema_cols; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c->producer;
	die("internal error: column '%s' is not in the schema", name);
}

int schema_need(const Tsv *t, const char *name)
{
	return tsv_need(t, name, schema_producer(name));
}

const char *schema_added(const char *producer, int explain, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const SchemaCol *c = schema_cols; c->name; c++) {
		if (strcmp(c->producer, producer) != 0 || ((c->flags & SCHEMA_EXPLAIN) && !explain))
			continue;
		size_t k = strlen(c->name);
		if (n + k + 2 > cap)
			die("internal error: the columns of %s overflow the header buffer", producer);
		if (n)
			buf[n++] = '\t';
		memcpy(buf + n, c->name, k + 1);
		n += k;
	}
	return buf;
}
