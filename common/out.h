/* out: a buffered writer for TSV output. Any write error is fatal and names
 * the destination; a closed pipe (EPIPE) ends the process quietly. */
#ifndef CRM_OUT_H
#define CRM_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
	int fd;
	char *buf;
	size_t len, cap;
	char *name;       /* for messages: a path or "stdout" */
	char *tmppath;    /* out_create: the temporary name renamed at out_close */
	char *path;       /* out_create: the file renamed over, or the device */
} Out;

/* out_stdout writes to fd 1. */
void out_stdout(Out *o);
/* out_create opens PATH for writing; "-" means stdout. A regular file (or
 * one not there yet) is written through a temporary file in its directory,
 * renamed over it by out_close; on any failure or signal the temporary file
 * is removed, so no partial PATH is ever left. The new file keeps the old
 * one's mode and, where the process may set it, its owner. A symbolic link
 * is followed: the rename happens at its final target, so the link stays.
 * A device or a FIFO is opened and written in place, never replaced, and
 * the file standard output already writes (/dev/stdout) is written through
 * fd 1. */
void out_create(Out *o, const char *path);
/* out_fd writes to an already open descriptor, named NAME in messages. */
void out_fd(Out *o, int fd, const char *name);
/* out_flush writes the buffer; out_close flushes, checks and closes (fsync
 * is not forced), renaming a file made by out_create into place. */
void out_flush(Out *o);
void out_close(Out *o);

void out_slow_write(Out *o, const void *p, size_t n);
/* pipe_grow enlarges the buffer of FD when it is a pipe (best effort). */
void pipe_grow(int fd);

static inline void out_write(Out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		out_slow_write(o, p, n);
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static inline void out_char(Out *o, char c)
{
	if (o->len == o->cap)
		out_flush(o);
	o->buf[o->len++] = c;
}

static inline void out_str(Out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

/* out_reserve returns a pointer to at least N free bytes in the buffer;
 * the caller advances o->len by what it wrote (N must be small). */
static inline char *out_reserve(Out *o, size_t n)
{
	if (o->len + n > o->cap)
		out_flush(o);
	return o->buf + o->len;
}

/* fmt_u64/fmt_i64 write the decimal form of V at P and return its length. */
size_t fmt_u64(char *p, uint64_t v);
size_t fmt_i64(char *p, int64_t v);

static inline void out_u64(Out *o, uint64_t v)
{
	char *p = out_reserve(o, 24);
	o->len += fmt_u64(p, v);
}

static inline void out_i64(Out *o, int64_t v)
{
	char *p = out_reserve(o, 24);
	o->len += fmt_i64(p, v);
}

#endif
