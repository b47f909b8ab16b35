/* crm-agg: fold transactions into one row per customer and month.
 *
 * Reads transaction TSV (columns found by name) in any order and writes the
 * monthly rows sorted by (brand,) customer_id, month, within a memory budget:
 * see agg.h for the data flow. */
#include "agg.h"
#include "brandrules.h"
#include "date.h"
#include "hash.h"
#include "money.h"
#include "opt.h"
#include "products.h"
#include "progress.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
	"crm-agg [--memory SIZE] [-T DIR] [--rules FILE] [--products FILE]\n"
	"               [--from YYYY-MM] [--to YYYY-MM | --as-of YYYY-MM-DD] [--partition I/N]\n"
	"               [--stats] [-o FILE] [FILE ...]\n"
	"       crm-agg --merge [-o FILE] FILE ...";

typedef struct {
	RulesCache rc;             /* exclude.categories per brand */
	Rules *rules;              /* rc.rules */
	int decimals;
	const Products *products;
	uint32_t part_i, part_n;   /* --partition: keep hash_range(h, n) == i */
	PartSet ps;
	int has_brand;             /* -1 until the first file is opened */
	int32_t from, to;          /* --from, --to: months kept */
	int to_given;
	int64_t max_months;        /* period.max_months */
	/* The period the dates span, and the rows that set its ends (for
	 * the message when it grows too long). */
	int32_t min_month, max_month;
	char min_at[600], max_at[600];
	/* Dates as ymd_key() numbers: the first and last of the rows kept,
	 * and the as-of day (--as-of, or the last day of --to's month). */
	int32_t first_day, last_day, as_of;
	uint64_t rows, kept, outside;
	/* The pending partial group: consecutive rows of one key and month. */
	Group pend;
	uint64_t pend_h;
	uint8_t pend_key[KEY_MAX];
	int pending;
	Progress pg;               /* --progress: rows read */
} Agg;

static void flush_pending(Agg *a)
{
	if (a->pending) {
		partset_add(&a->ps, a->pend_h, &a->pend);
		a->pending = 0;
	}
}

/* ymd_key orders dates as days do, without the division days need. */
static inline int32_t ymd_key(int y, int m, int d)
{
	return y << 9 | m << 5 | d;
}

static int32_t ymd_days(int32_t k)
{
	return days_from_civil(k >> 9, (k >> 5) & 15, k & 31);
}

/* note_day widens the period of the data to DAY, a ymd_key(). */
static inline void note_day(Agg *a, int32_t day)
{
	if (day < a->first_day)
		a->first_day = day;
	if (day > a->last_day)
		a->last_day = day;
}

/* span_add widens the period to the month of the current row of T (its
 * date in column DI), dying when the period, from its first month to its
 * last (or --to), grows beyond period.max_months. */
static void span_add(Agg *a, const Tsv *t, int di, int32_t month)
{
	char *at;
	if (month < a->min_month) {
		a->min_month = month;
		at = a->min_at;
	} else if (month > a->max_month) {
		a->max_month = month;
		at = a->max_at;
	} else {
		return;
	}
	if (a->max_month < a->min_month) {
		/* The first date: both ends. */
		a->max_month = a->min_month = month;
		snprintf(a->max_at, sizeof a->max_at, "%s:%llu", t->name, (unsigned long long)t->lineno);
	}
	snprintf(at, sizeof a->min_at, "%s:%llu", t->name, (unsigned long long)t->lineno);
	int32_t hi = a->to_given ? a->to : a->max_month;
	if (hi - a->min_month + 1 <= a->max_months)
		return;
	char lo_m[8], hi_m[8], msg[1600];
	month_fmt(lo_m, a->min_month);
	month_fmt(hi_m, hi);
	const char *other = at == a->min_at ? (a->to_given ? NULL : a->max_at) : a->min_at;
	snprintf(msg, sizeof msg, "stretches the period to %lld months, %.7s to %.7s (the other end "
		 "set %s%s), beyond period.max_months (%lld): cut the period with --from/--to, "
		 "or raise period.max_months", (long long)(hi - a->min_month + 1), lo_m, hi_m,
		 other ? "at " : "by --to", other ? other : "", (long long)a->max_months);
	tsv_fail(t, di, msg);
}

static void scan_file(Agg *a, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	int ci = tsv_need(&t, "customer_id", NULL), di = tsv_need(&t, "date", NULL);
	int qi = tsv_need(&t, "qty", NULL), ai = tsv_need(&t, "amount", NULL);
	int bi = tsv_col(&t, "brand"), ki = -1, si = -1;
	if (a->products)
		si = tsv_need(&t, "sku", NULL);
	else if ((ki = tsv_col(&t, "category")) < 0)
		die("%s: missing column 'category' (or give a products file with --products)", t.name);
	if (a->has_brand < 0)
		a->has_brand = bi >= 0;
	else if (a->has_brand != (bi >= 0))
		die("%s: %s a brand column, unlike the files before it", t.name,
		    bi >= 0 ? "has" : "lacks");

	uint8_t key[KEY_MAX];
	/* In partition mode a row of another partition needs only its key and
	 * date: that partition checks and folds it. */
	int upto = ci > di ? ci : di;
	if (bi > upto)
		upto = bi;
	while (tsv_next_raw(&t)) {
		a->rows++;
		if ((a->rows & 0xffff) == 0)
			progress_add(&a->pg, 0x10000);
		if (!a->part_n || t.nf <= upto)
			tsv_check(&t);
		/* The key: brand NUL customer_id, or customer_id in place. */
		Field fc = t.f[ci];
		const uint8_t *kp = (const uint8_t *)fc.p;
		size_t kn = fc.n < KEY_MAX ? fc.n : KEY_MAX, bn = 0;
		const char *bp = NULL;
		if (bi >= 0) {
			bp = t.f[bi].p;
			bn = t.f[bi].n < KEY_MAX / 2 ? t.f[bi].n : KEY_MAX / 2;
			size_t cn = fc.n < KEY_MAX - bn - 1 ? fc.n : KEY_MAX - bn - 1;
			memcpy(key, bp, bn);
			key[bn] = 0;
			memcpy(key + bn + 1, fc.p, cn);
			kp = key;
			kn = bn + 1 + cn;
		}
		int y, m, d;
		const char *why = date_parse_ymd(t.f[di].p, t.f[di].n, &y, &m, &d);
		int32_t month = why ? -1 : month_index(y, m);

		/* Lines of one customer and month in a row fold before they are
		 * stored: an order's lines usually come together. */
		int same = a->pending && a->pend.month == month && a->pend.keylen == kn &&
			   key_eq(a->pend_key, kp, kn);
		uint64_t h = same ? a->pend_h : hash_bytes(kp, kn);
		if (a->part_n) {
			if (hash_range(h, a->part_n) != a->part_i) {
				/* All partitions see every date, so they agree on
				 * period_start and period_end. */
				if (!why && month >= a->from && ymd_key(y, m, d) <= a->as_of) {
					span_add(a, &t, di, month);
					note_day(a, ymd_key(y, m, d));
				} else if (!why) {
					a->outside++;
				}
				continue;
			}
			tsv_check(&t);
		}
		if (fc.n == 0)
			tsv_fail(&t, ci, "is empty");
		if (why)
			tsv_fail(&t, di, why);
		int64_t qty, amount;
		if ((why = int_parse(t.f[qi].p, t.f[qi].n, &qty)))
			tsv_fail(&t, qi, why);
		if ((why = fixed_parse(t.f[ai].p, t.f[ai].n, a->decimals, &amount)))
			tsv_fail(&t, ai, why);
		if (bi >= 0) {
			if (t.f[bi].n == 0)
				tsv_fail(&t, bi, "is empty");
			if (memchr(bp, 0, t.f[bi].n))
				tsv_fail(&t, bi, "holds a NUL byte");
			if (t.f[bi].n + 1 + fc.n > KEY_MAX) {
				char msg[80];
				snprintf(msg, sizeof msg, "is too long (brand and customer_id over %d bytes)", KEY_MAX - 1);
				tsv_fail(&t, ci, msg);
			}
		} else if (fc.n > KEY_MAX) {
			char msg[80];
			snprintf(msg, sizeof msg, "is too long (over %d bytes)", KEY_MAX);
			tsv_fail(&t, ci, msg);
		}

		const char *cat;
		size_t catn;
		if (a->products) {
			cat = products_category(a->products, t.f[si].p, t.f[si].n);
			if (!cat) {
				char msg[600];
				snprintf(msg, sizeof msg, "is not in the products file %s", a->products->path);
				tsv_fail(&t, si, msg);
			}
			catn = strlen(cat);
		} else {
			cat = t.f[ki].p;
			catn = t.f[ki].n;
			if (catn == 0)
				tsv_fail(&t, ki, "is empty");
		}
		int ex = namelist_has(&brand_rules(&a->rc, bp, bn)->exclude, cat, catn);
		uint32_t bit = (qty > 0 && amount >= 0) ? 1u << (d - 1) : 0;
		if (month < a->from || ymd_key(y, m, d) > a->as_of) {
			/* Checked like every row, then left out: counted for --stats. */
			a->outside++;
			continue;
		}
		span_add(a, &t, di, month);
		note_day(a, ymd_key(y, m, d));
		a->kept++;
		if (!same) {
			flush_pending(a);
			key_copy(a->pend_key, kp, kn);
			a->pend = (Group){ .key = a->pend_key, .keylen = (uint32_t)kn, .month = month };
			a->pend_h = h;
			a->pending = 1;
		}
		Group *g = &a->pend;
		g->lines++;
		int over;
		if (ex) {
			g->omask |= bit;
			over = add_check(&g->ou, qty) | add_check(&g->oa, amount);
		} else {
			g->cmask |= bit;
			over = add_check(&g->cu, qty) | add_check(&g->ca, amount);
		}
		if (over)
			tsv_fail_line(&t, "a sum for customer '%.*s' overflows 64 bits", (int)fc.n, fc.p);
	}
	tsv_close(&t);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* opt_partition reads --partition I/N into the Agg at DST. */
static const char *opt_partition(const char *s, void *dst)
{
	Agg *a = dst;
	const char *slash = strchr(s, '/');
	uint64_t i, n;
	char num[32];
	if (!slash || (size_t)(slash - s) >= sizeof num)
		return "is not I/N";
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_uint(num, 1u << 20, &i) || parse_uint(slash + 1, 1u << 20, &n) ||
	    n == 0 || i == 0 || i > n)
		return "is not I/N with 1 <= I <= N";
	a->part_i = (uint32_t)i - 1;
	a->part_n = (uint32_t)n;
	return NULL;
}

/* opt_memory reads --memory SIZE into the uint64_t at DST. */
static const char *opt_memory(const char *s, void *dst)
{
	const char *why = opt_size(s, dst);
	if (!why && *(uint64_t *)dst < (4u << 20))
		why = "is less than the smallest budget, 4M";
	return why;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	OptCommon c;
	opt_common_init(&c);
	const char *products_path = NULL, *tmpdir = NULL;
	uint64_t budget = 200ULL << 20;
	int merge = 0;
	int32_t as_of_day = INT32_MIN;
	Agg a;
	memset(&a, 0, sizeof a);
	a.has_brand = -1;
	a.from = INT32_MIN;
	a.to = INT32_MAX;
	a.as_of = INT32_MAX;
	a.min_month = INT32_MAX;
	a.max_month = -1;
	a.first_day = INT32_MAX;
	a.last_day = INT32_MIN;
	const Opt opts[] = {
		{ "memory", 0, "SIZE", opt_memory, &budget, 0, "memory budget (200M; K, M, G, T or % of memory)" },
		{ NULL, 'T', "DIR", opt_str, &tmpdir, 0, "directory of the temporary file (default: $TMPDIR or /tmp)" },
		OPT_RULES(&c),
		{ "products", 0, "FILE", opt_str, &products_path, 0, "take each line's category from a sku, category file" },
		{ "from", 0, "YYYY-MM", opt_month, &a.from, 0, "leave out (and count) rows before this month" },
		{ "to", 0, "YYYY-MM", opt_month, &a.to, 0, "leave out (and count) rows after this month; the period end" },
		{ "as-of", 0, "DATE", opt_date, &as_of_day, 0, "leave out (and count) rows after this day; the period end" },
		{ "partition", 0, "I/N", opt_partition, &a, 0, "fold only the customers of hash partition I of N" },
		{ "merge", 0, NULL, NULL, &merge, 1, "merge the outputs of disjoint partitions into one" },
		OPT_STATS(&c, "print counts, memory peak, spills and timings on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	int from_given = a.from != INT32_MIN, as_of_given = as_of_day != INT32_MIN;
	a.to_given = a.to != INT32_MAX;
	if (as_of_given) {
		int y, m, d;
		civil_from_days(as_of_day, &y, &m, &d);
		a.as_of = ymd_key(y, m, d);
		a.to = month_index(y, m);
	}
	argc -= first;
	argv += first;
	static char *stdin_only[] = { "-", NULL };
	char **files = argc ? argv : stdin_only;
	int nfiles = argc ? argc : 1;

	if (as_of_given && a.to_given)
		usage_fail(usage_text, "--to and --as-of both end the period: give one");
	if (from_given && a.to_given && a.from > a.to)
		usage_fail(usage_text, "--from is after --to");
	if (from_given && as_of_given && a.from > a.to)
		usage_fail(usage_text, "--from is after --as-of");
	Out o;
	if (merge) {
		if (!argc)
			usage_fail(usage_text, "--merge needs the files to merge");
		if (from_given || a.to_given)
			usage_fail(usage_text, "--from and --to cut the input of a run, not --merge");
		if (as_of_given)
			usage_fail(usage_text, "--as-of cuts the input of a run, not --merge");
		out_create(&o, c.output);
		uint64_t rows = merge_outputs(files, nfiles, &o);
		out_close(&o);
		if (c.stats)
			fprintf(stderr, "crm-agg: merged %d files, %llu rows\n", nfiles,
				(unsigned long long)rows);
		return 0;
	}

	/* --as-of ends the period as --to does, on its day; --to on its
	 * month's last day. */
	if (as_of_given)
		a.to_given = 1;
	else if (a.to_given)
		a.as_of = ymd_key(a.to / 12, a.to % 12 + 1, days_in_month(a.to / 12, a.to % 12 + 1));
	rules_cache_open(&a.rc, c.rules);
	a.rules = a.rc.rules;
	a.decimals = a.rc.money.decimals;
	a.max_months = a.rc.money.max_months;
	if (from_given && a.to_given && (int64_t)a.to - a.from + 1 > a.max_months)
		usage_fail(usage_text, "--from to --to is %lld months, beyond period.max_months (%lld)",
			   (long long)a.to - a.from + 1, (long long)a.max_months);
	Products products;
	if (products_path) {
		products_load(&products, products_path);
		a.products = &products;
	}
	mem_init(budget, tmp_dir(tmpdir));
	/* Create the output first: a destination that cannot be written
	 * fails now, not after the whole input has been read. */
	out_create(&o, c.output);

	double t0 = now();
	progress_init(&a.pg, c.progress);
	for (int i = 0; i < nfiles; i++)
		scan_file(&a, files[i]);
	flush_pending(&a);
	progress_add(&a.pg, a.rows - a.pg.rows);
	progress_end(&a.pg);

	double t1 = now();
	Runs runs;
	memset(&runs, 0, sizeof runs);
	fold_all(&a.ps, &runs);
	double t2 = now();
	/* The period ends on the as-of day: --as-of, the last day of --to's
	 * month, or else the last date of the rows kept. With no rows there
	 * are none to carry it. */
	if (a.to_given)
		a.last_day = a.as_of;
	if (a.first_day > a.last_day)
		a.first_day = a.last_day = a.to_given ? a.as_of : ymd_key(1970, 1, 1);
	OutFmt f = { a.has_brand > 0, a.decimals, ymd_days(a.first_day), ymd_days(a.last_day) };
	write_header(&o, &f);
	uint64_t groups = merge_runs(&runs, &o, &f);
	out_close(&o);
	/* A partition meets only some of the brands. */
	if (a.has_brand > 0 && !a.part_n)
		rules_warn_unseen_brands(a.rules);
	double t3 = now();
	if (c.stats) {
		char outside[200] = "";
		if (from_given || a.to_given)
			snprintf(outside, sizeof outside, "crm-agg: %llu rows outside %s "
				 "left out\n", (unsigned long long)a.outside,
				 as_of_given ? "--from/--as-of" : "--from/--to");
		fprintf(stderr,
			"crm-agg: %llu rows read, %llu folded, %llu in other partitions; "
			"%llu customer-months written\n"
			"%s"
			"crm-agg: memory peak %.1f MiB of %.1f MiB; %u spills, %.1f MiB to %s\n"
			"crm-agg: seconds: %.2f read, %.2f fold, %.2f merge and write\n",
			(unsigned long long)a.rows, (unsigned long long)a.kept,
			(unsigned long long)(a.rows - a.kept - a.outside), (unsigned long long)groups,
			outside,
			(double)mem.peak / 1048576, (double)budget / 1048576, mem.spills,
			(double)mem.spilled / 1048576, mem.tmpdir, t1 - t0, t2 - t1, t3 - t2);
	}
	free(runs.v);
	if (products_path)
		products_free(&products);
	rules_cache_close(&a.rc);
	if (mem.tmp_open)
		tmp_close(&mem.tmp);
	return 0;
}
