/* crm-json --ndjson: each row as one JSON object. */
#include "publish.h"
#include "json.h"
#include "money.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int numeric_column(const char *name)
{
	static const char *const num[] = {
		"orders", "units", "amount", "other_orders", "other_amount", "lines",
		"tenure_months", "recency_days", "orders_f", "value_m", "avg_monthly",
		"avg_order", "active", "warmup", "churn_risk", NULL,
	};
	for (const char *const *p = num; *p; p++)
		if (strcmp(*p, name) == 0)
			return 1;
	return 0;
}

/* ndjson writes each row as an object: the known numeric columns as
 * numbers (checked), the others as strings, an empty field as null. */
uint64_t ndjson(Tsv *t, Out *o, int decimals)
{
	int *num = xcalloc((size_t)t->ncols, sizeof *num);
	for (int c = 0; c < t->ncols; c++)
		num[c] = numeric_column(t->cols[c]);
	uint64_t rows = 0;
	while (tsv_next(t)) {
		rows++;
		out_char(o, '{');
		for (int c = 0; c < t->ncols; c++) {
			json_key(o, t->cols[c], c == 0);
			Field f = t->f[c];
			if (!f.n) {
				out_str(o, "null");
				continue;
			}
			if (num[c]) {
				int64_t v;
				const char *why = fixed_parse(f.p, f.n, decimals, &v);
				if (why)
					tsv_fail(t, c, why);
				/* As written, less the leading zeros JSON forbids (007, 00.5). */
				size_t z = f.p[0] == '-', k = z;
				while (k + 1 < f.n && f.p[k] == '0' && f.p[k + 1] != '.')
					k++;
				out_write(o, f.p, z);
				out_write(o, f.p + k, f.n - k);
				continue;
			}
			json_str(o, f.p, f.n);
		}
		out_str(o, "}\n");
	}
	free(num);
	return rows;
}
