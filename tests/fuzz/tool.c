/* tool: a whole crm tool run on one input file, the way a user runs it.
 *
 * Built once per tool with -DTOOL='"crm-clean"': the tool's sources are
 * compiled with -Dmain=tool_main and -Dcrm_init=fuzz_crm_init (one
 * registration of cleanup handlers per process, not one per input), and
 * this file calls tool_main with the input written to a file. The input's
 * length modulo the number of option sets picks the options, so every
 * seed runs under several of them as the fuzzer trims and grows it. */
#include "fuzz.h"
#include "date.h"
#include "money.h"
#include "tsv.h"
#include "util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* A tool source that keeps state in a static variable it expects to
 * start zeroed (crm-agg's fold table) is compiled into this file, so
 * that TOOL_RESET can zero it before each run (fuzz.mk). */
#ifdef TOOL_INCLUDE
#include TOOL_INCLUDE
#endif

int tool_main(int argc, char **argv);
void fuzz_crm_init(const char *argv0);

/* fuzz_crm_init stands for crm_init: progname only, no handlers. */
void fuzz_crm_init(const char *argv0)
{
	progname = argv0;
}

#define MAXOPT 6

/* Rules files an option set may name as "%NAME". */
static const struct {
	const char *name, *text;
} fuzz_rules[] = {
	{ "net", "clean.returns = net\nclean.max_qty = 50\nclean.max_record_lines = 3\n" },
	{ "drop", "clean.returns = drop\nclean.zero_price = keep\nclean.dedup = off\n"
		  "clean.id_drop_zero_decimals = no\nclean.cancel_prefix =\n" },
};

/* What a tool writes on success, checked after the run: TSV every reader
 * of the pipeline accepts (fuzz_check_tsv), crm-clean's canonical stream
 * (clean_output), JSON, JSON a line, or the dashboard page. */
enum { OUT_NONE, OUT_TSV, OUT_CLEAN, OUT_JSON, OUT_NDJSON, OUT_PAGE };

/* Option sets per tool and the output they give; "@" stands for the
 * input's path. */
static const struct {
	const char *tool;
	int out;
	const char *opt[MAXOPT];
} fuzz_sets[] = {
	{ "crm-clean", OUT_CLEAN, { NULL } },
	{ "crm-clean", OUT_CLEAN, { "--date-format", "iso", "--encoding", "utf8" } },
	{ "crm-clean", OUT_CLEAN, { "--date-format", "mdy", "--from", "2020-01-01", "--to", "2030-12-31" } },
	{ "crm-clean", OUT_CLEAN, { "--date-format", "dmy" } },
	{ "crm-clean", OUT_CLEAN, { "--date-format", "dmy-dot", "-d", ";" } },
	{ "crm-clean", OUT_CLEAN, { "--date-format", "ymd", "-d", "tab" } },
	{ "crm-clean", OUT_CLEAN, { "--strict" } },
	{ "crm-clean", OUT_CLEAN, { "--rules", "%net" } },
	{ "crm-clean", OUT_CLEAN, { "--rules", "%drop", "--date-format", "iso" } },
	{ "crm-clean", OUT_CLEAN, { "--map", "customer_id=Customer ID,date=InvoiceDate,amount=Price" } },
	{ "crm-agg", OUT_TSV, { NULL } },
	{ "crm-agg", OUT_TSV, { "--memory", "4M" } },
	{ "crm-tier", OUT_TSV, { NULL } },
	{ "crm-tier", OUT_TSV, { "--explain" } },
	{ "crm-tier", OUT_TSV, { "--from", "2024-01", "--to", "2024-12" } },
	{ "crm-lifecycle", OUT_TSV, { NULL } },
	{ "crm-lifecycle", OUT_TSV, { "--explain" } },
	{ "crm-churn", OUT_TSV, { NULL } },
	{ "crm-churn", OUT_TSV, { "--explain", "--from", "2024-06" } },
	{ "crm-report", OUT_PAGE, { NULL } },
	{ "crm-report", OUT_PAGE, { "--rfm", "@", "--kmeans", "@" } },
	{ "crm-json", OUT_JSON, { NULL } },
	{ "crm-json", OUT_NDJSON, { "--ndjson" } },
	{ "crm-rfm", OUT_TSV, { NULL } },
	{ "crm-rfm", OUT_JSON, { "--json", "--as-of", "2025-01-31" } },
	{ "crm-kmeans", OUT_TSV, { "-k", "3" } },
	{ "crm-kmeans", OUT_JSON, { "--json", "-k", "2" } },
	{ "crm-rules", OUT_NONE, { "check" } },
	{ "crm-rules", OUT_NONE, { "show" } },
	{ "crm-features", OUT_TSV, { NULL } },
	{ "crm-features", OUT_TSV, { "--snapshot", "2024-02" } },
};
#define NSETS (sizeof fuzz_sets / sizeof *fuzz_sets)

/* A valid input run once, unrecorded, before the fuzzing: crm-tier fills
 * a month table it keeps in static storage (support.c). */
static const struct {
	const char *tool, *text;
} fuzz_warm_input[] = {
	{ "crm-tier", "customer_id\tmonth\torders\tunits\tamount\tfirst_date\tlast_date\t"
		      "other_orders\tother_amount\tlines\tperiod_end\n"
		      "C1\t2023-11\t3\t24\t124.20\t2023-11-01\t2023-11-30\t1\t263.90\t6\t2024-02\n" },
};

typedef struct {
	int argc;
	char *argv[MAXOPT + 4];
} FuzzCall;

/* fuzz_call runs the tool with the FuzzCall ARG's arguments. */
static void fuzz_call(void *arg)
{
	FuzzCall *c = arg;
#ifdef TOOL_RESET
	TOOL_RESET;
#endif
	optind = 0; /* glibc: start getopt afresh */
	tool_main(c->argc, c->argv);
}

/* What a check reads: the output, and the input it was made from. */
typedef struct {
	const char *out, *in;
} Outputs;

/* clean_output reads crm-clean's output, the file ARG, as crm-agg reads
 * it, and dies on a row crm-agg would reject: crm-clean's output is
 * crm-agg's input, whatever the export held. (Long keys are crm-clean's
 * id_too_long check, not repeated here.) */
static void clean_output(void *arg)
{
	Tsv t;
	tsv_open(&t, ((Outputs *)arg)->out);
	int ci = tsv_need(&t, "customer_id", NULL), di = tsv_need(&t, "date", NULL);
	int qi = tsv_need(&t, "qty", NULL), ai = tsv_need(&t, "amount", NULL);
	int ki = tsv_need(&t, "category", NULL), bi = tsv_col(&t, "brand");
	while (tsv_next(&t)) {
		const char *why;
		int32_t day;
		int64_t v;
		if (!t.f[ci].n)
			tsv_fail(&t, ci, "is empty");
		if (!t.f[ki].n)
			tsv_fail(&t, ki, "is empty");
		if ((why = date_parse(t.f[di].p, t.f[di].n, &day)))
			tsv_fail(&t, di, why);
		if ((why = int_parse(t.f[qi].p, t.f[qi].n, &v)))
			tsv_fail(&t, qi, why);
		if ((why = fixed_parse(t.f[ai].p, t.f[ai].n, 2, &v)))
			tsv_fail(&t, ai, why);
		if (bi >= 0 && !t.f[bi].n)
			tsv_fail(&t, bi, "is empty");
		if (bi >= 0 && memchr(t.f[bi].p, 0, t.f[bi].n))
			tsv_fail(&t, bi, "holds a NUL byte");
	}
	tsv_close(&t);
}

extern const char dashboard_html[];

/* count_ci counts the places where S[0..N) holds WORD, ASCII case ignored. */
static size_t count_ci(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word), k = 0;
	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, word, w) == 0)
			k++;
	return k;
}

/* tsv_output checks a TSV output (fuzz_check_tsv). */
static void tsv_output(void *arg)
{
	Outputs *o = arg;
	fuzz_check_tsv(o->out, o->in);
}

/* slurp returns the whole file PATH in a buffer the caller frees. */
static char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die_errno("%s", path);
	char *buf = fread_all(f, len);
	if (!buf)
		die_errno("read error on %s", path);
	fclose(f);
	return buf;
}

/* report_output reads crm-report's page, the file ARG, and dies unless it
 * has the script elements and comments of the template exactly: embedded
 * JSON holding "</script", "<script" or "<!--" would end an element early
 * or keep it open to the end of the page (HTML's script data states). */
static void report_output(void *arg)
{
	const char *path = ((Outputs *)arg)->out;
	size_t n;
	char *buf = slurp_file(path, &n);
	static const char *const words[] = { "<script", "</script", "<!--" };
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		size_t want = count_ci(dashboard_html, strlen(dashboard_html), words[i]);
		size_t got = count_ci(buf, n, words[i]);
		if (got != want)
			die("%s: %zu times '%s', the template %zu", path, got, words[i], want);
	}
	free(buf);
}

/* json_output dies unless the file ARG is one JSON text. */
static void json_output(void *arg)
{
	const char *path = ((Outputs *)arg)->out;
	size_t n;
	char *buf = slurp_file(path, &n);
	size_t bad = fuzz_json_check(buf, n);
	if (bad)
		die("%s: not JSON at byte %zu: '%.40s'", path, bad, buf + bad - 1);
	free(buf);
}

/* ndjson_output dies unless every line of the file ARG is one JSON text. */
static void ndjson_output(void *arg)
{
	const char *path = ((Outputs *)arg)->out;
	size_t n;
	char *buf = slurp_file(path, &n);
	uint64_t line = 0;
	for (char *p = buf, *e = buf + n; p < e;) {
		char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
		line++;
		size_t bad = fuzz_json_check(p, len);
		if (bad || !len)
			die("%s:%llu: not JSON at byte %zu", path, (unsigned long long)line, bad);
		p += len + (nl != NULL);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static size_t first, n;
	if (!n) {
		for (size_t i = 0; i < NSETS; i++)
			if (strcmp(fuzz_sets[i].tool, TOOL) == 0) {
				if (!n)
					first = i;
				n++;
			}
		if (!n) {
			fprintf(stderr, "fuzz: no option sets for %s\n", TOOL);
			abort();
		}
		for (size_t i = 0; i < sizeof fuzz_warm_input / sizeof *fuzz_warm_input; i++)
			if (strcmp(fuzz_warm_input[i].tool, TOOL) == 0) {
				char wpath[128];
				snprintf(wpath, sizeof wpath, "%s",
					 fuzz_write("warm", fuzz_warm_input[i].text, strlen(fuzz_warm_input[i].text)));
				FuzzCall c = { 2, { (char *)TOOL, wpath, NULL } };
				if (fuzz_run_unrecorded(fuzz_call, &c) != -1) {
					fprintf(stderr, "fuzz: %s fails on its warm-up input\n", TOOL);
					abort();
				}
			}
	}
	static char rules_path[sizeof fuzz_rules / sizeof *fuzz_rules][128];
	if (!*rules_path[0])
		for (size_t i = 0; i < sizeof fuzz_rules / sizeof *fuzz_rules; i++)
			snprintf(rules_path[i], sizeof rules_path[i], "%s",
				 fuzz_write(fuzz_rules[i].name, fuzz_rules[i].text, strlen(fuzz_rules[i].text)));
	char path[128];
	snprintf(path, sizeof path, "%s", fuzz_write("input", data, size));
	size_t s = first + size % n;
	FuzzCall c = { 0, { 0 } };
	c.argv[c.argc++] = (char *)TOOL;
	for (int i = 0; i < MAXOPT && fuzz_sets[s].opt[i]; i++) {
		const char *o = fuzz_sets[s].opt[i];
		if (strcmp(o, "@") == 0)
			o = path;
		for (size_t k = 0; *o == '%' && k < sizeof fuzz_rules / sizeof *fuzz_rules; k++)
			if (strcmp(o + 1, fuzz_rules[k].name) == 0)
				o = rules_path[k];
		c.argv[c.argc++] = (char *)o;
	}
	c.argv[c.argc++] = path;
	c.argv[c.argc] = NULL;
	static void (*const checks[])(void *) = {
		[OUT_TSV] = tsv_output, [OUT_CLEAN] = clean_output, [OUT_JSON] = json_output,
		[OUT_NDJSON] = ndjson_output, [OUT_PAGE] = report_output,
	};
	void (*check)(void *) = checks[fuzz_sets[s].out];
	char out[128];
	if (check) {
		/* Standard output to a file: fuzz_run points fd 1 back at
		 * /dev/null after the run. */
		snprintf(out, sizeof out, "%s", fuzz_write("output", "", 0));
		int fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 1) < 0)
			abort();
		close(fd);
	}
	Outputs o = { out, path };
	if (fuzz_run(fuzz_call, &c) == -1 && check && fuzz_run(check, &o) != -1) {
		fprintf(stderr, "fuzz: %s wrote output its reader rejects (above)\n", TOOL);
		abort();
	}
	return 0;
}
