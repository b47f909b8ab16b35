/* support: the exit hook, descriptor hygiene, a scratch directory, and a
 * big_alloc that gives its memory back after every input.
 *
 * This file is compiled WITHOUT -Dexit=crm_fuzz_exit: its exit is the real
 * one. */
#include "fuzz.h"
#include "bigmem.h"
#include "date.h"
#include "money.h"
#include "tsv.h"
#include "util.h"

#include <fcntl.h>
#include <pthread.h>
#include <sanitizer/allocator_interface.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static jmp_buf *armed;
static int exit_status;

/* crm_fuzz_exit stands for exit() in the code under test: inside fuzz_run
 * it jumps back to it; elsewhere it is exit(). */
noreturn void crm_fuzz_exit(int status);
void crm_fuzz_exit(int status)
{
	if (armed) {
		jmp_buf *j = armed;
		armed = NULL;
		exit_status = status;
		longjmp(*j, 1);
	}
	exit(status);
}

/* What a run allocates and has not freed when it ends is freed after it:
 * die() jumped out past its owners, or the tool left it for the process
 * end. ASan's hooks see every malloc, calloc and realloc of this thread
 * during the run. Heap pointers the code under test keeps in static
 * storage from one run to the next would dangle: fuzz_warm() has them
 * allocated before recording starts (tsv.c's tab positions, stdout's
 * buffer, crm-tier's month table). */
#define LIVE_BITS 20
#define LIVE_SLOTS (1u << LIVE_BITS)
static const volatile void *live[LIVE_SLOTS];  /* open addressing, NULL free */
static uint32_t live_used[LIVE_SLOTS];         /* slots filled this run */
static size_t nlive_used;
static int recording, overflow;
static pthread_t main_thread;

/* slot_of hashes a block's address to its first slot in live[]. */
static size_t slot_of(const volatile void *p)
{
	return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL >> (64 - LIVE_BITS));
}

/* on_malloc and on_free are ASan's hooks: they add and remove the blocks
 * of the run being recorded, on the main thread (libFuzzer's own threads
 * are left alone). */
static void on_malloc(const volatile void *p, size_t n)
{
	(void)n;
	if (!recording || !p || !pthread_equal(pthread_self(), main_thread))
		return;
	if (nlive_used * 2 >= LIVE_SLOTS) {
		overflow = 1; /* too many to track: leak the rest of this run */
		return;
	}
	size_t i = slot_of(p);
	while (live[i])
		i = (i + 1) & (LIVE_SLOTS - 1);
	live[i] = p;
	live_used[nlive_used++] = (uint32_t)i;
}

static void on_free(const volatile void *p)
{
	if (!recording || !p || !pthread_equal(pthread_self(), main_thread))
		return;
	size_t i = slot_of(p);
	/* A freed slot keeps a tombstone (1) so probes past it go on. */
	while (live[i]) {
		if (live[i] == p) {
			live[i] = (const volatile void *)1;
			return;
		}
		i = (i + 1) & (LIVE_SLOTS - 1);
	}
}

/* release frees what the run left and empties the table. */
static void release(void)
{
	recording = 0;
	for (size_t k = 0; k < nlive_used; k++) {
		size_t i = live_used[k];
		if (live[i] && live[i] != (const volatile void *)1 && !overflow)
			free((void *)live[i]);
		live[i] = NULL;
	}
	nlive_used = 0;
	overflow = 0;
}

/* big_alloc without huge pages, so the blocks go through the hooks above
 * and AddressSanitizer watches their bounds. */
void *big_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void big_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

/* Descriptors open before the run, so that those the run leaves open (an
 * input file when die() jumped out) can be closed after it. */
#define FD_SCAN 256
static unsigned char fd_before[FD_SCAN];

static int devnull = -1;

/* fd_mark notes the open descriptors; fd_sweep closes the others and
 * points fd 1 at /dev/null again. */
static void fd_mark(void)
{
	for (int fd = 0; fd < FD_SCAN; fd++)
		fd_before[fd] = fcntl(fd, F_GETFD) != -1;
}

static void fd_sweep(void)
{
	for (int fd = 3; fd < FD_SCAN; fd++)
		if (!fd_before[fd] && fd != devnull && fcntl(fd, F_GETFD) != -1)
			close(fd);
	dup2(devnull, 1);
}

static int run(void (*fn)(void *arg), void *arg, int record);

/* tsv_warm reads the file ARG to its end, lines unchecked. */
static void tsv_warm(void *arg)
{
	Tsv t;
	tsv_open(&t, arg);
	while (tsv_next_raw(&t))
		;
	tsv_close(&t);
}

/* fuzz_warm allocates, once and unrecorded, what stays allocated from one
 * run to the next. */
static void fuzz_warm(void)
{
	main_thread = pthread_self();
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	/* tsv.c keeps a table of tab positions that grows with the longest
	 * line: room for lines longer than any input (-max_len). */
	size_t n = 2 * FUZZ_MAX_LEN + 4;
	char *text = malloc(n);
	if (!text)
		abort();
	memcpy(text, "a\n", 2);
	memset(text + 2, '\t', n - 3);
	text[n - 1] = '\n';
	const char *path = fuzz_write("warm.tsv", text, n);
	free(text);
	char p[128];
	snprintf(p, sizeof p, "%s", path);
	if (run(tsv_warm, p, 0) != -1) {
		fprintf(stderr, "fuzz: cannot read %s\n", p);
		exit(2);
	}
	unlink(p);
}

/* LLVMFuzzerInitialize runs once before the first input: fd 1 goes to
 * /dev/null for good (the tools' output is not looked at), and the caches
 * are filled. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		perror("/dev/null");
		exit(2);
	}
	dup2(devnull, 1);
	/* stdout's buffer, allocated at its first use. */
	fputs("crm-fuzz\n", stdout);
	fflush(stdout);
	fuzz_warm();
	return 0;
}

int fuzz_run(void (*fn)(void *arg), void *arg)
{
	return run(fn, arg, 1);
}

int fuzz_run_unrecorded(void (*fn)(void *arg), void *arg)
{
	return run(fn, arg, 0);
}

/* run is fuzz_run, recording the run's allocations when RECORD. */
static int run(void (*fn)(void *arg), void *arg, int record)
{
	fd_mark();
	jmp_buf j;
	volatile int status = -1;
	recording = record;
	if (setjmp(j) == 0) {
		armed = &j;
		fn(arg);
		armed = NULL;
	} else {
		status = exit_status;
	}
	fflush(stdout);
	release();
	fd_sweep();
	return status;
}

static char dir[64];

/* dir_remove removes the scratch directory at exit. */
static void dir_remove(void)
{
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: cannot remove %s\n", dir);
}

const char *fuzz_dir(void)
{
	if (!*dir) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/crm-fuzz.XXXXXX", t && *t && strlen(t) < 32 ? t : "/tmp");
		if (!mkdtemp(dir)) {
			perror(dir);
			exit(2);
		}
		atexit(dir_remove);
	}
	return dir;
}

const char *fuzz_write(const char *name, const void *data, size_t n)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			perror(path);
			exit(2);
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
	return path;
}

/* ---- checks of what the tools write ---- */

static const struct {
	const char *name;
	int kind;
} column_kinds[] = {
	{ "date", FK_DATE }, { "first_date", FK_DATE }, { "last_date", FK_DATE },
	{ "segmented_at", FK_DATE },
	{ "month", FK_MONTH }, { "period_start", FK_DATE }, { "period_end", FK_PERIOD },
	{ "amount", FK_MONEY }, { "unit_price", FK_MONEY }, { "amount_12m", FK_MONEY },
	{ "monetary", FK_MONEY }, { "other_amount", FK_MONEY },
	{ "qty", FK_INT }, { "orders", FK_INT }, { "tenure_months", FK_INT }, { "active", FK_INT },
	{ "frequency", FK_INT }, { "recency", FK_INT }, { "units", FK_INT },
	{ "other_orders", FK_INT }, { "lines", FK_INT }, { "tenure", FK_INT },
};

int fuzz_column_kind(const char *name)
{
	for (size_t k = 0; k < sizeof column_kinds / sizeof *column_kinds; k++)
		if (strcmp(name, column_kinds[k].name) == 0)
			return column_kinds[k].kind;
	return FK_TEXT;
}

const char *fuzz_parse_field(int kind, Field f, int64_t *v)
{
	int32_t d;
	const char *why = NULL;
	*v = 0;
	switch (kind) {
	case FK_DATE:
		/* Empty in a month without orders. */
		if (f.n && !(why = date_parse(f.p, f.n, &d)))
			*v = d;
		break;
	case FK_MONTH:
		if (!(why = month_parse(f.p, f.n, &d)))
			*v = d;
		break;
	case FK_PERIOD:
		/* crm-agg writes the as-of day; the filters pass on a month
		 * that older streams carry. */
		if (f.n == 7 ? !(why = month_parse(f.p, f.n, &d)) : !(why = date_parse(f.p, f.n, &d)))
			*v = d;
		break;
	case FK_MONEY:
		why = fixed_parse(f.p, f.n, 2, v);
		break;
	case FK_INT:
		why = int_parse(f.p, f.n, v);
		break;
	}
	return why;
}

void fuzz_check_tsv(const char *path, const char *input)
{
	/* The input's header names: columns passed through unread. The tool
	 * read that header, so tsv_open takes it too. */
	Tsv in;
	tsv_open(&in, input);
	Tsv t;
	tsv_open(&t, path);
	int *kind = xcalloc((size_t)t.ncols, sizeof *kind);
	for (int i = 0; i < t.ncols; i++)
		kind[i] = tsv_col(&in, t.cols[i]) >= 0 ? FK_TEXT : fuzz_column_kind(t.cols[i]);
	tsv_close(&in);
	while (tsv_next(&t))
		for (int i = 0; i < t.ncols; i++) {
			int64_t v;
			const char *why = fuzz_parse_field(kind[i], t.f[i], &v);
			if (why)
				tsv_fail(&t, i, why);
		}
	free(kind);
	tsv_close(&t);
}

/* A JSON reader after RFC 8259, that only says whether the text is JSON:
 * each function reads one production at *P and returns 0, or -1. */
typedef struct {
	const char *p, *e;
	int depth;
} Json;

static int json_value(Json *j);

static void json_ws(Json *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int json_string(Json *j)
{
	if (j->p >= j->e || *j->p != '"')
		return -1;
	for (j->p++; j->p < j->e; j->p++) {
		unsigned char c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\')
			continue;
		if (++j->p >= j->e)
			return -1;
		if (*j->p == 'u') {
			for (int k = 0; k < 4; k++)
				if (++j->p >= j->e || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
					return -1;
		} else if (!*j->p || !strchr("\"\\/bfnrt", *j->p)) {
			return -1;
		}
	}
	return -1;
}

static int json_digits(Json *j)
{
	const char *s = j->p;
	while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : -1;
}

static int json_number(Json *j)
{
	if (j->p < j->e && *j->p == '-')
		j->p++;
	if (j->p < j->e && *j->p == '0')
		j->p++;
	else if (json_digits(j))
		return -1;
	if (j->p < j->e && *j->p == '.') {
		j->p++;
		if (json_digits(j))
			return -1;
	}
	if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->e && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (json_digits(j))
			return -1;
	}
	return 0;
}

static int json_word(Json *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->e - j->p) < n || memcmp(j->p, w, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

/* json_items reads the members of an object (OBJ) or the elements of an
 * array after the opening bracket, up to CLOSE. */
static int json_items(Json *j, int obj, char close)
{
	json_ws(j);
	if (j->p < j->e && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		if (obj) {
			json_ws(j);
			if (json_string(j))
				return -1;
			json_ws(j);
			if (j->p >= j->e || *j->p++ != ':')
				return -1;
		}
		if (json_value(j))
			return -1;
		json_ws(j);
		if (j->p >= j->e)
			return -1;
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p++ != ',')
			return -1;
	}
}

static int json_value(Json *j)
{
	json_ws(j);
	if (j->p >= j->e)
		return -1;
	int r;
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > 512)
			return -1;
		j->p++;
		r = json_items(j, j->p[-1] == '{', j->p[-1] == '{' ? '}' : ']');
		j->depth--;
		return r;
	case '"':
		return json_string(j);
	case 't':
		return json_word(j, "true");
	case 'f':
		return json_word(j, "false");
	case 'n':
		return json_word(j, "null");
	default:
		return json_number(j);
	}
}

size_t fuzz_json_check(const char *s, size_t n)
{
	Json j = { s, s + n, 0 };
	if (json_value(&j))
		return (size_t)(j.p - s) + 1;
	json_ws(&j);
	return j.p == j.e ? 0 : (size_t)(j.p - s) + 1;
}
