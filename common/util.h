/* util: messages, exits, allocation and cleanup shared by every crm tool. */
#ifndef CRM_UTIL_H
#define CRM_UTIL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define CRM_VERSION "0.1.0"

/* Exit statuses: 0 success, 1 bad data or a system error, 2 bad usage. */
enum { EXIT_DATA = 1, EXIT_USAGE = 2 };

extern const char *progname;

/* crm_init sets progname from argv[0], installs the handlers of the
 * terminating signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM,
 * SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGVTALRM) that remove registered files
 * before the process dies, and an exit hook that flushes stdout: a failed
 * write of what printf left there (--help, --version) is an error, exit 1. */
void crm_init(const char *argv0);

/* die prints "progname: message" and exits 1; die_errno appends strerror(errno).
 * Both run the cleanup hooks (atexit) first. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* DieTrap: while a thread's die_trap points at one, die in that thread
 * keeps its message in msg and jumps to jb (set with setjmp) instead of
 * exiting, so that the thread's owner can pick which error to report: a
 * worker thread that finds bad data stops without ending the process. */
typedef struct {
	jmp_buf jb;
	char msg[600];
} DieTrap;
extern _Thread_local DieTrap *die_trap;
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* usage_fail prints "usage: TEXT" (the man page SYNOPSIS) and exits 2;
 * with a non-NULL message it prints "progname: message" first. */
noreturn void usage_fail(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Allocation that never returns NULL: out of memory is fatal. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* cleanup_add registers a path to unlink if the process dies or exits
 * before cleanup_forget(path) is called. The string is copied; when it
 * cannot be (out of memory, too many paths) the file is removed and the
 * process dies. */
void cleanup_add(const char *path);
void cleanup_forget(const char *path);

/* parse_size reads "128M", "512K", "2G", "1048576" or "10%" (of physical
 * memory, 1% to 100%) into bytes; returns NULL on success, or what is wrong
 * with S ("is too large"), to follow the quoted value in a message. */
const char *parse_size(const char *s, uint64_t *bytes);

/* fread_all reads F to its end into an allocated buffer, NUL-terminated
 * (the NUL not counted in *LEN), which the caller frees; on a read error it
 * returns NULL with errno set. F stays open. */
char *fread_all(FILE *f, size_t *len);

/* parse_uint reads a whole string of decimal digits into *v (no sign,
 * no spaces); returns 0 on success, -1 when malformed or above max. */
int parse_uint(const char *s, uint64_t max, uint64_t *v);

/* pop64 counts set bits without the POPCNT instruction, which baseline
 * x86-64 lacks (the compiler would call a slow library routine). */
static inline int pop64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
}

#endif
