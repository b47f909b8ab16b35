#include "tmpfile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tmp_dir(const char *dir)
{
	if (dir && *dir)
		return dir;
	dir = getenv("TMPDIR");
	return dir && *dir ? dir : "/tmp";
}

void tmp_open(TmpFile *t, const char *dir)
{
	t->dir = dir;
	t->size = 0;
#ifdef O_TMPFILE
	t->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (t->fd >= 0)
		return;
	/* Some file systems lack O_TMPFILE: fall back to a name unlinked at
	 * once. Other errors (no such directory) are reported by mkstemp. */
#endif
	size_t n = strlen(dir);
	char *path = xmalloc(n + 20);
	memcpy(path, dir, n);
	memcpy(path + n, "/crm-spill.XXXXXX", 18);
	t->fd = mkstemp(path);
	if (t->fd < 0)
		die_errno("cannot create a temporary file in %s", dir);
	unlink(path);
	free(path);
}

uint64_t tmp_append(TmpFile *t, const void *p, size_t n)
{
	uint64_t off = t->size;
	const char *s = p;
	while (n > 0) {
		ssize_t w = pwrite(t->fd, s, n, (off_t)t->size);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die_errno("write to temporary file in %s", t->dir);
		}
		if (w == 0) {
			errno = ENOSPC;
			die_errno("write to temporary file in %s", t->dir);
		}
		s += w;
		n -= (size_t)w;
		t->size += (uint64_t)w;
	}
	return off;
}

void tmp_read(TmpFile *t, uint64_t off, void *p, size_t n)
{
	char *s = p;
	while (n > 0) {
		ssize_t r = pread(t->fd, s, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("read from temporary file in %s", t->dir);
		}
		if (r == 0)
			die("read from temporary file in %s: unexpected end", t->dir);
		s += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
}

void tmp_close(TmpFile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
