/* crm-rfm: the --json document crm-report reads. */
#include "rfm.h"
#include "date.h"
#include "json.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
	uint64_t h;
	uint32_t c;
} Pick;


/* cmp_pick orders the sample: by hash, then by key. */
static int cmp_pick(const void *a, const void *b, void *ctx)
{
	const Pick *x = a, *y = b;
	if (x->h != y->h)
		return (x->h > y->h) - (x->h < y->h);
	return cmp_key(&x->c, &y->c, ctx);
}

void write_json(const Ctx *X, Out *o, const uint32_t *order)
{
	char id[17], asof[11];
	rules_id(X->rules, id);
	date_fmt(asof, X->as_of);
	out_str(o, "{\"schema\":\"crm-rfm/1\",\"generator\":\"crm-rfm " CRM_VERSION "\",\"rules_id\":");
	json_str(o, id, 16);
	out_str(o, ",\"as_of\":");
	json_str(o, asof, 10);
	out_str(o, ",\"input\":");
	json_cstr(o, X->monthly ? "monthly" : "transactions");
	out_str(o, ",\"brands\":[");
	for (size_t bi = 0; bi < X->nbr; bi++) {
		const Brand *b = &X->br[order[bi]];
		out_str(o, bi ? ",\n{\"brand\":" : "\n{\"brand\":");
		if (b->name)
			json_str(o, b->name, b->name_n);
		else
			out_str(o, "null");
		out_str(o, ",\"customers\":");
		out_u64(o, b->n);
		out_str(o, ",\"net_negative\":");
		out_u64(o, b->net_negative);
		out_str(o, ",\"period_days\":");
		out_i64(o, b->r->period_days);
		out_str(o, ",\"bins\":");
		out_i64(o, b->r->bins);
		out_str(o, ",\"thresholds\":{");
		for (int m = 0; m < 3; m++) {
			out_str(o, m ? ",\"" : "\"");
			out_str(o, measure_name[m]);
			out_str(o, "\":[");
			for (int k = 0; k < b->r->bins - 1; k++) {
				if (k)
					out_char(o, ',');
				if (m == M_M)
					json_fixed(o, b->thr[m][k], X->decimals);
				else
					out_i64(o, b->thr[m][k]);
			}
			out_char(o, ']');
		}
		int64_t total;
		SegSum *ss = summarize(X, b, &total);
		out_str(o, "},\"segments\":[");
		for (size_t s = 0; s < b->r->nseg; s++) {
			out_str(o, s ? ",\n{\"label\":" : "\n{\"label\":");
			json_cstr(o, b->r->seg[s].label);
			out_str(o, ",\"action\":");
			json_cstr(o, b->r->seg[s].action);
			out_str(o, ",\"customers\":");
			out_u64(o, ss[s].n);
			out_str(o, ",\"share\":");
			json_fixed(o, ss[s].share, SHARE_D);
			out_str(o, ",\"monetary\":");
			json_fixed(o, ss[s].mon, X->decimals);
			out_str(o, ",\"avg_monetary\":");
			json_fixed(o, ss[s].avg, X->decimals);
			out_str(o, ",\"revenue_share\":");
			json_fixed(o, ss[s].revenue_share, SHARE_D);
			if (ss[s].n) {
				out_str(o, ",\"median_recency\":");
				json_fixed(o, (int64_t)ss[s].med[M_R] * 5, 1);
				out_str(o, ",\"median_frequency\":");
				json_fixed(o, (int64_t)ss[s].med[M_F] * 5, 1);
				out_str(o, ",\"median_monetary\":");
				json_fixed(o, half_round(ss[s].med[M_M]), X->decimals);
			} else {
				out_str(o, ",\"median_recency\":null,\"median_frequency\":null,"
					   "\"median_monetary\":null");
			}
			out_str(o, ",\"ranges\":{");
			static const char *const rk[3] = { "r", "f", "m" };
			for (int m = 0; m < 3; m++) {
				out_str(o, m ? ",\"" : "\"");
				out_str(o, rk[m]);
				out_str(o, "\":[");
				out_i64(o, b->r->seg[s].lo[m]);
				out_char(o, ',');
				out_i64(o, b->r->seg[s].hi[m]);
				out_char(o, ']');
			}
			out_str(o, "}}");
		}
		free(ss);
		/* The R x F grid: customers and monetary value per cell,
		 * grid[f - 1][r - 1]. */
		uint64_t cnt[MAXBINS][MAXBINS] = { { 0 } };
		int64_t mon[MAXBINS][MAXBINS] = { { 0 } };
		for (size_t i = 0; i < b->n; i++) {
			const Cust *u = &X->cust[b->idx[i]];
			cnt[u->score[M_F] - 1][u->score[M_R] - 1]++;
			add_mon(&mon[u->score[M_F] - 1][u->score[M_R] - 1], u->mon, b, "an R x F cell", NULL);
		}
		out_str(o, "],\"grid\":[");
		for (int f = 0; f < b->r->bins; f++) {
			out_str(o, f ? ",[" : "[");
			for (int r = 0; r < b->r->bins; r++) {
				out_str(o, r ? ",[" : "[");
				out_u64(o, cnt[f][r]);
				out_char(o, ',');
				json_fixed(o, mon[f][r], X->decimals);
				out_char(o, ']');
			}
			out_char(o, ']');
		}
		/* A sample for the scatter: the customers with the smallest
		 * key hashes, so it never depends on input order. */
		Pick *p = xmalloc((b->n ? b->n : 1) * sizeof *p);
		for (size_t i = 0; i < b->n; i++)
			p[i] = (Pick){ X->cust[b->idx[i]].h, b->idx[i] };
		qsort_r(p, b->n, sizeof *p, cmp_pick, (void *)X);
		size_t np = b->n < SAMPLE ? b->n : SAMPLE;
		out_str(o, "],\"points\":[");
		for (size_t i = 0; i < np; i++) {
			const Cust *u = &X->cust[p[i].c];
			out_str(o, i ? ",[" : "[");
			out_i64(o, u->recency);
			out_char(o, ',');
			out_u64(o, u->freq);
			out_char(o, ',');
			json_fixed(o, u->mon, X->decimals);
			out_char(o, ',');
			out_u64(o, u->seg);
			out_char(o, ']');
		}
		free(p);
		out_str(o, "]}");
	}
	out_str(o, "]}\n");
}
