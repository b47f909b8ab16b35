/* failmalloc: an LD_PRELOAD library that makes one allocation fail.
 * FAILMALLOC_N=N: the Nth call of malloc, calloc, realloc (counted from 1)
 * returns NULL with ENOMEM; the calls after it succeed, so the message the
 * program prints about it can still be written. FAILMALLOC_COUNT=FILE: at
 * exit, write the number of calls to FILE (to choose the Ns to try).
 *
 * glibc's own __libc_* entry points do the work, so no dlsym (which itself
 * allocates) is needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static unsigned long calls, fail_at;
static int ready;

static int fail_now(void)
{
	if (!ready) {
		const char *s = getenv("FAILMALLOC_N");
		fail_at = s ? strtoul(s, NULL, 10) : 0;
		ready = 1;
	}
	return ++calls == fail_at;
}

void *malloc(size_t n)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("FAILMALLOC_COUNT");
	if (!path)
		return;
	unsigned long n = calls;
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%lu\n", n);
		fclose(f);
	}
}
