/* crm-rfm: the rows, --thresholds and --summary. */
#include "rfm.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

/* put_fixed writes V in 10^-D as a decimal. */
static void put_fixed(Out *o, int64_t v, int d)
{
	char b[32];
	out_write(o, b, fixed_fmt(b, v, d));
}

/* put_money writes the amount V in money.decimals. */
static void put_money(const Ctx *X, Out *o, int64_t v)
{
	put_fixed(o, v, X->decimals);
}

/* rfm_score in hundredths: the weighted mean of the scores, rounded half
 * up. Weights are int64 millionths, so the weighted sum takes 128 bits. */
static int64_t rfm_score(const Brand *b, const Cust *u)
{
	__int128 num = 0;
	for (int m = 0; m < 3; m++)
		num += (__int128)b->r->w[m] * u->score[m];
	return (int64_t)((num * 200 + b->r->wsum) / (2 * (__int128)b->r->wsum));
}

/* put_header writes the header line COLS (tab-separated, ending in a
 * newline) after a brand column, where the input has brands. */
void put_header(const Ctx *X, Out *o, const char *cols)
{
	if (X->has_brand)
		out_str(o, "brand\t");
	out_str(o, cols);
}

/* put_brand writes B's name and a tab, where the input has brands. */
static void put_brand(const Ctx *X, Out *o, const Brand *b)
{
	if (X->has_brand) {
		out_write(o, b->name, b->name_n);
		out_char(o, '\t');
	}
}

void write_rows(const Ctx *X, Out *o, const uint32_t *order)
{
	put_header(X, o, "customer_id\trecency\tfrequency\tmonetary\tr_score\tf_score\tm_score\trfm_score\t"
		   "segment\trecommendation\tsegmented_at\ttenure\n");
	char asof[11];
	date_fmt(asof, X->as_of);
	for (size_t bi = 0; bi < X->nbr; bi++) {
		const Brand *b = &X->br[order[bi]];
		for (size_t i = 0; i < b->n; i++) {
			const Cust *u = &X->cust[b->idx[i]];
			put_brand(X, o, b);
			const char *k = key_of(X, u);
			size_t kn = u->key_n;
			if (X->has_brand) {
				k += b->name_n + 1;
				kn -= b->name_n + 1;
			}
			out_write(o, k, kn);
			out_char(o, '\t');
			out_i64(o, u->recency);
			out_char(o, '\t');
			out_u64(o, u->freq);
			out_char(o, '\t');
			put_money(X, o, u->mon);
			for (int m = 0; m < 3; m++) {
				out_char(o, '\t');
				out_char(o, (char)('0' + u->score[m]));
			}
			out_char(o, '\t');
			put_fixed(o, rfm_score(b, u), 2);
			out_char(o, '\t');
			out_str(o, b->r->seg[u->seg].label);
			out_char(o, '\t');
			out_str(o, b->r->seg[u->seg].action);
			out_char(o, '\t');
			out_write(o, asof, 10);
			out_char(o, '\t');
			out_i64(o, X->as_of - u->first);
			out_char(o, '\n');
		}
	}
}

/* put_measure writes V, a value of measure M, in its unit. */
static void put_measure(const Ctx *X, Out *o, int m, int64_t v)
{
	if (m == M_M)
		put_money(X, o, v);
	else
		out_i64(o, v);
}

void write_thresholds(const Ctx *X, Out *o, const uint32_t *order)
{
	put_header(X, o, "measure\tmethod\tscore\tabove\tup_to\tcustomers\tmin\tmax\n");
	for (size_t bi = 0; bi < X->nbr; bi++) {
		const Brand *b = &X->br[order[bi]];
		for (int m = 0; m < 3; m++) {
			uint64_t cnt[MAXBINS + 1] = { 0 };
			int64_t mn[MAXBINS + 1], mx[MAXBINS + 1];
			for (size_t i = 0; i < b->n; i++) {
				const Cust *u = &X->cust[b->idx[i]];
				int s = u->score[m];
				int64_t v = measure(u, m);
				if (!cnt[s]++ || v < mn[s])
					mn[s] = v;
				if (cnt[s] == 1 || v > mx[s])
					mx[s] = v;
			}
			for (int s = b->r->bins; s >= 1; s--) {
				/* Score s holds values in (thr[k-1], thr[k]] with k = s - 1
				 * (frequency, monetary) or k = bins - s (recency). */
				int k = m == M_R ? b->r->bins - s : s - 1;
				put_brand(X, o, b);
				out_str(o, measure_name[m]);
				out_str(o, b->r->quantile[m] ? "\tquantile\t" : "\tcuts\t");
				out_char(o, (char)('0' + s));
				out_char(o, '\t');
				if (k > 0)
					put_measure(X, o, m, b->thr[m][k - 1]);
				out_char(o, '\t');
				if (k < b->r->bins - 1)
					put_measure(X, o, m, b->thr[m][k]);
				out_char(o, '\t');
				out_u64(o, cnt[s]);
				out_char(o, '\t');
				if (cnt[s])
					put_measure(X, o, m, mn[s]);
				out_char(o, '\t');
				if (cnt[s])
					put_measure(X, o, m, mx[s]);
				out_char(o, '\n');
			}
		}
	}
}

void write_summary(const Ctx *X, Out *o, const uint32_t *order)
{
	put_header(X, o, "segment\tcustomers\tshare\tmonetary\tavg_monetary\trevenue_share\t"
		   "median_recency\tmedian_frequency\tmedian_monetary\trecommendation\n");
	for (size_t bi = 0; bi < X->nbr; bi++) {
		const Brand *b = &X->br[order[bi]];
		int64_t total;
		SegSum *ss = summarize(X, b, &total);
		for (size_t s = 0; s < b->r->nseg; s++) {
			put_brand(X, o, b);
			out_str(o, b->r->seg[s].label);
			out_char(o, '\t');
			out_u64(o, ss[s].n);
			out_char(o, '\t');
			put_fixed(o, ss[s].share, SHARE_D);
			out_char(o, '\t');
			put_money(X, o, ss[s].mon);
			out_char(o, '\t');
			put_money(X, o, ss[s].avg);
			out_char(o, '\t');
			put_fixed(o, ss[s].revenue_share, SHARE_D);
			out_char(o, '\t');
			/* An empty segment has no medians. */
			if (ss[s].n)
				put_fixed(o, (int64_t)ss[s].med[M_R] * 5, 1);
			out_char(o, '\t');
			if (ss[s].n)
				put_fixed(o, (int64_t)ss[s].med[M_F] * 5, 1);
			out_char(o, '\t');
			if (ss[s].n)
				put_money(X, o, half_round(ss[s].med[M_M]));
			out_char(o, '\t');
			out_str(o, b->r->seg[s].action);
			out_char(o, '\n');
		}
		free(ss);
	}
}
