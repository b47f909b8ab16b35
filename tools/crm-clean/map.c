/* crm-clean: the header (the export's columns mapped to the canonical
 * ones), and the date format detected from a sample of records. */
#include "clean.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* delimiter_hint dies naming the delimiter the export seems to use when
 * the header's names hold another (a comma, semicolon, tab or '|') more
 * often than there are names: otherwise a missing column would be blamed
 * on the mapping. */
static void delimiter_hint(const Clean *C, const Str *f, size_t nf)
{
	static const char cand[] = ",;\t|";
	int best = 0;
	size_t most = 0;
	for (int k = 0; cand[k]; k++) {
		size_t n = 0;
		for (size_t j = 0; j < nf; j++)
			for (size_t i = 0; i < f[j].n; i++)
				n += f[j].p[i] == cand[k];
		if ((unsigned char)cand[k] != C->delim && n > most) {
			most = n;
			best = k;
		}
	}
	if (most < nf)
		return;
	char mine[8], theirs[8];
	snprintf(mine, sizeof mine, C->delim == '\t' ? "tab" : "'%c'", C->delim);
	snprintf(theirs, sizeof theirs, cand[best] == '\t' ? "tab" : "'%c'", cand[best]);
	if (nf == 1)
		die("%s:1: the header holds no %s but %s %zu times: the delimiter seems to be %s (give -d %s)",
		    C->name, mine, theirs, most, theirs, theirs);
	die("%s:1: the header splits on %s into %zu names but holds %s %zu times: the delimiter seems to "
	    "be %s (give -d %s)", C->name, mine, nf, theirs, most, theirs, theirs);
}

void header(Clean *C, const Str *f, size_t nf)
{
	C->ncols = (int)nf;
	C->names = xcalloc(nf, sizeof *C->names);
	for (size_t i = 0; i < nf; i++) {
		Str t = trim(f[i]);
		/* A byte order mark may start the first name. */
		if (i == 0 && t.n >= 3 && memcmp(t.p, "\xEF\xBB\xBF", 3) == 0)
			t.p += 3, t.n -= 3;
		C->names[i] = xstrndup(t.p, t.n);
	}
	for (int k = 0; k < NCANON; k++) {
		const char *want = C->map[k] ? C->map[k] : C->rules->column[k];
		C->col[k] = -1;
		for (size_t i = 0; want && *want && i < nf; i++)
			if (strcmp(C->names[i], want) == 0)
				C->col[k] = (int)i;
		int required = k == C_CUSTOMER || k == C_DATE || k == C_SKU || k == C_QTY;
		if (C->col[k] < 0 && required)
			delimiter_hint(C, f, nf);
		if (C->col[k] < 0 && required)
			die("%s:1: no column '%s' for %s (map it with --map %s=NAME)", C->name,
			    want && *want ? want : clean_column_names[k], clean_column_names[k], clean_column_names[k]);
	}
	if (C->col[C_AMOUNT] < 0 && C->col[C_PRICE] < 0)
		die("%s:1: no column for amount or unit_price (map one with --map)", C->name);
	if (C->col[C_CATEGORY] < 0 && !C->products)
		die("%s:1: no column for category: map one, or give --products", C->name);
	if (C->products)
		C->col[C_CATEGORY] = -1;
	Out *o = &C->out;
	if (C->brand || C->col[C_BRAND] >= 0)
		out_str(o, "brand\t");
	out_str(o, "date\t");
	if (C->col[C_ORDER] >= 0)
		out_str(o, "order_id\t");
	out_str(o, "customer_id\tsku\tcategory\tqty\tamount\n");
}

/* detect picks the one date format that reads every sampled date (the
 * most, if none reads all); two that fit equally are ambiguous. */
static void detect(Clean *C)
{
	size_t ok[NFORMAT] = { 0 }, n = 0;
	for (size_t i = 0; i < C->nheld; i++) {
		if (C->held[i].reason >= 0 || (int)C->held[i].nf != C->ncols)
			continue;
		Str d = field(C, C->held[i].f, C_DATE);
		if (!d.n)
			continue;
		n++;
		for (int k = F_ISO; k < NFORMAT; k++) {
			int32_t day;
			ok[k] += parse_date(d.p, d.n, k, &day) == 0;
		}
	}
	int best = -1, tie = 0;
	for (int k = F_ISO; k < NFORMAT; k++) {
		if (best < 0 || ok[k] > ok[best]) {
			best = k;
			tie = 0;
		} else if (ok[k] == ok[best]) {
			tie = 1;
		}
	}
	if (n == 0 || ok[best] == 0) {
		C->date_format = F_ISO; /* no dates to go by: every row will say why */
		return;
	}
	if (tie)
		die("%s: the dates fit more than one format (M/D or D/M?): give --date-format", C->name);
	C->date_format = best;
}

void flush_held(Clean *C)
{
	detect(C);
	C->sample_done = 1;
	for (size_t i = 0; i < C->nheld; i++) {
		struct Held *h = &C->held[i];
		if (h->reason >= 0)
			reject(C, h->line, h->raw, h->raw_n, (Reason)h->reason, h->detail);
		else
			record(C, h->line, h->raw, h->raw_n, h->f, h->nf);
		free(h->detail);
		for (size_t k = 0; k < h->nf; k++)
			free(h->f[k].p);
		free(h->f);
		free(h->raw);
	}
	free(C->held);
	C->held = NULL;
	C->nheld = 0;
}
