/* crm-agg: fold transactions into one row per customer and month.
 *
 * Reads transaction TSV (columns found by name) in any order and writes the
 * monthly rows sorted by (brand,) customer_id, month, within a memory budget:
 * see agg.h for the data flow. */
#include "scan.h"
#include "date.h"
#include "opt.h"
#include "tmpfile.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
	"crm-agg [-j N] [--memory SIZE] [-T DIR] [--rules FILE] [--products FILE]\n"
	"               [--from YYYY-MM] [--to YYYY-MM | --as-of YYYY-MM-DD] [--partition I/N]\n"
	"               [--start DATE]\n"
	"               [--stats] [--progress] [-o FILE] [FILE ...]\n"
	"       crm-agg --merge [-o FILE] FILE ...";

/* scan_file scans one input file with the scanners S (a->jobs of them);
 * SPAN is the period of the files before. */
static void scan_file(Agg *a, Scan **s, Span *span, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	TxCols cols;
	tx_cols(&cols, &t, a->products, a->decimals, &a->has_brand);
	if (a->jobs == 1)
		scan_rows(s[0], &t, &cols);
	else
		scan_parallel(a, s, span, &t, &cols);
	tsv_close(&t);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	int32_t as_of_day = INT32_MIN, start_day = INT32_MIN;
	Agg a;
	memset(&a, 0, sizeof a);
	a.has_brand = -1;
	a.jobs = 1;
	a.from = INT32_MIN;
	a.to = INT32_MAX;
	a.as_of = INT32_MAX;
	OptUint jobs = { 1, JOBS_MAX, 1, 0 };
	OptPart part = { 0, 0 };
	const Opt opts[] = {
		{ NULL, 'j', "N", opt_uint, &jobs, 0, "parse, fold and merge with N threads (1; same output)" },
		{ "memory", 0, "SIZE", opt_memory, &budget, 0, "memory budget (200M; K, M, G, T or % of memory)" },
		{ NULL, 'T', "DIR", opt_str, &tmpdir, 0, "directory of the temporary file (default: $TMPDIR or /tmp)" },
		OPT_RULES(&c),
		{ "products", 0, "FILE", opt_str, &products_path, 0, "take each line's category from a sku, category file" },
		{ "from", 0, "YYYY-MM", opt_month, &a.from, 0, "leave out (and count) rows before this month" },
		{ "to", 0, "YYYY-MM", opt_month, &a.to, 0, "leave out (and count) rows after this month; the period end" },
		{ "as-of", 0, "DATE", opt_date, &as_of_day, 0, "leave out (and count) rows after this day; the period end" },
		{ "partition", 0, "I/N", opt_hash_part, &part, 0, "fold only the customers of hash partition I of N" },
		{ "start", 0, "DATE", opt_date, &start_day, 0, "the period starts on DATE if no row is earlier" },
		{ "merge", 0, NULL, NULL, &merge, 1, "merge the outputs of disjoint partitions into one" },
		OPT_STATS(&c, "print counts, memory peak, spills and timings on stderr"),
		OPT_PROGRESS(&c),
		OPT_OUTPUT(&c),
		OPT_END,
	};
	int first = opt_parse(argc, argv, usage_text, opts);
	a.jobs = (unsigned)jobs.v;
	a.part_i = part.n ? part.i - 1 : 0;
	a.part_n = part.n;
	int from_given = a.from != INT32_MIN, as_of_given = as_of_day != INT32_MIN;
	a.to_given = a.to != INT32_MAX;
	if (as_of_given) {
		int y, m, d;
		civil_from_days(as_of_day, &y, &m, &d);
		a.as_of = tx_ymd(y, m, d);
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
		if (start_day != INT32_MIN)
			usage_fail(usage_text, "--start sets the period of a run, not --merge");
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
		a.as_of = tx_ymd(a.to / 12, a.to % 12 + 1, days_in_month(a.to / 12, a.to % 12 + 1));
	RulesCache rc;
	rules_cache_open(&rc, c.rules);
	a.rc = &rc;
	pthread_mutex_t rc_mu = PTHREAD_MUTEX_INITIALIZER;
	a.rc_mu = &rc_mu;
	a.rules = rc.rules;
	a.decimals = rc.money.decimals;
	a.max_months = rc.money.max_months;
	if (from_given && a.to_given && (int64_t)a.to - a.from + 1 > a.max_months)
		usage_fail(usage_text, "--from to --to is %lld months, beyond period.max_months (%lld)",
			   (long long)a.to - a.from + 1, (long long)a.max_months);
	Products products;
	if (products_path) {
		products_load(&products, products_path);
		a.products = &products;
	}
	mem_init(budget, tmp_dir(tmpdir), a.jobs);
	/* Create the output first: a destination that cannot be written
	 * fails now, not after the whole input has been read. */
	out_create(&o, c.output);

	double t0 = now();
	Progress pg;
	progress_init(&pg, a.jobs == 1 ? c.progress : 0);
	Span span;
	span_init(&span);
	Scan **scan = xcalloc(a.jobs, sizeof *scan);
	PartSet **sets = xcalloc(a.jobs, sizeof *sets);
	for (unsigned k = 0; k < a.jobs; k++) {
		scan[k] = scan_new(&a, a.jobs == 1 ? &span : NULL);
		scan[k]->pg = a.jobs == 1 ? &pg : NULL;
		sets[k] = &scan[k]->ps;
	}
	for (int i = 0; i < nfiles; i++)
		scan_file(&a, scan, &span, files[i]);
	uint64_t rows = 0, kept = 0, outs = 0;
	int32_t first_day = INT32_MAX, last_day = INT32_MIN;
	progress_add(&pg, scan[0]->rows - pg.rows);
	progress_end(&pg);
	for (unsigned k = 0; k < a.jobs; k++) {
		flush_pending(scan[k]);
		rows += scan[k]->rows;
		kept += scan[k]->kept;
		outs += scan[k]->outside;
		if (scan[k]->first_day < first_day)
			first_day = scan[k]->first_day;
		if (scan[k]->last_day > last_day)
			last_day = scan[k]->last_day;
	}

	double t1 = now();
	Runs runs;
	memset(&runs, 0, sizeof runs);
	fold_all(sets, a.jobs, &runs);
	double t2 = now();
	/* The period ends on the as-of day: --as-of, the last day of --to's
	 * month, or else the last date of the rows kept. With no rows there
	 * are none to carry it. */
	if (a.to_given)
		last_day = a.as_of;
	/* Partitions cleaned apart (crm-clean --partition) see only their
	 * own rows: the earliest of all of them is given. */
	if (start_day != INT32_MIN) {
		int y, m, d;
		civil_from_days(start_day, &y, &m, &d);
		if (tx_ymd(y, m, d) < first_day)
			first_day = tx_ymd(y, m, d);
	}
	if (first_day > last_day)
		first_day = last_day = a.to_given ? a.as_of : tx_ymd(1970, 1, 1);
	OutFmt f = { a.has_brand > 0, a.decimals, ymd_days(first_day), ymd_days(last_day), "" };
	/* The rows carry the fingerprint of the rules that made them: the
	 * stages after refuse other rules (see filter_rules_row). */
	rules_id(a.rules, f.rules_id);
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
				 "left out\n", (unsigned long long)outs,
				 as_of_given ? "--from/--as-of" : "--from/--to");
		fprintf(stderr,
			"crm-agg: %llu rows read, %llu folded, %llu in other partitions; "
			"%llu customer-months written\n"
			"%s"
			"crm-agg: memory peak %.1f MiB of %.1f MiB; %u spills, %.1f MiB to %s\n"
			"crm-agg: seconds: %.2f read, %.2f fold, %.2f merge and write\n",
			(unsigned long long)rows, (unsigned long long)kept,
			(unsigned long long)(rows - kept - outs), (unsigned long long)groups,
			outside,
			(double)mem.peak / 1048576, (double)budget / 1048576, mem.spills,
			(double)mem.spilled / 1048576, mem.tmpdir, t1 - t0, t2 - t1, t3 - t2);
	}
	free(runs.v);
	free(runs.cut);
	if (runs.sp) {
		splits_free(runs.sp);
		free(runs.sp);
	}
	if (products_path)
		products_free(&products);
	for (unsigned k = 0; k < a.jobs; k++)
		scan_free(scan[k]);
	free(scan);
	free(sets);
	rules_cache_close(&rc);
	if (mem.tmp_open)
		tmp_close(&mem.tmp);
	return 0;
}
