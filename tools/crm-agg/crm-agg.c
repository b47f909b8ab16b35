/* crm-agg: fold transactions into one row per customer and month.
 *
 * Reads transaction TSV (columns found by name) in any order and writes the
 * monthly rows sorted by (brand,) customer_id, month, within a memory budget:
 * see agg.h for the data flow. */
#include "agg.h"
#include "date.h"
#include "hash.h"
#include "help.h"
#include "money.h"
#include "products.h"
#include "rules.h"
#include "tsv.h"
#include "util.h"

#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
	"crm-agg [-j N] [--memory SIZE] [-T DIR] [--rules FILE] [--products FILE]\n"
	"               [--partition I/N] [--stats] [-o FILE] [FILE ...]\n"
	"       crm-agg --merge [-o FILE] FILE ...";

static const HelpOpt help[] = {
	{ "-j N", "scan and fold with N threads (1; the output is the same)" },
	{ "--memory SIZE", "memory budget (200M; K, M, G, T or % of memory)" },
	{ "-T DIR", "directory of the temporary file (default: $TMPDIR or /tmp)" },
	{ "--rules FILE", "rules overriding the built-in ones" },
	{ "--products FILE", "take each line's category from a sku, category file" },
	{ "--partition I/N", "fold only the customers of hash partition I of N" },
	{ "--merge", "merge the outputs of disjoint partitions into one" },
	{ "--stats", "print counts, memory peak, spills and timings on stderr" },
	{ "-o FILE", "write to FILE (a temporary file renamed at the end)" },
	{ NULL, NULL },
};

#define JOBS_MAX 64

/* Categories excluded from segmentation, per brand (rules may differ). */
typedef struct {
	char *brand;          /* NULL: no brand column */
	size_t brand_n;
	NameList excl;
} BrandRules;

/* What every scanner shares, read-only while they run. */
typedef struct {
	Rules *rules;
	int decimals;
	const Products *products;
	uint32_t part_i, part_n;   /* --partition: keep hash_range(h, n) == i */
	int has_brand;             /* -1 until the first file is opened */
	unsigned jobs;             /* -j */
} Agg;

/* The columns of one input file. */
typedef struct {
	int ci, di, qi, ai, bi, ki, si;
	int upto;                  /* the last of key and date */
} Cols;

/* A scanner: the state of one scanning thread. */
typedef struct {
	const Agg *a;
	BrandRules *br;
	size_t nbr;
	BrandRules *last;
	PartSet ps;
	int32_t max_month;
	uint64_t rows, kept;
	/* The pending partial group: consecutive rows of one key and month. */
	Group pend;
	uint64_t pend_h;
	uint8_t pend_key[KEY_MAX];
	int pending;
} Scan;

static Scan *scan_new(const Agg *a)
{
	Scan *s = xcalloc(1, sizeof *s);
	s->a = a;
	s->max_month = -1;
	s->ps.share = a->jobs;
	return s;
}

static void scan_free(Scan *s)
{
	for (size_t i = 0; i < s->nbr; i++) {
		free(s->br[i].brand);
		namelist_free(&s->br[i].excl);
	}
	free(s->br);
	free(s);
}

static BrandRules *brand_rules(Scan *a, const char *b, size_t n)
{
	if (a->last && a->last->brand_n == n && (n == 0 || memcmp(a->last->brand, b, n) == 0))
		return a->last;
	for (size_t i = 0; i < a->nbr; i++)
		if (a->br[i].brand_n == n && (n == 0 || memcmp(a->br[i].brand, b, n) == 0))
			return a->last = &a->br[i];
	a->br = xrealloc(a->br, (a->nbr + 1) * sizeof *a->br);
	BrandRules *r = &a->br[a->nbr++];
	r->brand = n ? xstrndup(b, n) : NULL;
	r->brand_n = n;
	namelist_load(&r->excl, a->a->rules, r->brand, "exclude.categories");
	/* Pointers into a->br moved with the realloc. */
	return a->last = r;
}

static void flush_pending(Scan *a)
{
	if (a->pending) {
		partset_add(&a->ps, a->pend_h, &a->pend);
		a->pending = 0;
	}
}

/* open_cols finds the columns of T, which has just been opened. */
static void open_cols(Agg *a, const Tsv *t, Cols *c)
{
	c->ci = tsv_need(t, "customer_id", NULL);
	c->di = tsv_need(t, "date", NULL);
	c->qi = tsv_need(t, "qty", NULL);
	c->ai = tsv_need(t, "amount", NULL);
	c->bi = tsv_col(t, "brand");
	c->ki = c->si = -1;
	if (a->products)
		c->si = tsv_need(t, "sku", NULL);
	else if ((c->ki = tsv_col(t, "category")) < 0)
		die("%s: missing column 'category' (or give a products file with --products)", t->name);
	if (a->has_brand < 0)
		a->has_brand = c->bi >= 0;
	else if (a->has_brand != (c->bi >= 0))
		die("%s: %s a brand column, unlike the files before it", t->name,
		    c->bi >= 0 ? "has" : "lacks");
	/* In partition mode a row of another partition needs only its key
	 * and date: that partition checks and folds it. */
	c->upto = c->ci > c->di ? c->ci : c->di;
	if (c->bi > c->upto)
		c->upto = c->bi;
}

/* scan_rows folds the rows T has left into A's partial groups. */
static void scan_rows(Scan *a, Tsv *tp, const Cols *cols)
{
	const Agg *cf = a->a;
	const int ci = cols->ci, di = cols->di, qi = cols->qi, ai = cols->ai;
	const int bi = cols->bi, ki = cols->ki, si = cols->si, upto = cols->upto;
	Tsv t = *tp;   /* a local copy the compiler can keep in registers */
	uint8_t key[KEY_MAX];
	while (tsv_next_raw(&t)) {
		a->rows++;
		if (!cf->part_n || t.nf <= upto)
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
		if (cf->part_n) {
			if (hash_range(h, cf->part_n) != cf->part_i) {
				/* All partitions see every date, so they agree on
				 * period_end. */
				if (month > a->max_month)
					a->max_month = month;
				continue;
			}
			tsv_check(&t);
		}
		if (fc.n == 0)
			tsv_fail(&t, ci, "is empty");
		if (why)
			tsv_fail(&t, di, why);
		if (month > a->max_month)
			a->max_month = month;
		int64_t qty, amount;
		if ((why = int_parse(t.f[qi].p, t.f[qi].n, &qty)))
			tsv_fail(&t, qi, why);
		if ((why = fixed_parse(t.f[ai].p, t.f[ai].n, cf->decimals, &amount)))
			tsv_fail(&t, ai, why);
		if (bi >= 0) {
			if (t.f[bi].n == 0)
				tsv_fail(&t, bi, "is empty");
			if (memchr(bp, 0, t.f[bi].n))
				tsv_fail(&t, bi, "holds a NUL byte");
			if (t.f[bi].n + 1 + fc.n > KEY_MAX)
				tsv_fail(&t, ci, "is too long (brand and customer_id over 1023 bytes)");
		} else if (fc.n > KEY_MAX) {
			tsv_fail(&t, ci, "is too long (over 1024 bytes)");
		}

		const char *cat;
		size_t catn;
		if (cf->products) {
			cat = products_category(cf->products, t.f[si].p, t.f[si].n);
			if (!cat) {
				char msg[600];
				snprintf(msg, sizeof msg, "is not in the products file %s", cf->products->path);
				tsv_fail(&t, si, msg);
			}
			catn = strlen(cat);
		} else {
			cat = t.f[ki].p;
			catn = t.f[ki].n;
			if (catn == 0)
				tsv_fail(&t, ki, "is empty");
		}
		int ex = namelist_has(&brand_rules(a, bp, bn)->excl, cat, catn);
		uint32_t bit = (qty > 0 && amount >= 0) ? 1u << (d - 1) : 0;
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
	*tp = t;
}

/* ---- -j: one reader hands blocks of lines to scanning threads ---- */

#define NONE_SEQ UINT64_MAX

typedef struct {
	char *p;
	size_t n, cap;
	uint64_t seq;              /* the block's place in the input */
} Block;

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* signalled on every change below */
	Block *blk;
	unsigned nblk;
	unsigned *freeb, nfree;    /* blocks to fill */
	unsigned *fullq, head, nfull; /* blocks to scan, a ring in seq order */
	int done;                  /* the reader has reached the end */
	uint64_t *lines;           /* lines of each scanned block, by seq */
	size_t lines_cap;
	uint64_t err_seq;          /* the first block with an error */
	char *err_buf;             /* a copy of that block, and the message */
	size_t err_n;
	char err_msg[sizeof ((DieTrap *)0)->msg];
	const Tsv *hdr;
	const Cols *cols;
} Feed;

typedef struct {
	Feed *f;
	Scan *s;
} Worker;

static void *scan_thread(void *arg)
{
	Worker *w = arg;
	Feed *f = w->f;
	Tsv v;
	tsv_view_init(&v, f->hdr);
	pthread_mutex_lock(&f->mu);
	for (;;) {
		while (!f->nfull && !f->done)
			pthread_cond_wait(&f->cv, &f->mu);
		if (!f->nfull)
			break;
		unsigned bi = f->fullq[f->head];
		f->head = (f->head + 1) % f->nblk;
		f->nfull--;
		Block *b = &f->blk[bi];
		if (b->seq < f->err_seq) {
			pthread_mutex_unlock(&f->mu);
			/* Line numbers count from 0 in each block: the lines
			 * of the blocks before it are known only at the end. */
			DieTrap trap;
			volatile int bad = 0;
			die_trap = &trap;
			if (setjmp(trap.jb) == 0) {
				tsv_view_set(&v, b->p, b->n, 0);
				scan_rows(w->s, &v, f->cols);
				flush_pending(w->s);
			} else {
				bad = 1;
				w->s->pending = 0;
			}
			die_trap = NULL;
			pthread_mutex_lock(&f->mu);
			if (!bad) {
				f->lines[b->seq] = v.lineno;
			} else if (b->seq < f->err_seq) {
				f->err_seq = b->seq;
				free(f->err_buf);
				f->err_buf = xmalloc(b->n);
				memcpy(f->err_buf, b->p, b->n);
				f->err_n = b->n;
				memcpy(f->err_msg, trap.msg, sizeof f->err_msg);
			}
		}
		f->freeb[f->nfree++] = bi;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	tsv_view_free(&v);
	return NULL;
}

/* scan_parallel scans the rest of T with the a->jobs scanners S: the
 * calling thread reads blocks of whole lines, the scanners fold them. A
 * data error is reported as one thread would report it: the first in the
 * input, with its line number. */
static void scan_parallel(const Agg *a, Scan **s, Tsv *t, const Cols *cols)
{
	Feed f;
	memset(&f, 0, sizeof f);
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.cv, NULL);
	/* Three blocks a scanner: one it scans, two ready. */
	f.nblk = 3 * a->jobs;
	f.blk = xcalloc(f.nblk, sizeof *f.blk);
	f.freeb = xcalloc(f.nblk, sizeof *f.freeb);
	f.fullq = xcalloc(f.nblk, sizeof *f.fullq);
	for (unsigned i = 0; i < f.nblk; i++)
		f.freeb[f.nfree++] = i;
	f.err_seq = NONE_SEQ;
	f.hdr = t;
	f.cols = cols;
	Worker *w = xcalloc(a->jobs, sizeof *w);
	pthread_t *tid = xcalloc(a->jobs, sizeof *tid);
	for (unsigned k = 0; k < a->jobs; k++) {
		w[k] = (Worker){ &f, s[k] };
		if (pthread_create(&tid[k], NULL, scan_thread, &w[k]))
			die("cannot start a thread");
	}
	uint64_t seq = 0;
	for (;;) {
		pthread_mutex_lock(&f.mu);
		while (!f.nfree && f.err_seq == NONE_SEQ)
			pthread_cond_wait(&f.cv, &f.mu);
		if (f.err_seq != NONE_SEQ) {
			/* Blocks after the error do not matter. */
			pthread_mutex_unlock(&f.mu);
			break;
		}
		unsigned bi = f.freeb[--f.nfree];
		pthread_mutex_unlock(&f.mu);
		Block *b = &f.blk[bi];
		size_t n = tsv_take(t, &b->p, &b->cap);
		if (!n) {
			pthread_mutex_lock(&f.mu);
			f.freeb[f.nfree++] = bi;
			pthread_mutex_unlock(&f.mu);
			break;
		}
		b->n = n;
		pthread_mutex_lock(&f.mu);
		b->seq = seq++;
		if (seq > f.lines_cap) {
			f.lines_cap = f.lines_cap ? 2 * f.lines_cap : 1024;
			f.lines = xrealloc(f.lines, f.lines_cap * sizeof *f.lines);
		}
		f.fullq[(f.head + f.nfull) % f.nblk] = bi;
		f.nfull++;
		pthread_cond_broadcast(&f.cv);
		pthread_mutex_unlock(&f.mu);
	}
	pthread_mutex_lock(&f.mu);
	f.done = 1;
	pthread_cond_broadcast(&f.cv);
	pthread_mutex_unlock(&f.mu);
	for (unsigned k = 0; k < a->jobs; k++)
		pthread_join(tid[k], NULL);
	if (f.err_seq != NONE_SEQ) {
		/* Scan the block again in this thread, its lines numbered: it
		 * stops at the error with the message one thread gives. */
		uint64_t base = t->lineno;
		for (uint64_t i = 0; i < f.err_seq; i++)
			base += f.lines[i];
		Tsv v;
		tsv_view_init(&v, t);
		tsv_view_set(&v, f.err_buf, f.err_n, base);
		Scan *one = scan_new(a);
		scan_rows(one, &v, cols);
		die("%s", f.err_msg);
	}
	for (unsigned i = 0; i < f.nblk; i++)
		free(f.blk[i].p);
	free(f.blk);
	free(f.freeb);
	free(f.fullq);
	free(f.lines);
	free(w);
	free(tid);
	pthread_mutex_destroy(&f.mu);
	pthread_cond_destroy(&f.cv);
}

/* scan_file scans one input file with the scanners S (a->jobs of them). */
static void scan_file(Agg *a, Scan **s, const char *path)
{
	Tsv t;
	tsv_open(&t, path);
	Cols cols;
	open_cols(a, &t, &cols);
	if (a->jobs == 1)
		scan_rows(s[0], &t, &cols);
	else
		scan_parallel(a, s, &t, &cols);
	tsv_close(&t);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void parse_partition(const char *s, uint32_t *i, uint32_t *n)
{
	const char *slash = strchr(s, '/');
	uint64_t a, b;
	char num[32];
	if (!slash || (size_t)(slash - s) >= sizeof num)
		usage_fail(usage_text, "--partition: '%s' is not I/N", s);
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (parse_uint(num, 1u << 20, &a) || parse_uint(slash + 1, 1u << 20, &b) ||
	    b == 0 || a == 0 || a > b)
		usage_fail(usage_text, "--partition: '%s' is not I/N with 1 <= I <= N", s);
	*i = (uint32_t)a - 1;
	*n = (uint32_t)b;
}

int main(int argc, char **argv)
{
	crm_init(argv[0]);
	const char *output = "-", *rules_path = NULL, *products_path = NULL, *tmpdir = NULL;
	uint64_t budget = 200ULL << 20;
	int stats = 0, merge = 0;
	Agg a;
	memset(&a, 0, sizeof a);
	a.has_brand = -1;
	a.jobs = 1;
	static const struct option longopts[] = {
		{ "memory", required_argument, NULL, 'S' },
		{ "rules", required_argument, NULL, 'r' },
		{ "products", required_argument, NULL, 'p' },
		{ "partition", required_argument, NULL, 'P' },
		{ "merge", no_argument, NULL, 'M' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	uint64_t v;
	while ((ch = getopt_long(argc, argv, "hj:o:T:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			if (parse_uint(optarg, JOBS_MAX, &v) || v == 0)
				usage_fail(usage_text, "-j: '%s' is not a number of threads from 1 to %d",
					   optarg, JOBS_MAX);
			a.jobs = (unsigned)v;
			break;
		case 'o': output = optarg; break;
		case 'S':
			if (parse_size(optarg, &budget) || budget < (4u << 20))
				usage_fail(usage_text, "--memory: '%s' is not a size of at least 4M", optarg);
			break;
		case 'T': tmpdir = optarg; break;
		case 'r': rules_path = optarg; break;
		case 'p': products_path = optarg; break;
		case 'P': parse_partition(optarg, &a.part_i, &a.part_n); break;
		case 'M': merge = 1; break;
		case 's': stats = 1; break;
		case 'h':
			help_exit(usage_text, help);
		case 'V':
			printf("crm-agg %s\n", CRM_VERSION);
			return 0;
		default:
			usage_fail(usage_text, NULL);
		}
	}
	argc -= optind;
	argv += optind;
	static char *stdin_only[] = { "-", NULL };
	char **files = argc ? argv : stdin_only;
	int nfiles = argc ? argc : 1;

	Out o;
	if (merge) {
		if (!argc)
			usage_fail(usage_text, "--merge needs the files to merge");
		out_create(&o, output);
		uint64_t rows = merge_outputs(files, nfiles, &o);
		out_close(&o);
		if (stats)
			fprintf(stderr, "crm-agg: merged %d files, %llu rows\n", nfiles,
				(unsigned long long)rows);
		return 0;
	}

	a.rules = rules_load(rules_path);
	a.decimals = (int)rules_int(a.rules, NULL, "money.decimals");
	Products products;
	if (products_path) {
		products_load(&products, products_path);
		a.products = &products;
	}
	mem_init(budget, tmp_dir(tmpdir), a.jobs);
	/* Create the output first: a destination that cannot be written
	 * fails now, not after the whole input has been read. */
	out_create(&o, output);

	double t0 = now();
	Scan **scan = xcalloc(a.jobs, sizeof *scan);
	PartSet **sets = xcalloc(a.jobs, sizeof *sets);
	for (unsigned k = 0; k < a.jobs; k++) {
		scan[k] = scan_new(&a);
		sets[k] = &scan[k]->ps;
	}
	for (int i = 0; i < nfiles; i++)
		scan_file(&a, scan, files[i]);
	int32_t max_month = -1;
	uint64_t rows = 0, kept = 0;
	for (unsigned k = 0; k < a.jobs; k++) {
		flush_pending(scan[k]);
		if (scan[k]->max_month > max_month)
			max_month = scan[k]->max_month;
		rows += scan[k]->rows;
		kept += scan[k]->kept;
	}

	double t1 = now();
	Runs runs;
	memset(&runs, 0, sizeof runs);
	fold_all(sets, a.jobs, &runs);
	double t2 = now();
	OutFmt f = { a.has_brand > 0, a.decimals, max_month };
	write_header(&o, &f);
	uint64_t groups = merge_runs(&runs, &o, &f);
	out_close(&o);
	double t3 = now();
	if (stats) {
		fprintf(stderr,
			"crm-agg: %llu rows read, %llu folded, %llu in other partitions; "
			"%llu customer-months written\n"
			"crm-agg: memory peak %.1f MiB of %.1f MiB; %u spills, %.1f MiB to %s\n"
			"crm-agg: seconds: %.2f read, %.2f fold, %.2f merge and write\n",
			(unsigned long long)rows, (unsigned long long)kept,
			(unsigned long long)(rows - kept), (unsigned long long)groups,
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
	rules_free(a.rules);
	if (mem.tmp_open)
		tmp_close(&mem.tmp);
	return 0;
}
