#include "out.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUFSZ (256 * 1024)

/* pipe_grow asks for a 1 MiB pipe buffer: a filter in a pipeline of
 * filters then switches to its neighbours 16 times less often. */
void pipe_grow(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		fcntl(fd, F_SETPIPE_SZ, 1 << 20);
#else
	(void)fd;
#endif
}

void out_fd(Out *o, int fd, const char *name)
{
	memset(o, 0, sizeof *o);
	pipe_grow(fd);
	o->fd = fd;
	o->cap = OUT_BUFSZ;
	o->buf = xmalloc(o->cap);
	o->name = xstrdup(name);
}

void out_stdout(Out *o)
{
	out_fd(o, 1, "stdout");
}

/* resolve_links follows PATH while it is a symbolic link (relative targets
 * are taken from the link's directory) and returns the final path, which
 * need not exist; the caller frees it. A loop is an error. */
static char *resolve_links(const char *path)
{
	char *p = xstrdup(path);
	for (int depth = 0;; depth++) {
		struct stat st;
		if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
			return p;
		if (depth == 40) {
			errno = ELOOP;
			die_errno("%s: cannot open", path);
		}
		size_t cap = (size_t)st.st_size + 1 > 256 ? (size_t)st.st_size + 1 : 256;
		char *t = xmalloc(cap);
		ssize_t n;
		while ((n = readlink(p, t, cap)) >= 0 && (size_t)n == cap)
			t = xrealloc(t, cap *= 2);
		if (n < 0)
			die_errno("%s: cannot read the link", p);
		t[n] = '\0';
		const char *slash = strrchr(p, '/');
		if (t[0] != '/' && slash) {
			size_t d = (size_t)(slash - p) + 1;
			char *j = xmalloc(d + (size_t)n + 1);
			memcpy(j, p, d);
			memcpy(j + d, t, (size_t)n + 1);
			free(t);
			t = j;
		}
		free(p);
		p = t;
	}
}

void out_create(Out *o, const char *path)
{
	if (strcmp(path, "-") == 0) {
		out_stdout(o);
		return;
	}
	struct stat st, so;
	if (stat(path, &st) == 0) {
		/* The file standard output already writes (-o /dev/stdout). */
		if (fstat(1, &so) == 0 && st.st_dev == so.st_dev && st.st_ino == so.st_ino) {
			out_fd(o, 1, path);
			return;
		}
		/* A device or a FIFO is written, never replaced. */
		if (!S_ISREG(st.st_mode)) {
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				die_errno("%s: cannot open", path);
			out_fd(o, fd, path);
			o->path = xstrdup(path);
			return;
		}
	}
	/* A regular file, or none yet: a temporary file beside the link's
	 * target, so that a link survives the rename. */
	char *real = resolve_links(path);
	int exists = stat(real, &st) == 0;
	size_t n = strlen(real);
	char *tmp = xmalloc(n + 16);
	memcpy(tmp, real, n);
	memcpy(tmp + n, ".tmp.XXXXXX", 12);
	int fd = mkstemp(tmp);
	if (fd < 0)
		die_errno("%s: cannot create", path);
	cleanup_add(tmp);
	if (exists) {
		/* The new file keeps the old one's owner (where allowed) and
		 * mode; chown first, as it clears set-id bits. */
		if (fchown(fd, st.st_uid, st.st_gid) != 0 && fchown(fd, (uid_t)-1, st.st_gid) != 0) {
			/* Not the owner's: the file becomes the writer's. */
		}
		fchmod(fd, st.st_mode & 07777);
	} else {
		/* mkstemp makes the file 0600; give it the mode a plain create
		 * would. */
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	out_fd(o, fd, path);
	o->tmppath = tmp;
	o->path = real;
}

static void write_all(Out *o, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				exit(0);
			die_errno("write error on %s", o->name);
		}
		p += w;
		n -= (size_t)w;
	}
}

void out_flush(Out *o)
{
	if (o->len) {
		write_all(o, o->buf, o->len);
		o->len = 0;
	}
}

void out_slow_write(Out *o, const void *p, size_t n)
{
	out_flush(o);
	if (n >= o->cap) {
		write_all(o, p, n);
		return;
	}
	memcpy(o->buf, p, n);
	o->len = n;
}

void out_close(Out *o)
{
	out_flush(o);
	if (o->tmppath) {
		if (close(o->fd) != 0)
			die_errno("write error on %s", o->name);
		if (rename(o->tmppath, o->path) != 0)
			die_errno("%s: cannot rename into place", o->path);
		cleanup_forget(o->tmppath);
		free(o->tmppath);
		free(o->path);
	} else if (o->path) {
		if (close(o->fd) != 0)
			die_errno("write error on %s", o->name);
		free(o->path);
	} else if (o->fd == 1) {
		/* Errors of a deferred write (NFS, a full disk) show at close. */
		if (close(1) != 0 && errno != EPIPE)
			die_errno("write error on %s", o->name);
	}
	free(o->buf);
	free(o->name);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t fmt_u64(char *p, uint64_t v)
{
	/* Most figures are a digit or two: no loop, no copy. */
	if (v < 10) {
		*p = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		memcpy(p, digit_pairs + 2 * v, 2);
		return 2;
	}
	/* Two digits a division, written from the end. */
	char tmp[24], *e = tmp + sizeof tmp, *q = e;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		q -= 2;
		memcpy(q, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, digit_pairs + 2 * v, 2);
	} else {
		*--q = (char)('0' + v);
	}
	size_t n = (size_t)(e - q);
	memcpy(p, q, n);
	return n;
}

size_t fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p = '-';
		return 1 + fmt_u64(p + 1, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_u64(p, (uint64_t)v);
}
