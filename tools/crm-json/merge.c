/* crm-json: the two-phase document. --partial writes the state the
 * document is derived from (the series of one partition's rows: every
 * month's counts and exact integer sums, the at-risk list of its latest
 * month, the period and the row counts) as a small text file; --merge
 * reads the partials of every partition, adds them up into one state and
 * writes the document of all rows with write_doc.
 *
 * A partial is lines of tab-separated fields:
 *   crm-json-partial/1 RULES_ID I N TOP HAS_BRAND ROWS CUSTOMERS PERIOD_END PERIOD_START NTIERS
 *   s BRAND LO N RISK_MONTH NRISK          (BRAND empty: all customers, first)
 *   m the Month's figures, tier arrays last (N lines)
 *   r VALUE12 BRAND CUSTOMER TIER REASON RECENCY   (NRISK lines)
 *   end
 * The partitions hold disjoint customers, so counts and sums add up; the
 * global top N at risk is within the union of the partitions' top N. */
#include "publish.h"
#include "date.h"
#include "money.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTIAL_MAGIC "crm-json-partial/1"
#define MONTH_FIXED 14   /* the Month's figures before its tier arrays */

/* ---- writing ---- */

/* tab_u64 and tab_i64 write a tab and V. */
static void tab_u64(Out *o, uint64_t v)
{
	out_char(o, '\t');
	out_u64(o, v);
}

static void tab_i64(Out *o, int64_t v)
{
	out_char(o, '\t');
	out_i64(o, v);
}

/* partial_write: see publish.h. */
void partial_write(Ctx *x, Out *o, unsigned part_i, unsigned part_n)
{
	char id[17];
	rules_id(x->rules, id);
	out_str(o, PARTIAL_MAGIC "\t");
	out_str(o, id);
	tab_u64(o, part_i);
	tab_u64(o, part_n);
	tab_u64(o, x->top);
	tab_u64(o, (uint64_t)x->has_brand);
	tab_u64(o, x->rows);
	tab_u64(o, x->customers);
	out_char(o, '\t');
	out_str(o, x->pe_text);
	out_char(o, '\t');
	out_str(o, x->ps_text);
	tab_u64(o, x->ntiers);
	out_char(o, '\n');
	for (size_t i = 0; i < x->ns; i++) {
		const Series *s = &x->s[i];
		out_str(o, "s\t");
		out_str(o, s->brand ? s->brand : "");
		tab_i64(o, s->lo);
		tab_u64(o, s->n);
		tab_i64(o, s->risk_month);
		tab_u64(o, s->nheap);
		out_char(o, '\n');
		for (size_t k = 0; k < s->n; k++) {
			const Month *m = &s->m[k];
			out_char(o, 'm');
			tab_u64(o, m->customers);
			tab_u64(o, m->active);
			tab_i64(o, m->value);
			tab_i64(o, m->value12);
			tab_i64(o, m->inactive_value);
			tab_i64(o, m->inactive_value12);
			for (int e = 0; e < 3; e++)
				tab_u64(o, m->events[e]);
			tab_u64(o, m->risk);
			tab_u64(o, m->lapse);
			tab_u64(o, m->decline);
			tab_i64(o, m->risk_value);
			tab_u64(o, m->warm);
			for (size_t t = 0; t < x->ntiers; t++) {
				tab_u64(o, m->tc[t]);
				tab_u64(o, m->trisk[t]);
				tab_i64(o, m->tv[t]);
				tab_i64(o, m->tv12[t]);
				tab_i64(o, m->trv[t]);
			}
			out_char(o, '\n');
		}
		for (size_t k = 0; k < s->nheap; k++) {
			const Risk *r = &s->heap[k];
			out_str(o, "r");
			tab_i64(o, r->value12);
			out_char(o, '\t');
			out_str(o, r->brand ? r->brand : "");
			out_char(o, '\t');
			out_str(o, r->cust);
			out_char(o, '\t');
			out_str(o, r->tier);
			out_char(o, '\t');
			out_str(o, r->reason);
			tab_i64(o, r->recency);
			out_char(o, '\n');
		}
	}
	out_str(o, "end\n");
}

/* ---- reading ---- */

/* A partial being read: its file, line and the fields of that line. */
typedef struct {
	FILE *f;
	const char *path;
	unsigned long long lineno;
	char *line;
	size_t cap;
	char *fld[MONTH_FIXED + 5 * MAX_TIERS + 1];
	size_t nf;
} Part;

/* part_fail dies with "FILE:LINE: WHY" for P's line. */
noreturn static void part_fail(const Part *p, const char *why)
{
	die("%s:%llu: %s", p->path, p->lineno, why);
}

/* part_line reads P's next line into its fields; KIND is the first field
 * it must have, NF the count of fields. */
static void part_line(Part *p, const char *kind, size_t nf)
{
	errno = 0;
	ssize_t n = getline(&p->line, &p->cap, p->f);
	p->lineno++;
	if (n < 0) {
		if (ferror(p->f))
			die_errno("%s", p->path);
		part_fail(p, "the partial ends early (not a whole crm-json --partial document)");
	}
	if (n && p->line[n - 1] == '\n')
		p->line[--n] = '\0';
	p->nf = 0;
	for (char *s = p->line;;) {
		if (p->nf == sizeof p->fld / sizeof *p->fld)
			break;
		p->fld[p->nf++] = s;
		char *tab = strchr(s, '\t');
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	if (strcmp(p->fld[0], kind) != 0 || p->nf != nf) {
		char why[200];
		snprintf(why, sizeof why, "expected a '%s' line of %zu fields", kind, nf);
		part_fail(p, why);
	}
}

/* part_i64 returns field K of P's line, an integer; dies naming it when
 * it is not one. part_u64 also refuses one below 0. */
static int64_t part_i64(const Part *p, size_t k)
{
	int64_t v;
	if (int_parse(p->fld[k], strlen(p->fld[k]), &v)) {
		char why[300];
		snprintf(why, sizeof why, "field %zu: '%.100s' is not an integer", k + 1, p->fld[k]);
		part_fail(p, why);
	}
	return v;
}

static uint64_t part_u64(const Part *p, size_t k)
{
	int64_t v = part_i64(p, k);
	if (v < 0) {
		char why[300];
		snprintf(why, sizeof why, "field %zu: '%.100s' is below 0", k + 1, p->fld[k]);
		part_fail(p, why);
	}
	return (uint64_t)v;
}

/* add_i64 adds V to *A, a figure of S; dies naming it when it overflows. */
static void add_i64(const Part *p, const Series *s, int32_t month, int64_t *a, int64_t v,
		    const char *tier, const char *what)
{
	add_month_at(p->path, p->lineno, s, month, a, v, tier, what);
}

/* merge_period keeps the period text T of a partial in TEXT and *DAY, the
 * same in every partial that has rows. */
static void merge_period(const Part *p, const char *t, char *text, int32_t *day,
			 const char *(*parse)(const char *, size_t, int32_t *), const char *what)
{
	if (!*t)
		return;
	if (*text) {
		if (strcmp(text, t) != 0) {
			char why[200];
			snprintf(why, sizeof why, "%s '%.16s' differs from '%s' of the partials before",
				 what, t, text);
			part_fail(p, why);
		}
		return;
	}
	if (strlen(t) >= 16 || parse(t, strlen(t), day))
		part_fail(p, "the period is not a date");
	strcpy(text, t);
}

/* merge_one adds the partial at PATH to X; SEEN marks the partitions read,
 * *N their count (0: none yet), *TOP_SET whether x->top is settled. */
static void merge_one(Ctx *x, const char *path, unsigned char **seen, uint64_t *n, int *top_set)
{
	Part p = { 0 };
	p.path = path;
	p.f = fopen(path, "r");
	if (!p.f)
		die_errno("%s", path);
	part_line(&p, PARTIAL_MAGIC, 11);
	char id[17];
	rules_id(x->rules, id);
	if (strcmp(p.fld[1], id) != 0) {
		char why[200];
		snprintf(why, sizeof why, "made with the rules %.16s, not those in use (%s)", p.fld[1], id);
		part_fail(&p, why);
	}
	uint64_t pi = part_u64(&p, 2), pn = part_u64(&p, 3), top = part_u64(&p, 4);
	if (pn == 0 || pi == 0 || pi > pn || pn > (1u << 20))
		part_fail(&p, "its partition is not I of N with 1 <= I <= N");
	if (!*n) {
		*n = pn;
		*seen = xcalloc(pn, 1);
	} else if (pn != *n) {
		char why[200];
		snprintf(why, sizeof why, "a partition of %llu, the partials before of %llu",
			 (unsigned long long)pn, (unsigned long long)*n);
		part_fail(&p, why);
	}
	if ((*seen)[pi - 1]) {
		char why[100];
		snprintf(why, sizeof why, "partition %llu of %llu is given twice",
			 (unsigned long long)pi, (unsigned long long)pn);
		part_fail(&p, why);
	}
	(*seen)[pi - 1] = 1;
	if (*top_set && top != x->top) {
		char why[200];
		snprintf(why, sizeof why, "made with --at-risk %llu, not %zu",
			 (unsigned long long)top, x->top);
		part_fail(&p, why);
	}
	if (!*top_set) {
		/* The series' lists have room for TOP. */
		for (size_t i = 0; i < x->ns; i++) {
			free(x->s[i].heap);
			x->s[i].heap = xcalloc(top ? top : 1, sizeof *x->s[i].heap);
		}
		x->top = (size_t)top;
		*top_set = 1;
	}
	x->has_brand = (int)part_u64(&p, 5);
	uint64_t rows = part_u64(&p, 6), customers = part_u64(&p, 7);
	if (x->rows > UINT64_MAX - rows || x->customers > UINT64_MAX - customers)
		part_fail(&p, "the row count overflows");
	x->rows += rows;
	x->customers += customers;
	merge_period(&p, p.fld[8], x->pe_text, &x->as_of, day_parse_end, "period_end");
	merge_period(&p, p.fld[9], x->ps_text, &x->start, day_parse_start, "period_start");
	if (part_u64(&p, 10) != x->ntiers)
		part_fail(&p, "its count of tiers is not that of the rules");
	size_t mf = 1 + MONTH_FIXED + 5 * x->ntiers, nseries = 0;
	for (;;) {
		int c = getc(p.f);
		if (c == EOF)
			part_fail(&p, "the partial ends early (no 'end' line)");
		ungetc(c, p.f);
		if (c == 'e') {
			part_line(&p, "end", 1);
			break;
		}
		part_line(&p, "s", 6);
		/* The series of all customers comes first, brands after (an
		 * empty brand name is a brand's too). */
		if (!nseries && p.fld[1][0])
			part_fail(&p, "the first series is not that of all customers");
		Series *s = nseries++ ? series_for(x, p.fld[1], strlen(p.fld[1])) : &x->s[0];
		size_t si = (size_t)(s - x->s);
		int64_t lo = part_i64(&p, 2), risk_month = part_i64(&p, 4);
		uint64_t nm = part_u64(&p, 3), nr = part_u64(&p, 5);
		if (nr > top || lo < INT32_MIN / 2 || lo > INT32_MAX / 2 || nm > (1u << 20) ||
		    risk_month < INT32_MIN || risk_month > INT32_MAX)
			part_fail(&p, "the series is out of range");
		for (uint64_t k = 0; k < nm; k++) {
			part_line(&p, "m", mf);
			int32_t mon = (int32_t)lo + (int32_t)k;
			s = &x->s[si];
			Month *m = month_of(s, mon);
			size_t f = 1;
			m->customers += part_u64(&p, f++);
			m->active += part_u64(&p, f++);
			add_i64(&p, s, mon, &m->value, part_i64(&p, f++), NULL, "value");
			add_i64(&p, s, mon, &m->value12, part_i64(&p, f++), NULL, "value_12m");
			add_i64(&p, s, mon, &m->inactive_value, part_i64(&p, f++), NULL, "inactive_value");
			add_i64(&p, s, mon, &m->inactive_value12, part_i64(&p, f++), NULL, "inactive_value_12m");
			for (int e = 0; e < 3; e++)
				m->events[e] += part_u64(&p, f++);
			m->risk += part_u64(&p, f++);
			m->lapse += part_u64(&p, f++);
			m->decline += part_u64(&p, f++);
			add_i64(&p, s, mon, &m->risk_value, part_i64(&p, f++), NULL, "churn.value_at_risk");
			m->warm += part_u64(&p, f++);
			for (size_t t = 0; t < x->ntiers; t++) {
				m->tc[t] += part_u64(&p, f++);
				m->trisk[t] += part_u64(&p, f++);
				add_i64(&p, s, mon, &m->tv[t], part_i64(&p, f++), x->tiers[t], "value");
				add_i64(&p, s, mon, &m->tv12[t], part_i64(&p, f++), x->tiers[t], "value_12m");
				add_i64(&p, s, mon, &m->trv[t], part_i64(&p, f++), x->tiers[t], "value_at_risk");
			}
		}
		for (uint64_t k = 0; k < nr; k++) {
			part_line(&p, "r", 7);
			Risk r = { part_i64(&p, 1), x->has_brand ? xstrdup(p.fld[2]) : NULL, xstrdup(p.fld[3]),
				   xstrdup(p.fld[4]), xstrdup(p.fld[5]), part_i64(&p, 6) };
			keep_risk(x, &x->s[si], (int32_t)risk_month, &r);
		}
	}
	if (getc(p.f) != EOF)
		part_fail(&p, "more after the 'end' line");
	free(p.line);
	fclose(p.f);
}

/* cmp_series orders brand series by brand, in byte order. */
static int cmp_series(const void *a, const void *b)
{
	return strcmp(((const Series *)a)->brand, ((const Series *)b)->brand);
}

/* merge_partials: see publish.h. */
void merge_partials(Ctx *x, char **paths, size_t n, int top_given)
{
	unsigned char *seen = NULL;
	uint64_t parts = 0;
	int top_set = top_given;
	for (size_t i = 0; i < n; i++)
		merge_one(x, paths[i], &seen, &parts, &top_set);
	for (uint64_t i = 0; i < parts; i++)
		if (!seen[i])
			die("partition %llu of %llu is missing: give every partition's partial",
			    (unsigned long long)i + 1, (unsigned long long)parts);
	free(seen);
	/* One run meets the brands in byte order, as its input is sorted. */
	if (x->ns > 2)
		qsort(x->s + 1, x->ns - 1, sizeof *x->s, cmp_series);
	if (x->as_of != NO_DAY) {
		x->as_month = month_of_day(x->as_of);
		x->as_days = month_elapsed(x->as_month, x->as_of, &x->as_len);
	}
}
