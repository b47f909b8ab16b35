/* crm-lifecycle: lifecycle events per customer and month.
 *
 * Reads crm-tier's rows and adds `event`: new in the month of the first
 * purchase, lost when active last month and not this month, reactivated
 * when active this month, not last month, and the customer had ordered
 * before the activity window; empty otherwise. In a warm-up month (crm-tier's
 * warmup) a customer's orders before the data are unknown: lost and
 * reactivated cannot occur yet, and a new customer may be an old one. */
#include "brandrules.h"
#include "date.h"
#include "filteropt.h"
#include "keyorder.h"
#include "money.h"
#include "out.h"
#include "progress.h"
#include "rules.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-lifecycle [--rules FILE] [--from YYYY-MM] [--explain] [--stats] [--progress]\n"
	"                     [-o FILE] [FILE]";

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	FilterOpts opt;
	filter_init(&opt);
	const Opt opts[] = {
		OPT_RULES(&opt.c),
		OPT_FILTER_FROM(&opt, "print only months from this one on"),
		OPT_FILTER_END(&opt, "add event_explain",
			       "print rows read and written and each event's count on stderr"),
	};
	RulesCache rc;
	char rid[17];
	filter_start(&opt, argc, argv, usage_text, opts, &rc, rid);
	int explain = opt.explain;
	int32_t from = opt.from;
	Tsv t;
	tsv_open(&t, opt.input);
	int mi = schema_need(&t, "month"), oi = schema_need(&t, "orders");
	int ai = schema_need(&t, "active"), ti = schema_need(&t, "tenure_months");
	int bi = tsv_col(&t, "brand"), wi = tsv_col(&t, "warmup");
	KeyOrder ko;
	keyorder_init(&ko, &t);
	/* Split rows only as far as the columns read by name; the rest
	 * pass as text. */
	tsv_split_found(&t);
	Out o;
	out_create(&o, opt.c.output);
	int rii = filter_header(&o, &t, "crm-lifecycle", explain);

	int wa = 0;
	int prev_active = 0;
	int32_t first_order = INT32_MAX, last_order = INT32_MIN;
	uint64_t rows = 0, written = 0, nnew = 0, nlost = 0, nreact = 0;
	char buf[160], m1[8], m2[8];
	Progress pg;
	progress_init(&pg, opt.c.progress);
	while (tsv_next(&t)) {
		progress_add(&pg, 1);
		rows++;
		size_t keep_n = filter_rules_row(&t, rii, rid);
		int32_t month;
		const char *why = month_parse(t.f[mi].p, t.f[mi].n, &month);
		if (why)
			tsv_fail(&t, mi, why);
		int start = keyorder_next(&ko, &t, month);
		keyorder_whole(&ko, &t, start, ti);
		int64_t orders;
		if ((why = int_parse(t.f[oi].p, t.f[oi].n, &orders)))
			tsv_fail(&t, oi, why);
		Field af = t.f[ai];
		if (af.n != 1 || (af.p[0] != '0' && af.p[0] != '1'))
			tsv_fail(&t, ai, "is not 0 or 1");
		int active = af.p[0] == '1';
		if (start) {
			/* The activity window of the customer's brand. */
			wa = brand_rules(&rc, bi >= 0 ? t.f[bi].p : "", bi >= 0 ? t.f[bi].n : 0)->win.activity;
			prev_active = 0;
			first_order = INT32_MAX;
			last_order = INT32_MIN;
		}
		const char *event = "";
		buf[0] = '\0';
		/* The explanation is written only with --explain. */
		if (start) {
			event = "new";
			nnew++;
			if (explain) {
				month_fmt(m1, month);
				snprintf(buf, sizeof buf, "new: first purchase in %.7s%s", m1,
					 wi >= 0 && field_eq(t.f[wi], "1", 1) ?
					 " (warm-up month: orders before the data are unknown)" : "");
			}
		} else if (prev_active && !active) {
			event = "lost";
			nlost++;
			if (explain) {
				month_fmt(m1, last_order);
				snprintf(buf, sizeof buf, "lost: active last month, no order in %d months since %.7s",
					 wa, m1);
			}
		} else if (active && !prev_active && first_order <= month - wa) {
			/* Active again, and the earlier orders lie before the window. */
			event = "reactivated";
			nreact++;
			if (explain) {
				month_fmt(m1, month);
				month_fmt(m2, last_order);
				snprintf(buf, sizeof buf,
					 "reactivated: order in %.7s, none in the %d months before (last %.7s)",
					 m1, wa, m2);
			}
		}
		if (orders > 0) {
			if (first_order == INT32_MAX)
				first_order = month;
			last_order = month;
		}
		prev_active = active;
		if (month < from)
			continue;
		out_write(&o, t.line, keep_n);
		out_char(&o, '\t');
		out_str(&o, event);
		if (explain) {
			out_char(&o, '\t');
			out_str(&o, buf);
		}
		filter_rules_end(&o, rid);
		out_char(&o, '\n');
		written++;
	}
	progress_end(&pg);
	out_close(&o);
	if (opt.c.stats)
		fprintf(stderr, "crm-lifecycle: %llu rows read, %llu written (%llu before --from left out); "
			"%llu new, %llu lost, %llu reactivated\n", (unsigned long long)rows,
			(unsigned long long)written, (unsigned long long)(rows - written),
			(unsigned long long)nnew, (unsigned long long)nlost, (unsigned long long)nreact);
	keyorder_free(&ko);
	tsv_close(&t);
	rules_cache_close(&rc);
	return 0;
}
