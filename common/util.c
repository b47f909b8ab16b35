#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *progname = "crm";

/* Paths to remove on an abnormal end. A fixed table keeps the signal handler
 * free of allocation; tools register at most a handful of files. */
#define CLEANUP_MAX 64
static char *cleanup_paths[CLEANUP_MAX];

static void cleanup_run(void)
{
	for (int i = 0; i < CLEANUP_MAX; i++)
		if (cleanup_paths[i])
			unlink(cleanup_paths[i]);
}

static void on_signal(int sig)
{
	cleanup_run();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Set once die() or usage_fail() has said what went wrong: stdout_check
 * then adds nothing. */
static int dying;

/* stdout_check runs at exit: output left in stdout's buffer (--help,
 * --version, crm-rules check) is written now, and a failed write of it is
 * an error (exit 1), as it is for every other output. A closed pipe ends
 * the process quietly. */
static void stdout_check(void)
{
	if (dying)
		return;
	errno = 0;
	int bad = fflush(stdout) != 0;
	int e = errno;
	if (!bad && ferror(stdout)) {
		bad = 1;
		e = 0;
	}
	if (!bad || e == EPIPE)
		return;
	if (e)
		fprintf(stderr, "%s: write error on stdout: %s\n", progname, strerror(e));
	else
		fprintf(stderr, "%s: write error on stdout\n", progname);
	cleanup_run();
	/* exit() may not be called again from an atexit handler. */
	_exit(EXIT_DATA);
}

void crm_init(const char *argv0)
{
	const char *s = strrchr(argv0, '/');
	progname = s ? s + 1 : argv0;
	atexit(cleanup_run);
	atexit(stdout_check);
	/* Every signal whose default ends the process and that a user or the
	 * system sends to stop a job: the files being written are removed
	 * first. SIGPIPE stays quiet: the default action follows. */
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1,
		       SIGUSR2, SIGXCPU, SIGXFSZ, SIGVTALRM };
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		/* An ignored signal (nohup, background jobs) stays ignored. */
		struct sigaction old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

void cleanup_add(const char *path)
{
	/* A path that cannot be registered is removed at once: the error
	 * ends the process, which would otherwise leave it behind. */
	char *copy = malloc(strlen(path) + 1);
	if (!copy) {
		unlink(path);
		die("out of memory");
	}
	strcpy(copy, path);
	for (int i = 0; i < CLEANUP_MAX; i++)
		if (!cleanup_paths[i]) {
			cleanup_paths[i] = copy;
			return;
		}
	unlink(path);
	free(copy);
	die("too many temporary files");
}

void cleanup_forget(const char *path)
{
	for (int i = 0; i < CLEANUP_MAX; i++)
		if (cleanup_paths[i] && strcmp(cleanup_paths[i], path) == 0) {
			char *p = cleanup_paths[i];
			cleanup_paths[i] = NULL;
			free(p);
			return;
		}
}

static void vmsg(const char *fmt, va_list ap, int errnum)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

_Thread_local DieTrap *die_trap;

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (die_trap) {
		vsnprintf(die_trap->msg, sizeof die_trap->msg, fmt, ap);
		va_end(ap);
		longjmp(die_trap->jb, 1);
	}
	dying = 1;
	vmsg(fmt, ap, 0);
	va_end(ap);
	exit(EXIT_DATA);
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
	dying = 1;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, e);
	va_end(ap);
	exit(EXIT_DATA);
}

void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void usage_fail(const char *usage, const char *fmt, ...)
{
	dying = 1;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vmsg(fmt, ap, 0);
		va_end(ap);
	}
	fprintf(stderr, "usage: %s\n", usage);
	exit(EXIT_USAGE);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (x > (max - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

const char *parse_size(const char *s, uint64_t *bytes)
{
	static const char malformed[] = "is not a size (a number, with K, M, G or T, or a percent of memory)";
	char num[32];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof num)
		return malformed;
	memcpy(num, s, n + 1);
	uint64_t mult = 1;
	int percent = 0;
	switch (num[n - 1]) {
	case 'b': case 'B': mult = 1; break;
	case 'k': case 'K': mult = 1ULL << 10; break;
	case 'm': case 'M': mult = 1ULL << 20; break;
	case 'g': case 'G': mult = 1ULL << 30; break;
	case 't': case 'T': mult = 1ULL << 40; break;
	case '%': percent = 1; break;
	default: n++; break;
	}
	num[n - 1] = '\0';
	uint64_t v;
	if (percent) {
		if (parse_uint(num, UINT64_MAX, &v) != 0)
			return malformed;
		if (v == 0 || v > 100)
			return "is not a percent of memory from 1% to 100%";
		long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
		if (pages <= 0 || psize <= 0)
			return "is a percent, but the size of memory is unknown";
		*bytes = (uint64_t)pages * (uint64_t)psize / 100 * v;
		return NULL;
	}
	if (parse_uint(num, UINT64_MAX / mult, &v) != 0)
		return num[0] && strspn(num, "0123456789") == strlen(num) ? "is too large" : malformed;
	*bytes = v * mult;
	return NULL;
}

char *fread_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf = xmalloc(cap);
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0)
		if ((n += r) == cap - 1)
			buf = xrealloc(buf, cap *= 2);
	if (ferror(f)) {
		int e = errno;
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
