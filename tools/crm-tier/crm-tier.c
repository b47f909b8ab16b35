/* crm-tier: value tier and activity per customer and month.
 *
 * Reads crm-agg's monthly rows, sorted by (brand,) customer_id, month, and
 * writes one row per customer for every month from the first purchase to
 * the period end, months without purchases included, with the measures and
 * the tier the rules give. Memory holds one customer's history. */
#include "date.h"
#include "filteropt.h"
#include "history.h"
#include "keyorder.h"
#include "money.h"
#include "out.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"crm-tier [--rules FILE] [--from YYYY-MM] [--to YYYY-MM] [--explain] [--stats]\n"
	"                [-o FILE] [FILE]";

static const HelpOpt help[] = {
	{ "--rules FILE", "rules overriding the built-in ones" },
	{ "--from YYYY-MM", "print only months from this one on (earlier ones still count)" },
	{ "--to YYYY-MM", "the last month to write (default: the input's period_end)" },
	{ "--explain", "add tier_explain: limits that held, the first that failed" },
	{ "--stats", "print row counts, months added and rows left out on stderr" },
	{ "-o FILE", "write to FILE (a temporary file renamed at the end)" },
	{ NULL, NULL },
};

/* The tier rules of one brand (or of every brand). */
typedef struct {
	char *brand;
	int wf, wm, wa;                   /* frequency, monetary, activity windows */
	size_t ntiers;
	char **tiers;
	size_t *tier_len;
	char *inactive;
	size_t inactive_len;
	int64_t *avg_monthly, *orders, *avg_order;     /* minimums */
	int *has_avg_monthly, *has_orders, *has_avg_order;
	const char **t_avg_monthly, **t_orders, **t_avg_order; /* as written */
} TierRules;

typedef struct {
	Rules *rules;
	int decimals;
	TierRules *tr;
	size_t ntr;
} Ctx;

static const char *rule_text(const Rules *r, const char *brand, const char *key)
{
	const char *v = rules_get(r, brand, key);
	return v ? v : "none";
}

static TierRules *tier_rules(Ctx *x, const char *b, size_t n)
{
	for (size_t i = 0; i < x->ntr; i++)
		if ((x->tr[i].brand ? strlen(x->tr[i].brand) : 0) == n &&
		    (n == 0 || memcmp(x->tr[i].brand, b, n) == 0))
			return &x->tr[i];
	x->tr = xrealloc(x->tr, (x->ntr + 1) * sizeof *x->tr);
	TierRules *t = &x->tr[x->ntr++];
	memset(t, 0, sizeof *t);
	/* A brand without a section of its own shares the defaults' values. */
	t->brand = n ? xstrndup(b, n) : NULL;
	const char *rb = t->brand && rules_has_brand(x->rules, t->brand) ? t->brand : NULL;
	Rules *r = x->rules;
	t->wf = (int)rules_int(r, rb, "window.frequency_months");
	t->wm = (int)rules_int(r, rb, "window.monetary_months");
	t->wa = (int)rules_int(r, rb, "window.activity_months");
	t->ntiers = rules_list(r, rb, "tier.order", &t->tiers);
	t->inactive = xstrdup(rules_get(r, rb, "tier.inactive"));
	t->inactive_len = strlen(t->inactive);
	size_t k = t->ntiers;
	t->tier_len = xcalloc(k, sizeof *t->tier_len);
	for (size_t i = 0; i < k; i++)
		t->tier_len[i] = strlen(t->tiers[i]);
	t->avg_monthly = xcalloc(k, sizeof(int64_t));
	t->orders = xcalloc(k, sizeof(int64_t));
	t->avg_order = xcalloc(k, sizeof(int64_t));
	t->has_avg_monthly = xcalloc(k, sizeof(int));
	t->has_orders = xcalloc(k, sizeof(int));
	t->has_avg_order = xcalloc(k, sizeof(int));
	t->t_avg_monthly = xcalloc(k, sizeof(char *));
	t->t_orders = xcalloc(k, sizeof(char *));
	t->t_avg_order = xcalloc(k, sizeof(char *));
	for (size_t i = 0; i < k; i++) {
		char key[256];
		int none;
		snprintf(key, sizeof key, "tier.%s.min_avg_monthly", t->tiers[i]);
		t->avg_monthly[i] = rules_fixed(r, rb, key, x->decimals, &none);
		t->has_avg_monthly[i] = !none;
		t->t_avg_monthly[i] = rule_text(r, rb, key);
		snprintf(key, sizeof key, "tier.%s.min_orders", t->tiers[i]);
		t->orders[i] = rules_fixed(r, rb, key, 0, &none);
		t->has_orders[i] = !none;
		t->t_orders[i] = rule_text(r, rb, key);
		snprintf(key, sizeof key, "tier.%s.min_avg_order", t->tiers[i]);
		t->avg_order[i] = rules_fixed(r, rb, key, x->decimals, &none);
		t->has_avg_order[i] = !none;
		t->t_avg_order[i] = rule_text(r, rb, key);
	}
	return t;
}

static void tier_rules_free(TierRules *t)
{
	free(t->brand);
	rules_list_free(t->tiers);
	free(t->tier_len);
	free(t->inactive);
	free(t->avg_monthly);
	free(t->orders);
	free(t->avg_order);
	free(t->has_avg_monthly);
	free(t->has_orders);
	free(t->has_avg_order);
	free(t->t_avg_monthly);
	free(t->t_orders);
	free(t->t_avg_order);
}

/* The last value written in a money column, with its text. */
typedef struct {
	int64_t v;
	size_t n;
	char text[24];
} Memo;

/* Facts of a month looked up in a table filled as months come: the rows
 * of each customer run through the same few hundred months. */
typedef struct {
	int32_t last_day;     /* 0: not filled yet */
	char text[8];         /* YYYY-MM */
} MonthInfo;

static MonthInfo *month_info(int32_t m)
{
	static MonthInfo *table;
	/* Month indexes run from 12 (year 1) to 120011 (year 9999). */
	if (!table)
		table = xcalloc(120012, sizeof *table);
	MonthInfo *mi = &table[m];
	if (!mi->last_day) {
		mi->last_day = month_last_day(m);
		month_fmt(mi->text, m);
	}
	return mi;
}

/* Quotient memo: months without purchases repeat a division's operands. */
typedef struct {
	int64_t num, den, q;
} DivMemo;

static inline int64_t div_memo(DivMemo *d, int64_t num, int64_t den)
{
	if (num != d->num || den != d->den) {
		d->num = num;
		d->den = den;
		d->q = div_round(num, den);
	}
	return d->q;
}

/* put_small writes V >= 0 at P: tenure, recency and order counts are small. */
static inline char *put_small(char *p, int64_t v)
{
	if (v >= 0 && v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	if (v >= 10 && v < 100) {
		p[0] = (char)('0' + v / 10);
		p[1] = (char)('0' + v % 10);
		return p + 2;
	}
	return p + fmt_i64(p, v);
}

/* How a month without purchases fills each input column. */
enum { F_EMPTY, F_ZERO, F_MONEY0, F_BRAND, F_CUST, F_MONTH, F_PERIOD };

typedef struct {
	Tsv t;
	Out o;
	Ctx x;
	KeyOrder ko;
	History h;
	int mi, oi, ai, li, pi;      /* month, orders, amount, last_date, period_end */
	int *fill;                   /* per input column */
	int explain;
	int32_t from, to;
	int to_given;
	char period[8];
	/* the current customer */
	char *brand, *cust;
	size_t bn, cn, bcap, ccap;
	TierRules *tr;
	int32_t last_buy;            /* last consumable purchase day, -1 none */
	int32_t next_month;          /* first month not yet written */
	uint64_t rows_in, rows_out, filled, late;
	Memo memo[3];
	DivMemo dm[2];
	char *ebuf;                  /* the explanation being built */
	size_t elen, ecap;
} Tier;

static void eprintf(Tier *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void eprintf(Tier *s, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(s->ebuf + s->elen, s->ecap - s->elen, fmt, ap);
		va_end(ap);
		if ((size_t)n < s->ecap - s->elen) {
			s->elen += (size_t)n;
			return;
		}
		s->ecap = s->ecap * 2 + (size_t)n;
		s->ebuf = xrealloc(s->ebuf, s->ecap);
	}
}

static const char *money(Tier *s, int64_t v, char *buf)
{
	buf[fixed_fmt(buf, v, s->x.decimals)] = '\0';
	return buf;
}

/* put_money writes V at P, reusing the text of the last value written in
 * that column: months without purchases repeat the figures of the month
 * before more often than not. */
static inline char *put_money(const Tier *s, Memo *m, char *p, int64_t v)
{
	if (v != m->v || !m->n) {
		/* Format in place and keep a copy: copying text just written
		 * byte by byte out again would stall on store forwarding. */
		m->v = v;
		m->n = fixed_fmt(p, v, s->x.decimals);
		memcpy(m->text, p, m->n);
		return p + m->n;
	}
	memcpy(p, m->text, 24);
	return p + m->n;
}

/* emit_month appends the measures of the latest month of s->h to the row
 * already written up to its last input column, and ends the line. */
static void emit_measures(Tier *s)
{
	const History *h = &s->h;
	const TierRules *r = s->tr;
	int32_t m = hist_month(h);
	int64_t tenure = m - h->first_month;
	int64_t orders_f = hist_orders(h, r->wf);
	int64_t value_m = hist_amount(h, r->wm);
	int64_t orders_m = hist_orders(h, r->wm);
	int64_t span = tenure + 1 < r->wm ? tenure + 1 : r->wm;
	int64_t avg_monthly = div_memo(&s->dm[0], value_m, span);
	int64_t avg_order = orders_m ? div_memo(&s->dm[1], value_m, orders_m) : 0;
	int active = hist_orders(h, r->wa) > 0;
	Out *o = &s->o;
	int32_t last_day = month_info(m)->last_day;
	/* One reservation covers the figures; each takes at most 21 bytes. */
	char *p = out_reserve(o, 256), *p0 = p;
	*p++ = '\t';
	p = put_small(p, tenure);
	*p++ = '\t';
	if (s->last_buy >= 0)
		p = put_small(p, last_day - s->last_buy);
	*p++ = '\t';
	p = put_small(p, orders_f);
	*p++ = '\t';
	p = put_money(s, &s->memo[0], p, value_m);
	*p++ = '\t';
	p = put_money(s, &s->memo[1], p, avg_monthly);
	*p++ = '\t';
	p = put_money(s, &s->memo[2], p, avg_order);
	*p++ = '\t';
	*p++ = active ? '1' : '0';
	*p++ = '\t';
	o->len += (size_t)(p - p0);

	/* The first tier whose limits all hold; the last takes the rest.
	 * Limits compare the printed (rounded) figures, so what is shown is
	 * what was compared. */
	size_t tier = r->ntiers - 1;
	if (active)
		for (size_t i = 0; i + 1 < r->ntiers; i++)
			if ((!r->has_avg_monthly[i] || avg_monthly >= r->avg_monthly[i]) &&
			    (!r->has_orders[i] || orders_f >= r->orders[i]) &&
			    (!r->has_avg_order[i] || avg_order >= r->avg_order[i])) {
				tier = i;
				break;
			}
	if (active)
		out_write(o, r->tiers[tier], r->tier_len[tier]);
	else
		out_write(o, r->inactive, r->inactive_len);
	if (s->explain) {
		char b1[32];
		s->elen = 0;
		s->ebuf[0] = '\0';
		if (!active) {
			if (s->last_buy >= 0) {
				char d[11];
				date_fmt(d, s->last_buy);
				eprintf(s, "%s: no order in %d months (last %.10s)", r->inactive, r->wa, d);
			} else {
				eprintf(s, "%s: no order yet", r->inactive);
			}
		} else {
			eprintf(s, "%s:", r->tiers[tier]);
			const char *sep = " ";
			if (r->has_avg_monthly[tier]) {
				eprintf(s, "%savg_monthly %s>=%s", sep, money(s, avg_monthly, b1), r->t_avg_monthly[tier]);
				sep = ", ";
			}
			if (r->has_orders[tier]) {
				eprintf(s, "%sorders %lld>=%s", sep, (long long)orders_f, r->t_orders[tier]);
				sep = ", ";
			}
			if (r->has_avg_order[tier]) {
				eprintf(s, "%savg_order %s>=%s", sep, money(s, avg_order, b1), r->t_avg_order[tier]);
				sep = ", ";
			}
			if (*sep == ' ')
				eprintf(s, " active, no limits");
			/* Why not each higher tier: its first limit that fails. */
			for (size_t i = 0; i < tier; i++) {
				eprintf(s, "; not %s: ", r->tiers[i]);
				if (r->has_avg_monthly[i] && avg_monthly < r->avg_monthly[i])
					eprintf(s, "avg_monthly %s<%s", money(s, avg_monthly, b1), r->t_avg_monthly[i]);
				else if (r->has_orders[i] && orders_f < r->orders[i])
					eprintf(s, "orders %lld<%s", (long long)orders_f, r->t_orders[i]);
				else
					eprintf(s, "avg_order %s<%s", money(s, avg_order, b1), r->t_avg_order[i]);
			}
		}
		out_char(o, '\t');
		out_write(o, s->ebuf, s->elen);
	}
	out_char(o, '\n');
}

/* fill_until writes the months without purchases of the current customer
 * before month END (exclusive). */
static void fill_until(Tier *s, int32_t end)
{
	char zero[32];
	size_t zn = fixed_fmt(zero, 0, s->x.decimals);
	for (int32_t m = s->next_month; m < end; m++) {
		hist_push(&s->h, 0, 0, -1, -1);
		s->next_month = m + 1;
		if (m < s->from)
			continue;
		const char *mbuf = month_info(m)->text;
		Out *o = &s->o;
		char *p = out_reserve(o, s->bn + s->cn + (size_t)s->t.ncols * 24), *p0 = p;
		for (int c = 0; c < s->t.ncols; c++) {
			if (c)
				*p++ = '\t';
			switch (s->fill[c]) {
			case F_ZERO: *p++ = '0'; break;
			case F_MONEY0: memcpy(p, zero, zn); p += zn; break;
			case F_BRAND: memcpy(p, s->brand, s->bn); p += s->bn; break;
			case F_CUST: memcpy(p, s->cust, s->cn); p += s->cn; break;
			case F_MONTH: memcpy(p, mbuf, 7); p += 7; break;
			case F_PERIOD: memcpy(p, s->period, 7); p += 7; break;
			default: break;
			}
		}
		o->len += (size_t)(p - p0);
		emit_measures(s);
		s->rows_out++;
		s->filled++;
	}
}

static void keep(char **dst, size_t *n, size_t *cap, Field f)
{
	if (f.n + 1 > *cap) {
		*cap = f.n + 64;
		*dst = xrealloc(*dst, *cap);
	}
	memcpy(*dst, f.p, f.n);
	*n = f.n;
}

static void run(Tier *s)
{
	Tsv *t = &s->t;
	int bi = tsv_col(t, "brand"), ci = tsv_need(t, "customer_id", "crm-agg");
	s->mi = tsv_need(t, "month", "crm-agg");
	s->oi = tsv_need(t, "orders", "crm-agg");
	s->ai = tsv_need(t, "amount", "crm-agg");
	s->li = tsv_need(t, "last_date", "crm-agg");
	s->pi = tsv_col(t, "period_end");
	if (s->pi < 0 && !s->to_given)
		die("%s: missing column 'period_end' (added by crm-agg): give --to YYYY-MM", t->name);
	keyorder_init(&s->ko, t);
	/* Split rows only as far as the columns read by name; the rest
	 * pass as text. */
	tsv_split_found(t);
	static const char *const zero[] = { "orders", "units", "other_orders", "lines" };
	static const char *const money0[] = { "amount", "other_amount" };
	s->fill = xcalloc((size_t)t->ncols, sizeof *s->fill);
	for (size_t i = 0; i < 4; i++) {
		int c = tsv_col(t, zero[i]);
		if (c >= 0)
			s->fill[c] = F_ZERO;
	}
	for (size_t i = 0; i < 2; i++) {
		int c = tsv_col(t, money0[i]);
		if (c >= 0)
			s->fill[c] = F_MONEY0;
	}
	if (bi >= 0)
		s->fill[bi] = F_BRAND;
	s->fill[ci] = F_CUST;
	s->fill[s->mi] = F_MONTH;
	if (s->pi >= 0)
		s->fill[s->pi] = F_PERIOD;

	Out *o = &s->o;
	filter_header(o, t, s->explain ?
		      "tenure_months\trecency_days\torders_f\tvalue_m\tavg_monthly\tavg_order\tactive\ttier\ttier_explain" :
		      "tenure_months\trecency_days\torders_f\tvalue_m\tavg_monthly\tavg_order\tactive\ttier");

	int have = 0;
	while (tsv_next(t)) {
		s->rows_in++;
		int32_t month;
		const char *why = month_parse(t->f[s->mi].p, t->f[s->mi].n, &month);
		if (why)
			tsv_fail(t, s->mi, why);
		if (s->pi >= 0) {
			Field p = t->f[s->pi];
			int32_t pe;
			if ((why = month_parse(p.p, p.n, &pe)))
				tsv_fail(t, s->pi, why);
			if (!s->to_given) {
				s->to = pe;
				s->to_given = 2; /* taken from the data */
				month_fmt(s->period, pe);
			} else if (s->to_given == 2 && pe != s->to) {
				tsv_fail(t, s->pi, "differs from the period_end of the first row");
			}
			if (month > pe)
				tsv_fail(t, s->mi, "is after the row's period_end");
		}
		int start = keyorder_next(&s->ko, t, month);
		if (start) {
			if (have)
				fill_until(s, s->to + 1);
			Field b = bi >= 0 ? t->f[bi] : (Field){ "", 0 };
			keep(&s->brand, &s->bn, &s->bcap, b);
			keep(&s->cust, &s->cn, &s->ccap, t->f[ci]);
			s->tr = tier_rules(&s->x, b.p, b.n);
			hist_reset(&s->h, month);
			s->next_month = month;
			s->last_buy = -1;
			have = 1;
		}
		if (month > s->to) {
			/* After --to: outside the period asked for. */
			s->late++;
			continue;
		}
		fill_until(s, month);
		int64_t orders, amount;
		if ((why = int_parse(t->f[s->oi].p, t->f[s->oi].n, &orders)) || orders < 0)
			tsv_fail(t, s->oi, why ? why : "is negative");
		if ((why = fixed_parse(t->f[s->ai].p, t->f[s->ai].n, s->x.decimals, &amount)))
			tsv_fail(t, s->ai, why);
		int32_t last = -1;
		Field ld = t->f[s->li];
		if (ld.n) {
			if ((why = date_parse(ld.p, ld.n, &last)))
				tsv_fail(t, s->li, why);
			if (memcmp(ld.p, t->f[s->mi].p, 7) != 0)
				tsv_fail(t, s->li, "is not in the row's month");
			s->last_buy = last;
		} else if (orders > 0) {
			tsv_fail(t, s->li, "is empty in a month with orders");
		}
		hist_push(&s->h, orders, amount, last, last);
		s->next_month = month + 1;
		if (month < s->from)
			continue;
		out_write(o, t->line, t->line_n);
		emit_measures(s);
		s->rows_out++;
	}
	if (have)
		fill_until(s, s->to + 1);
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	Tier s;
	memset(&s, 0, sizeof s);
	FilterOpts opt;
	filter_options(argc, argv, usage_text, help, 1, &opt);
	s.from = opt.from;
	s.to = opt.to;
	s.to_given = opt.to_given;
	s.explain = opt.explain;
	if (s.to_given)
		month_fmt(s.period, s.to);

	s.x.rules = rules_load(opt.rules);
	s.x.decimals = (int)rules_int(s.x.rules, NULL, "money.decimals");
	hist_init(&s.h);
	s.ecap = 256;
	s.ebuf = xmalloc(s.ecap);
	tsv_open(&s.t, opt.input);
	out_create(&s.o, opt.output);
	run(&s);
	out_close(&s.o);
	if (opt.stats)
		fprintf(stderr, "crm-tier: %llu rows read, %llu written: %llu months without purchases "
			"added, %llu rows after --to left out\n", (unsigned long long)s.rows_in,
			(unsigned long long)s.rows_out, (unsigned long long)s.filled,
			(unsigned long long)s.late);
	tsv_close(&s.t);
	keyorder_free(&s.ko);
	hist_free(&s.h);
	for (size_t i = 0; i < s.x.ntr; i++)
		tier_rules_free(&s.x.tr[i]);
	free(s.x.tr);
	free(s.fill);
	free(s.brand);
	free(s.cust);
	free(s.ebuf);
	rules_free(s.x.rules);
	return 0;
}
