/* crm-tier: value tier and activity per customer and month.
 *
 * Reads crm-agg's monthly rows, sorted by (brand,) customer_id, month, and
 * writes one row per customer for every month from the first purchase to
 * the period end, months without purchases included, with the measures and
 * the tier the rules give. Memory holds one customer's history.
 *
 * The period ends on the as-of day (period_end, --as-of or --to). Its month
 * is partial when that day is not the month's last: recency counts to the
 * as-of day, and rates over a window ending with that month divide by the
 * time elapsed, the whole months before it plus the days of the partial
 * one. A month within window.activity_months of the data's first month
 * (period_start) is a warm-up month: the history before the data is
 * unknown. */
#include "brandrules.h"
#include "date.h"
#include "filteropt.h"
#include "history.h"
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
	"crm-tier [--rules FILE] [--from YYYY-MM] [--to YYYY-MM | --as-of YYYY-MM-DD]\n"
	"                [--explain] [--stats] [--progress] [-o FILE] [FILE]";

typedef struct {
	RulesCache rc;
	Rules *rules;                /* rc.rules */
	int decimals;                /* money.decimals */
} Ctx;

/* The last value written in a money column, with its text. */
typedef struct {
	int64_t v;
	size_t n;
	char text[24];
} Memo;

/* Facts of a month looked up in a table filled as months come: the rows
 * of each customer run through the same few hundred months. */
typedef struct {
	int32_t last_day;     /* 0 (1970-01-01, a first day): not filled yet */
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
enum { F_EMPTY, F_ZERO, F_MONEY0, F_BRAND, F_CUST, F_MONTH, F_PERIOD, F_START };

typedef struct {
	Tsv t;
	Out o;
	Ctx x;
	KeyOrder ko;
	History h;
	int mi, oi, ai, li, pi, si;  /* month, orders, amount, last_date, period_end, period_start */
	int ri;                      /* rules_id, the last column, or -1 */
	char rid[17];                /* the fingerprint of our rules */
	int *fill;                   /* per input column */
	int explain;
	Progress pg;                 /* rows read */
	int32_t from, to;            /* months; TO is the as-of day's */
	int to_given;
	int32_t as_of;               /* the day the period ends */
	int as_days, as_len;         /* days of TO elapsed as of AS_OF; its length */
	int32_t start_month;         /* the data's first month; INT32_MIN unknown */
	int32_t start_day;
	int64_t max_months;          /* period.max_months */
	char period[16], start[16];  /* period_end and period_start as written */
	size_t period_n, start_n;
	/* the current customer */
	char *brand, *cust;
	size_t bn, cn, bcap, ccap;
	const TierRules *tr;         /* the customer's brand's rules */
	const WindowRules *win;
	int32_t last_buy;            /* last consumable purchase day, or NO_DAY */
	int32_t next_month;          /* first month not yet written */
	uint64_t rows_in, rows_out, filled, late;
	Memo memo[3];
	DivMemo dm[2];
	char *ebuf;                  /* the explanation being built */
	size_t elen, ecap;
	char *fbuf;                  /* a filled month's input columns */
	size_t fcap;
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

/* avg_at_least tells whether the average NUM*MUL/DEN (DEN > 0; DEN == 0,
 * no orders, averages 0) is at least MIN, all in minor units, compared
 * exactly: NUM*MUL >= MIN*DEN in 128 bits, never on the rounded average. */
static inline int avg_at_least(int64_t num, int64_t mul, int64_t den, int64_t min)
{
	if (den <= 0)
		return 0 >= min;
	return (__int128)num * mul >= (__int128)min * den;
}

/* avg_text writes the average NUM*MUL/DEN to BUF (64 bytes) as --explain
 * shows it: the money when the division is exact, else the fraction
 * ("119.99/6", or "119.99x30/165" in a partial month), so that the
 * comparison stated beside it is true. Returns BUF. */
static const char *avg_text(Tier *s, int64_t num, int64_t mul, int64_t den, char *buf)
{
	size_t n;
	if (den <= 0) {
		n = fixed_fmt(buf, 0, s->x.decimals);
		buf[n] = '\0';
	} else if (mul == 1 && num % den == 0) {
		n = fixed_fmt(buf, num / den, s->x.decimals);
		buf[n] = '\0';
	} else {
		n = fixed_fmt(buf, num, s->x.decimals);
		if (mul != 1)
			n += (size_t)snprintf(buf + n, 24, "x%lld", (long long)mul);
		snprintf(buf + n, 24, "/%lld", (long long)den);
	}
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

/* overflow dies naming the customer, the month and the sum WHAT over W
 * months that is beyond 64 bits. */
static void overflow(const Tier *s, int32_t m, const char *what, int w)
{
	char mb[8];
	month_fmt(mb, m);
	tsv_fail_line(&s->t, "a sum for customer '%.*s' overflows 64 bits (%s over the %d months to %.7s)",
		      (int)s->cn, s->cust, what, w, mb);
}

/* emit_month appends the measures of the latest month of s->h to the row
 * already written up to its last input column, and ends the line. */
static void emit_measures(Tier *s)
{
	const History *h = &s->h;
	const TierRules *r = s->tr;
	const WindowRules *w = s->win;
	int32_t m = hist_month(h);
	int64_t tenure = m - h->first_month;
	int64_t orders_f, value_m, orders_m, orders_a;
	if (hist_orders(h, w->frequency, &orders_f))
		overflow(s, m, "orders_f", w->frequency);
	if (hist_amount(h, w->monetary, &value_m))
		overflow(s, m, "value_m", w->monetary);
	if (hist_orders(h, w->monetary, &orders_m))
		overflow(s, m, "orders", w->monetary);
	if (hist_orders(h, w->activity, &orders_a))
		overflow(s, m, "orders", w->activity);
	int64_t span = tenure + 1 < w->monetary ? tenure + 1 : w->monetary;
	/* The as-of month is partial when the period ends before its last
	 * day: a window ending with it spans its whole months but the last,
	 * and the days of that one elapsed. */
	int partial = m == s->to && s->as_days < s->as_len;
	int64_t avg_monthly = partial ?
		mul_div_round(value_m, s->as_len, (span - 1) * s->as_len + s->as_days) :
		div_memo(&s->dm[0], value_m, span);
	int64_t avg_order = orders_m ? div_memo(&s->dm[1], value_m, orders_m) : 0;
	int active = orders_a > 0;
	Out *o = &s->o;
	int32_t last_day = partial ? s->as_of : month_info(m)->last_day;
	/* One reservation covers the figures; each takes at most 21 bytes. */
	char *p = out_reserve(o, 256), *p0 = p;
	*p++ = '\t';
	p = put_small(p, tenure);
	*p++ = '\t';
	if (s->last_buy != NO_DAY)
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
	 * Averages compare exactly, not as printed: value_m/span >= min is
	 * value_m >= min*span (128 bits), so 119.99 over 6 months stays below
	 * 20 though it prints as 20.00. In a partial month avg_monthly is
	 * value_m*as_len / ((span-1)*as_len + as_days), compared the same way.
	 * There the frequency window has run (wf - 1) months and as_days of
	 * as_len days: min_orders scales to that time, compared exactly by
	 * cross-multiplication. */
	int64_t fw_num = partial ? ((int64_t)w->frequency - 1) * s->as_len + s->as_days : 1;
	int64_t fw_den = partial ? (int64_t)w->frequency * s->as_len : 1;
	int64_t am_mul = partial ? s->as_len : 1;
	int64_t am_den = partial ? (span - 1) * s->as_len + s->as_days : span;
	size_t tier = r->ntiers - 1;
	if (active)
		for (size_t i = 0; i + 1 < r->ntiers; i++)
			if ((!r->has_avg_monthly[i] || avg_at_least(value_m, am_mul, am_den, r->avg_monthly[i])) &&
			    (!r->has_orders[i] ||
			     (__int128)orders_f * fw_den >= (__int128)r->orders[i] * fw_num) &&
			    (!r->has_avg_order[i] || avg_at_least(value_m, 1, orders_m, r->avg_order[i]))) {
				tier = i;
				break;
			}
	if (active)
		out_write(o, r->tiers[tier], r->tier_len[tier]);
	else
		out_write(o, r->inactive, r->inactive_len);
	if (s->explain) {
		char b1[64];
		s->elen = 0;
		s->ebuf[0] = '\0';
		if (!active) {
			if (s->last_buy != NO_DAY) {
				char d[11];
				date_fmt(d, s->last_buy);
				eprintf(s, "%s: no order in %d months (last %.10s)", r->inactive, w->activity, d);
			} else {
				eprintf(s, "%s: no order yet", r->inactive);
			}
		} else {
			eprintf(s, "%s:", r->tiers[tier]);
			const char *sep = " ";
			if (r->has_avg_monthly[tier]) {
				eprintf(s, "%savg_monthly %s>=%s", sep, avg_text(s, value_m, am_mul, am_den, b1), r->t_avg_monthly[tier]);
				sep = ", ";
			}
			if (r->has_orders[tier]) {
				eprintf(s, "%sorders %lld>=%s", sep, (long long)orders_f, r->t_orders[tier]);
				if (partial)
					eprintf(s, "x%lld/%lld", (long long)fw_num, (long long)fw_den);
				sep = ", ";
			}
			if (r->has_avg_order[tier]) {
				eprintf(s, "%savg_order %s>=%s", sep, avg_text(s, value_m, 1, orders_m, b1), r->t_avg_order[tier]);
				sep = ", ";
			}
			if (*sep == ' ')
				eprintf(s, " active, no limits");
			/* Why not each higher tier: its first limit that fails. */
			for (size_t i = 0; i < tier; i++) {
				eprintf(s, "; not %s: ", r->tiers[i]);
				if (r->has_avg_monthly[i] && !avg_at_least(value_m, am_mul, am_den, r->avg_monthly[i]))
					eprintf(s, "avg_monthly %s<%s", avg_text(s, value_m, am_mul, am_den, b1),
						r->t_avg_monthly[i]);
				else if (r->has_orders[i] &&
					 (__int128)orders_f * fw_den < (__int128)r->orders[i] * fw_num)
					eprintf(s, partial ? "orders %lld<%sx%lld/%lld" : "orders %lld<%s",
						(long long)orders_f, r->t_orders[i], (long long)fw_num,
						(long long)fw_den);
				else
					eprintf(s, "avg_order %s<%s", avg_text(s, value_m, 1, orders_m, b1), r->t_avg_order[i]);
			}
		}
		if (partial)
			eprintf(s, " (as of day %d of %d)", s->as_days, s->as_len);
		out_char(o, '\t');
		out_write(o, s->ebuf, s->elen);
	}
	int warmup = s->start_month != INT32_MIN && m < s->start_month + w->activity;
	out_str(o, warmup ? "\t1" : "\t0");
	filter_rules_end(o, s->rid);
	out_char(o, '\n');
}

/* fill_template writes the input columns of a month without purchases of
 * the current customer to s->fbuf, the month left for the caller to write
 * at *MONTH_AT; returns their length. */
static size_t fill_template(Tier *s, size_t *month_at)
{
	size_t need = s->bn + s->cn + (size_t)s->t.ncols * 24 + s->period_n + s->start_n;
	if (need > s->fcap) {
		s->fcap = need * 2;
		s->fbuf = xrealloc(s->fbuf, s->fcap);
	}
	char zero[32];
	size_t zn = fixed_fmt(zero, 0, s->x.decimals);
	char *p = s->fbuf;
	*month_at = 0;
	for (int c = 0; c < s->t.ncols; c++) {
		if (c == s->ri)
			continue;
		if (c)
			*p++ = '\t';
		switch (s->fill[c]) {
		case F_ZERO: *p++ = '0'; break;
		case F_MONEY0: memcpy(p, zero, zn); p += zn; break;
		case F_BRAND: memcpy(p, s->brand, s->bn); p += s->bn; break;
		case F_CUST: memcpy(p, s->cust, s->cn); p += s->cn; break;
		case F_MONTH: *month_at = (size_t)(p - s->fbuf); p += 7; break;
		case F_PERIOD: memcpy(p, s->period, s->period_n); p += s->period_n; break;
		case F_START: memcpy(p, s->start, s->start_n); p += s->start_n; break;
		default: break;
		}
	}
	return (size_t)(p - s->fbuf);
}

/* fill_until writes the months without purchases of the current customer
 * before month END (exclusive). Their input columns differ only in the
 * month: one template is made and copied for each. */
static void fill_until(Tier *s, int32_t end)
{
	size_t fn = 0, month_at = 0;
	for (int32_t m = s->next_month; m < end; m++) {
		hist_push(&s->h, 0, 0, NO_DAY, NO_DAY);
		s->next_month = m + 1;
		if (m < s->from)
			continue;
		if (!fn)
			fn = fill_template(s, &month_at);
		Out *o = &s->o;
		char *p = out_reserve(o, fn);
		memcpy(p, s->fbuf, fn);
		memcpy(p + month_at, month_info(m)->text, 7);
		o->len += fn;
		emit_measures(s);
		s->rows_out++;
		s->filled++;
	}
}

/* set_as_of ends the period on DAY. */
static void set_as_of(Tier *s, int32_t day)
{
	s->as_of = day;
	s->to = month_of_day(day);
	s->as_days = month_elapsed(s->to, day, &s->as_len);
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
	int bi = tsv_col(t, "brand"), ci = schema_need(t, "customer_id");
	s->mi = schema_need(t, "month");
	s->oi = schema_need(t, "orders");
	s->ai = schema_need(t, "amount");
	s->li = schema_need(t, "last_date");
	s->pi = tsv_col(t, "period_end");
	s->si = tsv_col(t, "period_start");
	if (s->pi < 0 && !s->to_given)
		die("%s: missing column 'period_end' (added by %s): give --to YYYY-MM", t->name,
		    schema_producer("period_end"));
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
	if (s->si >= 0)
		s->fill[s->si] = F_START;

	Out *o = &s->o;
	s->ri = filter_header(o, t, "crm-tier", s->explain);

	int have = 0;
	while (tsv_next(t)) {
		s->rows_in++;
		progress_add(&s->pg, 1);
		size_t keep_n = filter_rules_row(t, s->ri, s->rid);
		int32_t month;
		const char *why = month_parse(t->f[s->mi].p, t->f[s->mi].n, &month);
		if (why)
			tsv_fail(t, s->mi, why);
		if (s->pi >= 0) {
			Field p = t->f[s->pi];
			int32_t pe;
			if ((why = day_parse_end(p.p, p.n, &pe)))
				tsv_fail(t, s->pi, why);
			if (!s->to_given) {
				set_as_of(s, pe);
				s->to_given = 2; /* taken from the data */
				memcpy(s->period, p.p, p.n);
				s->period_n = p.n;
			} else if (s->to_given == 2 && pe != s->as_of) {
				tsv_fail(t, s->pi, "differs from the period_end of the first row");
			}
			if (month > month_of_day(pe))
				tsv_fail(t, s->mi, "is after the row's period_end");
		}
		if (s->si >= 0) {
			Field p = t->f[s->si];
			int32_t ps;
			if ((why = day_parse_start(p.p, p.n, &ps)))
				tsv_fail(t, s->si, why);
			if (s->start_month == INT32_MIN) {
				s->start_day = ps;
				s->start_month = month_of_day(ps);
				memcpy(s->start, p.p, p.n);
				s->start_n = p.n;
			} else if (ps != s->start_day) {
				tsv_fail(t, s->si, "differs from the period_start of the first row");
			}
			if (month < s->start_month)
				tsv_fail(t, s->mi, "is before the row's period_start");
		}
		int start = keyorder_next(&s->ko, t, month);
		if (start && (int64_t)s->to - month + 1 > s->max_months) {
			/* A row for every month to the period end: refuse rather
			 * than write millions of them. */
			char msg[300], pe[8];
			month_fmt(pe, s->to);
			snprintf(msg, sizeof msg, "starts a customer %lld months before the period end "
				 "%.7s, beyond period.max_months (%lld): cut the period with crm-agg "
				 "--from/--to, or raise period.max_months",
				 (long long)s->to - month + 1, pe, (long long)s->max_months);
			tsv_fail(t, s->mi, msg);
		}
		if (start) {
			if (have)
				fill_until(s, s->to + 1);
			Field b = bi >= 0 ? t->f[bi] : (Field){ "", 0 };
			keep(&s->brand, &s->bn, &s->bcap, b);
			keep(&s->cust, &s->cn, &s->ccap, t->f[ci]);
			const BrandRules *br = brand_rules(&s->x.rc, b.p, b.n);
			s->tr = &br->tier;
			s->win = &br->win;
			hist_reset(&s->h, month);
			s->next_month = month;
			s->last_buy = NO_DAY;
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
		int32_t last = NO_DAY;
		Field ld = t->f[s->li];
		if (ld.n) {
			if ((why = date_parse(ld.p, ld.n, &last)))
				tsv_fail(t, s->li, why);
			if (memcmp(ld.p, t->f[s->mi].p, 7) != 0)
				tsv_fail(t, s->li, "is not in the row's month");
			if (last > s->as_of) {
				char msg[80], d[11];
				date_fmt(d, s->as_of);
				snprintf(msg, sizeof msg, "is after the as-of day %.10s", d);
				tsv_fail(t, s->li, msg);
			}
			s->last_buy = last;
		} else if (orders > 0) {
			tsv_fail(t, s->li, "is empty in a month with orders");
		}
		hist_push(&s->h, orders, amount, last, last);
		s->next_month = month + 1;
		if (month < s->from)
			continue;
		if (s->to_given == 1 && s->pi >= 0) {
			/* --to or --as-of ends the period: every row says so. */
			for (int c = 0; c < t->ncols; c++) {
				if (c == s->ri)
					continue;
				if (c)
					out_char(o, '\t');
				if (c == s->pi)
					out_write(o, s->period, s->period_n);
				else
					out_write(o, t->f[c].p, t->f[c].n);
			}
		} else {
			out_write(o, t->line, keep_n);
		}
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
	filter_init(&opt);
	const Opt opts[] = {
		OPT_RULES(&opt.c),
		OPT_FILTER_FROM(&opt, "print only months from this one on (earlier ones still count)"),
		{ "to", 0, "YYYY-MM", opt_month, &opt.to, 0, "the last month to write (default: the input's period_end)" },
		{ "as-of", 0, "DATE", opt_date, &opt.as_of, 0, "end the period on this day (YYYY-MM-DD), measured to it" },
		OPT_FILTER_END(&opt, "add tier_explain: limits that held, the first that failed",
			       "print row counts, months added and rows left out on stderr"),
	};
	filter_start(&opt, argc, argv, usage_text, opts, &s.x.rc, s.rid);
	s.from = opt.from;
	s.to = opt.to;
	s.to_given = opt.to_given;
	s.explain = opt.explain;
	s.start_month = INT32_MIN;
	if (s.to_given) {
		set_as_of(&s, opt.as_of);
		date_fmt(s.period, s.as_of);
		s.period_n = 10;
	}
	s.x.rules = s.x.rc.rules;
	s.x.decimals = s.x.rc.money.decimals;
	s.max_months = s.x.rc.money.max_months;
	hist_init(&s.h);
	s.ecap = 256;
	s.ebuf = xmalloc(s.ecap);
	tsv_open(&s.t, opt.input);
	out_create(&s.o, opt.c.output);
	progress_init(&s.pg, opt.c.progress);
	run(&s);
	progress_end(&s.pg);
	out_close(&s.o);
	if (tsv_col(&s.t, "brand") >= 0)
		rules_warn_unseen_brands(s.x.rules);
	if (opt.c.stats)
		fprintf(stderr, "crm-tier: %llu rows read, %llu written: %llu months without purchases "
			"added, %llu rows after --to left out\n", (unsigned long long)s.rows_in,
			(unsigned long long)s.rows_out, (unsigned long long)s.filled,
			(unsigned long long)s.late);
	tsv_close(&s.t);
	keyorder_free(&s.ko);
	hist_free(&s.h);
	free(s.fill);
	free(s.brand);
	free(s.cust);
	free(s.ebuf);
	free(s.fbuf);
	rules_cache_close(&s.x.rc);
	return 0;
}
