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

void crm_init(const char *argv0)
{
	const char *s = strrchr(argv0, '/');
	progname = s ? s + 1 : argv0;
	atexit(cleanup_run);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };
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
	for (int i = 0; i < CLEANUP_MAX; i++)
		if (!cleanup_paths[i]) {
			cleanup_paths[i] = xstrdup(path);
			return;
		}
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
	vmsg(fmt, ap, 0);
	va_end(ap);
	exit(EXIT_DATA);
}

void die_errno(const char *fmt, ...)
{
	int e = errno;
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

int parse_size(const char *s, uint64_t *bytes)
{
	char num[32];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof num)
		return -1;
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
	if (parse_uint(num, UINT64_MAX / mult, &v) != 0)
		return -1;
	if (percent) {
		long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
		if (v > 100 || pages <= 0 || psize <= 0)
			return -1;
		*bytes = (uint64_t)pages * (uint64_t)psize / 100 * v;
		return 0;
	}
	*bytes = v * mult;
	return 0;
}
