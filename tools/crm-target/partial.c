/* crm-target --partial and --combine: one allocation over hash partitions
 * of the customers, in two phases. Each partition writes, brand by brand,
 * a row of its counts (customers, unscored, candidates) with the budget
 * and the inputs it was planned with, then the customers that a plan of
 * every partition together may still reach with that budget (select.c:
 * a partition's customers alone reach no fewer than all of them do): their
 * p, CLV, tier and segment. --combine merges the partials on the key and
 * plans as one run over all customers would: the same bytes. */
#include "target.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Part: one partial being merged. */
struct Part {
	Tsv t;
	int bi, ci, pc, vc, tc, sc, nc, uc, kc, bc, ic, ac;
	int have;
};

/* inputs_str writes the inputs of X (--scores, --tiers, --segments,
 * --exact) into B as a comma-separated list, "-" for none. */
static const char *inputs_str(const Ctx *X, char *b)
{
	b[0] = 0;
	const char *nm[] = { "scores", "tiers", "segments", "exact" };
	const int on[] = { X->has_score, X->has_tier, X->has_seg, X->exact };
	for (int i = 0; i < 4; i++)
		if (on[i])
			strcat(strcat(b, *b ? "," : ""), nm[i]);
	return *b ? b : "-";
}

void partial_header(const Ctx *X, Out *o)
{
	if (X->has_brand)
		out_str(o, "brand\t");
	out_str(o, "customer_id\tp_churn\tclv\ttier\tsegment\tcustomers\tunscored\tcandidates\tbudget\tinputs\t"
		   "as_of\trules_id\n");
}

void partial_rows(const Ctx *X, const Plan *pl, Out *o)
{
	const BrandRules *br = pl->br;
	char b[64];
	if (X->has_brand) {
		out_write(o, pl->brand, pl->brand_n);
		out_char(o, '\t');
	}
	out_str(o, "\t\t\t\t\t");
	const uint64_t counts[] = { X->bcust, pl->unscored, X->bcand };
	for (int i = 0; i < 3; i++) {
		out_u64(o, counts[i]);
		out_char(o, '\t');
	}
	if (X->budget == INT64_MAX)
		out_str(o, "none");
	else
		out_write(o, b, fixed_fmt(b, X->budget / MICRO, X->decimals));
	out_char(o, '\t');
	out_str(o, inputs_str(X, b));
	out_char(o, '\t');
	if (X->as_of == NO_DAY) {
		out_char(o, '-');
	} else {
		date_fmt(b, X->as_of);
		out_write(o, b, 10);
	}
	out_char(o, '\t');
	out_write(o, X->rid, 16);
	out_char(o, '\n');
	for (size_t i = 0; i < X->ncust; i++) {
		put_cust(X, pl, &X->cust[i], o);
		put_values(X, &X->cust[i], o);
		put_class(br, &X->cust[i], o);
		out_str(o, "\t\t\t\t\t\t\t");
		out_write(o, X->rid, 16);
		out_char(o, '\n');
	}
}

/* part_next reads P's next row, checking its fingerprint. */
static void part_next(const Ctx *X, struct Part *p)
{
	p->have = tsv_next(&p->t);
	if (p->have && !field_eq(p->t.f[p->t.ncols - 1], X->rid, 16))
		tsv_fail(&p->t, p->t.ncols - 1, "is not the fingerprint of these rules: the partial was made with "
			 "other rules (crm-rules id)");
}

void combine_open(Ctx *X)
{
	size_t n = 0;
	while (X->combine[n])
		n++;
	X->nparts = n;
	X->parts = xcalloc(n + 1, sizeof *X->parts);
	for (size_t i = 0; i < n; i++) {
		struct Part *p = &X->parts[i];
		tsv_open(&p->t, X->combine[i]);
		const char *pr = "crm-target --partial";
		p->bi = tsv_col(&p->t, "brand");
		p->ci = tsv_need(&p->t, "customer_id", pr);
		p->pc = tsv_need(&p->t, "p_churn", pr);
		p->vc = tsv_need(&p->t, "clv", pr);
		p->tc = tsv_need(&p->t, "tier", pr);
		p->sc = tsv_need(&p->t, "segment", pr);
		p->nc = tsv_need(&p->t, "customers", pr);
		p->uc = tsv_need(&p->t, "unscored", pr);
		p->kc = tsv_need(&p->t, "candidates", pr);
		p->bc = tsv_need(&p->t, "budget", pr);
		p->ic = tsv_need(&p->t, "inputs", pr);
		p->ac = tsv_need(&p->t, "as_of", pr);
		if (tsv_need(&p->t, "rules_id", pr) != p->t.ncols - 1)
			die("%s: rules_id is not the last column: not a partial of crm-target --partial", p->t.name);
		if (i && (p->bi >= 0) != X->has_brand)
			die("%s: %s a brand column but %s %s", p->t.name, p->bi >= 0 ? "has" : "has no",
			    X->parts[0].t.name, X->has_brand ? "has" : "has not");
		X->has_brand = p->bi >= 0;
		part_next(X, p);
	}
}

void combine_close(Ctx *X)
{
	for (size_t i = 0; i < X->nparts; i++)
		tsv_close(&X->parts[i].t);
	free(X->parts);
}

/* part_brand returns P's current row's brand. */
static Field part_brand(const struct Part *p)
{
	return p->bi >= 0 ? p->t.f[p->bi] : (Field){ "", 0 };
}

/* field_cmp compares A and B in byte order. */
static int field_cmp(Field a, Field b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int c = memcmp(a.p, b.p, n);
	return c ? c : (a.n > b.n) - (a.n < b.n);
}

/* is_count says whether P's current row is a brand's counts. */
static int is_count(const struct Part *p)
{
	return p->t.f[p->nc].n > 0;
}

/* parse_count reads column COL of P's current row as a count. */
static uint64_t parse_count(struct Part *p, int col)
{
	Field f = p->t.f[col];
	uint64_t v = 0;
	if (f.n == 0 || f.n > 19)
		tsv_fail(&p->t, col, "is not a count");
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			tsv_fail(&p->t, col, "is not a count");
		v = v * 10 + (uint64_t)(f.p[i] - '0');
	}
	return v;
}

/* take_counts adds the counts row of P to X and sets, from the first
 * partial, the budget and the inputs, which every other must repeat. */
static void take_counts(Ctx *X, struct Part *p, int first, uint64_t *cust, uint64_t *unsc, uint64_t *cand)
{
	*cust += parse_count(p, p->nc);
	*unsc += parse_count(p, p->uc);
	*cand += parse_count(p, p->kc);
	Field b = p->t.f[p->bc], in = p->t.f[p->ic], a = p->t.f[p->ac];
	int64_t budget = INT64_MAX;
	if (!field_eq(b, "none", 4)) {
		int64_t v;
		if (fixed_parse(b.p, b.n, X->decimals, &v) || v < 0 || v > INT64_MAX / MICRO)
			tsv_fail(&p->t, p->bc, "is not a budget");
		budget = v * MICRO;
	}
	int32_t day = NO_DAY;
	if (!field_eq(a, "-", 1) && day_parse_start(a.p, a.n, &day))
		tsv_fail(&p->t, p->ac, "is not a day (YYYY-MM-DD)");
	char want[64];
	if (first) {
		X->budget_part = budget;
		X->as_of = day;
		X->has_score = X->has_tier = X->has_seg = X->exact = 0;
		char s[64];
		snprintf(s, sizeof s, "%.*s", (int)(in.n < 60 ? in.n : 60), in.p);
		for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
			if (!strcmp(tok, "scores"))
				X->has_score = 1;
			else if (!strcmp(tok, "tiers"))
				X->has_tier = 1;
			else if (!strcmp(tok, "segments"))
				X->has_seg = 1;
			else if (!strcmp(tok, "exact"))
				X->exact = 1;
			else if (strcmp(tok, "-"))
				tsv_fail(&p->t, p->ic, "is not a list of scores, tiers, segments, exact");
	}
	if (budget != X->budget_part)
		tsv_fail(&p->t, p->bc, "is not the budget of the partials before it: make every partial with one budget");
	if (day != X->as_of)
		tsv_fail(&p->t, p->ac, "is not the as-of day of the partials before it");
	const char *have = inputs_str(X, want);
	if (!field_eq(in, have, strlen(have)))
		tsv_fail(&p->t, p->ic, "are not the inputs of the partials before it");
}

const BrandRules *combine_brand(Ctx *X, char **brand, size_t *bn, uint64_t *unscored)
{
	struct Part *min = NULL;
	for (size_t i = 0; i < X->nparts; i++) {
		struct Part *p = &X->parts[i];
		if (p->have && (!min || field_cmp(part_brand(p), part_brand(min)) < 0))
			min = p;
	}
	if (!min)
		return NULL;
	Field bf = part_brand(min);
	*bn = bf.n;
	*brand = X->has_brand ? xstrndup(bf.p, bf.n) : NULL;
	Field name = { *brand ? *brand : "", *bn };
	const BrandRules *br = brand_rules(&X->rc, name.p, *bn);
	uint64_t cust = 0, unsc = 0, cand = 0;
	int first = 1;
	for (size_t i = 0; i < X->nparts; i++) {
		struct Part *p = &X->parts[i];
		if (!p->have || field_cmp(part_brand(p), name))
			continue;
		if (!is_count(p))
			tsv_fail_line(&p->t, "the brand's customers come before its counts: not a partial of "
				      "crm-target --partial");
		take_counts(X, p, first, &cust, &unsc, &cand);
		first = 0;
		part_next(X, p);
	}
	brand_start(X, br);
	/* The merge on customer_id: partitions hold disjoint customers. */
	Field last = { NULL, 0 };
	char *lastbuf = NULL;
	for (;;) {
		struct Part *m = NULL;
		for (size_t i = 0; i < X->nparts; i++) {
			struct Part *p = &X->parts[i];
			if (p->have && !field_cmp(part_brand(p), name) &&
			    (!m || field_cmp(p->t.f[p->ci], m->t.f[m->ci]) < 0))
				m = p;
		}
		if (!m)
			break;
		Tsv *t = &m->t;
		Field c = t->f[m->ci];
		if (is_count(m))
			tsv_fail_line(t, "a brand's counts twice: not a partial of crm-target --partial");
		if (last.p && field_cmp(c, last) <= 0)
			tsv_fail(t, m->ci, "is not after the customer before it: partials must hold disjoint "
				 "customers, sorted");
		progress_add(&X->pg, 1);
		Cust u;
		memset(&u, 0, sizeof u);
		u.pick = u.camp = -1;
		int64_t p;
		const char *why = parse_prob(t->f[m->pc], &p);
		if (why)
			tsv_fail(t, m->pc, why);
		u.p = (int32_t)p;
		why = fixed_parse(t->f[m->vc].p, t->f[m->vc].n, X->decimals, &u.clv);
		if (why)
			tsv_fail(t, m->vc, why);
		int k = brand_parse_tier(br, t->f[m->tc]);
		if (k == -2)
			tsv_fail(t, m->tc, "is not a tier of the rules (tier.order, tier.inactive)");
		u.tier = (int16_t)k;
		k = brand_parse_seg(br, t->f[m->sc]);
		if (k == -2)
			tsv_fail(t, m->sc, "is not an RFM segment of the rules (rfm.segments)");
		u.seg = (int16_t)k;
		cust_add(X, br, c.p, c.n, &u, t);
		free(lastbuf);
		lastbuf = xstrndup(c.p, c.n);
		last = (Field){ lastbuf, c.n };
		part_next(X, m);
	}
	free(lastbuf);
	select_compact(X);
	spool_finish(X, br);
	if (X->bcust > cust)
		die("%s: more customers than its counts say: not a partial of crm-target --partial", min->t.name);
	X->bcust = cust;
	X->bcand = cand;
	X->rows += cust + unsc;
	X->unscored += unsc;
	*unscored = unsc;
	return br;
}
