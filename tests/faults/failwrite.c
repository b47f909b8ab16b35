/* failwrite: an LD_PRELOAD library that makes writes to files fail, as a
 * full or broken disk does. FAILWRITE_AFTER=N: once N bytes have gone to
 * regular files, write and pwrite to a regular file fail with the errno
 * FAILWRITE_ERRNO (default ENOSPC). Standard error is never failed, so the
 * program's message is seen. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static long long budget = -1;
static int err = ENOSPC;

static int refuse(int fd, size_t n)
{
	struct stat st;
	if (fd == 2 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (budget < 0) {
		const char *s = getenv("FAILWRITE_AFTER"), *e = getenv("FAILWRITE_ERRNO");
		budget = s ? atoll(s) : 0;
		if (e)
			err = atoi(e);
	}
	if ((long long)n > budget) {
		errno = err;
		return 1;
	}
	budget -= (long long)n;
	return 0;
}

ssize_t write(int fd, const void *p, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (refuse(fd, n))
		return -1;
	return real(fd, p, n);
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	if (refuse(fd, n))
		return -1;
	return real(fd, p, n, off);
}

ssize_t pwrite64(int fd, const void *p, size_t n, off_t off)
{
	return pwrite(fd, p, n, off);
}
