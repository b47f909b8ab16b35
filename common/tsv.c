#include "tsv.h"
#include "out.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define TSV_BUFSZ (1 << 20)

/* read_into reads at most WANT bytes of T's input into P; returns the
 * number read, 0 (and sets t->eof) at the end. */
static size_t read_into(Tsv *t, char *p, size_t want)
{
	if (t->read_size && want > t->read_size)
		want = t->read_size;
	for (;;) {
		ssize_t r = read(t->fd, p, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("read error on %s", t->name);
		}
		if (r == 0)
			t->eof = 1;
		return (size_t)r;
	}
}

/* fill moves the unread bytes to the front and reads more; returns the
 * number of bytes read (0 at end of input). */
static size_t fill(Tsv *t)
{
	if (t->pos > 0) {
		memmove(t->buf, t->buf + t->pos, t->len - t->pos);
		t->len -= t->pos;
		t->pos = 0;
	}
	if (t->len == t->cap) {
		t->cap *= 2;
		t->buf = xrealloc(t->buf, t->cap);
	}
	size_t r = read_into(t, t->buf + t->len, t->cap - t->len);
	t->len += r;
	return r;
}

/* Tab positions of the line being split, relative to its start: flattened
 * first, then turned into fields, so that neither loop depends on how the
 * tabs fall in the vector blocks (data-dependent branches mispredict). */
static _Thread_local uint32_t *tabs;
static _Thread_local size_t tabs_cap;

static void tabs_reserve(size_t n)
{
	if (n > tabs_cap) {
		tabs_cap = n * 2;
		tabs = xrealloc(tabs, tabs_cap * sizeof *tabs);
	}
}

/* split_limit returns how many fields of a row are stored. */
static inline size_t split_limit(const Tsv *t)
{
	return (size_t)(t->split_found ? *t->found : t->ncols);
}

/* SCAN defines a scanner NAME whose MASK64(p, c) gives a bit per byte of
 * p[0..63] equal to c: the same code compiled for SSE2 (every x86-64) and
 * for AVX2, which builds the masks in half the steps. */
#define SCAN(NAME, ATTR, VEC, SPLAT, MASK64)                                     \
ATTR static int NAME(Tsv *t)                                                     \
{                                                                                \
	const char *s = t->buf + t->pos, *e = t->buf + t->len, *p = s, *end = NULL;\
	size_t nt = 0, need = split_limit(t);                                    \
	const VEC tab = SPLAT('\t'), nl = SPLAT('\n');                           \
	while (p + 64 <= e) {                                                    \
		uint64_t tm = MASK64(p, tab), nm = MASK64(p, nl);                \
		if (nm)                                                          \
			tm &= (nm & -nm) - 1; /* only tabs before the newline */ \
		uint32_t base = (uint32_t)(p - s), *o;                           \
		int cnt = pop64(tm);                                             \
		/* Past the fields asked for, tabs are only counted. */          \
		if (nt < need) {                                                 \
		tabs_reserve(nt + 68);                                           \
		o = tabs + nt;                                                   \
		/* Four at a time; past the last tab the writes are unused. */ \
		for (int k = 0; k < cnt; k += 4) {                               \
			o[k] = base + (uint32_t)__builtin_ctzll(tm | 1ULL << 63);     \
			tm &= tm - 1;                                            \
			o[k + 1] = base + (uint32_t)__builtin_ctzll(tm | 1ULL << 63); \
			tm &= tm - 1;                                            \
			o[k + 2] = base + (uint32_t)__builtin_ctzll(tm | 1ULL << 63); \
			tm &= tm - 1;                                            \
			o[k + 3] = base + (uint32_t)__builtin_ctzll(tm | 1ULL << 63); \
			tm &= tm - 1;                                            \
		}                                                                \
		}                                                                \
		nt += (size_t)cnt;                                               \
		if (nm) {                                                        \
			end = p + __builtin_ctzll(nm);                           \
			break;                                                   \
		}                                                                \
		p += 64;                                                         \
	}                                                                        \
	return scan_finish(t, s, p, end, nt);                                    \
}

/* scan_finish ends the line: the bytes the vector loop left (the last ones
 * of the buffer) with a byte loop, then the fields from the tab positions.
 * Returns 0 when the buffer holds no whole line. */
static int scan_finish(Tsv *t, const char *s, const char *p, const char *end, size_t nt)
{
	const char *e = t->buf + t->len;
	if (!end) {
		for (; p < e; p++) {
			if (*p == '\t') {
				tabs_reserve(nt + 1);
				tabs[nt++] = (uint32_t)(p - s);
			} else if (*p == '\n') {
				end = p;
				break;
			}
		}
		if (!end) {
			if (!t->eof || s == e)
				return 0;
			end = e; /* a last line without its newline */
		}
	}
	const char *stop = end;
	uint32_t start = 0;
	/* Fields past the limit are not stored, nor all their tab positions. */
	size_t lim = split_limit(t), keep = nt < lim ? nt : lim;
	for (size_t i = 0; i < keep; i++) {
		t->f[i] = (Field){ s + start, tabs[i] - start };
		start = tabs[i] + 1;
	}
	/* A CR before the newline ends the last field, never an empty one. */
	if (end > s && end[-1] == '\r')
		end--;
	if (nt < lim)
		t->f[nt] = (Field){ s + start, (size_t)(end - (s + start)) };
	t->nf = (int)nt + 1;
	t->line = s;
	t->line_n = (size_t)(end - s);
	t->pos = (size_t)(stop - t->buf);
	if (t->pos < t->len)
		t->pos++; /* the newline */
	t->lineno++;
	return 1;
}

#ifdef __SSE2__
static inline uint64_t mask64_sse2(const char *p, __m128i c)
{
	uint64_t a = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), c));
	uint64_t b = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), c));
	uint64_t d = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), c));
	uint64_t f = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), c));
	return a | b << 16 | d << 32 | f << 48;
}
SCAN(scan_sse2, , __m128i, _mm_set1_epi8, mask64_sse2)
#else
/* No vector unit known: every byte goes through scan_finish's loop. */
static int scan_sse2(Tsv *t)
{
	const char *s = t->buf + t->pos;
	return scan_finish(t, s, s, NULL, 0);
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))
AVX2 static inline uint64_t mask64_avx2(const char *p, __m256i c)
{
	uint64_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)p), c));
	uint64_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + 32)), c));
	return a | b << 32;
}
SCAN(scan_avx2, AVX2, __m256i, _mm256_set1_epi8, mask64_avx2)
#define HAVE_AVX2 1
#endif

/* scan splits the line at t->pos into t->f, sets t->line, t->nf and the
 * position after the line; returns 0 when the buffer holds no whole line
 * (at the end of input the rest is a whole line). */
static int scan(Tsv *t)
{
#ifdef HAVE_AVX2
	/* CRM_NO_AVX2 in the environment tests the baseline code. */
	static int avx2 = -1;
	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2") && !getenv("CRM_NO_AVX2");
	if (avx2)
		return scan_avx2(t);
#endif
	return scan_sse2(t);
}

/* next_line reads and splits the next line; returns 0 at the end. */
static int next_line(Tsv *t)
{
	while (!scan(t)) {
		if (t->eof)
			return 0;
		fill(t);
	}
	return 1;
}

void tsv_open(Tsv *t, const char *path)
{
	memset(t, 0, sizeof *t);
	if (strcmp(path, "-") == 0) {
		t->fd = 0;
		t->name = xstrdup("stdin");
		pipe_grow(0);
	} else {
		t->fd = open(path, O_RDONLY);
		if (t->fd < 0)
			die_errno("%s", path);
		t->name = xstrdup(path);
	}
	t->cap = TSV_BUFSZ;
	/* A test hook: CRM_TEST_READ_SIZE=N reads at most N bytes a call and
	 * starts with a tiny buffer, to exercise every buffer boundary. */
	const char *rs = getenv("CRM_TEST_READ_SIZE");
	uint64_t v;
	if (rs && parse_uint(rs, 1 << 20, &v) == 0 && v > 0) {
		t->read_size = v;
		t->cap = 16;
	}
	t->buf = xmalloc(t->cap);
	t->found = xcalloc(1, sizeof *t->found);
	/* A UTF-8 byte-order mark (spreadsheets write one) is not part of the
	 * first column's name. */
	while (t->len < 3 && !t->eof)
		fill(t);
	if (t->len >= 3 && memcmp(t->buf, "\xef\xbb\xbf", 3) == 0) {
		t->len -= 3;
		memmove(t->buf, t->buf + 3, t->len);
	}
	/* A first pass counts the header's fields, a second records them. */
	if (!next_line(t))
		die("%s: empty input: no header line", t->name);
	int n = t->nf;
	t->ncols = n;
	t->f = xcalloc((size_t)n, sizeof *t->f);
	t->pos = 0;
	t->lineno = 0;
	next_line(t);
	t->cols = xcalloc((size_t)n, sizeof *t->cols);
	for (int i = 0; i < n; i++) {
		if (t->f[i].n == 0)
			die("%s:1: column %d has an empty name", t->name, i + 1);
		/* Names are kept as C strings: a NUL would cut one short. */
		if (memchr(t->f[i].p, 0, t->f[i].n))
			die("%s:1: column %d has a NUL byte in its name", t->name, i + 1);
		t->cols[i] = xstrndup(t->f[i].p, t->f[i].n);
		for (int j = 0; j < i; j++)
			if (strcmp(t->cols[j], t->cols[i]) == 0)
				die("%s:1: column '%s' appears twice", t->name, t->cols[i]);
	}
}

void tsv_close(Tsv *t)
{
	if (t->fd > 0)
		close(t->fd);
	for (int i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->f);
	free(t->buf);
	free(t->found);
	free(t->name);
	memset(t, 0, sizeof *t);
}

int tsv_col(const Tsv *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0) {
			/* A column found by name is one the tool reads. */
			if (i + 1 > *t->found)
				*t->found = i + 1;
			return i;
		}
	return -1;
}

int tsv_need(const Tsv *t, const char *name, const char *producer)
{
	int c = tsv_col(t, name);
	if (c < 0) {
		if (producer)
			die("%s: missing column '%s' (added by %s)", t->name, name, producer);
		die("%s: missing column '%s'", t->name, name);
	}
	return c;
}

void tsv_split_found(Tsv *t)
{
	t->split_found = 1;
}

int tsv_next_raw(Tsv *t)
{
	return next_line(t);
}

void tsv_check(const Tsv *t)
{
	if (t->nf != t->ncols) {
		if (t->line_n == 0)
			tsv_fail_line(t, "empty line");
		tsv_fail_line(t, "expected %d fields, found %d", t->ncols, t->nf);
	}
}

int tsv_next(Tsv *t)
{
	if (!next_line(t))
		return 0;
	tsv_check(t);
	return 1;
}

size_t tsv_take(Tsv *t, char **buf, size_t *cap)
{
	/* The unread bytes first (a part line, or what tsv_open read). */
	size_t have = t->len - t->pos;
	size_t need = have * 2 > t->cap ? have * 2 : t->cap;
	if (*cap < need) {
		free(*buf);
		*cap = need;
		*buf = xmalloc(need);
	}
	memcpy(*buf, t->buf + t->pos, have);
	t->pos = t->len = 0;
	for (;;) {
		/* From a pipe, read until half the block is full: larger
		 * blocks mean fewer hand-offs between threads. */
		if (t->eof || have >= *cap / 2) {
			char *nl = have ? memrchr(*buf, '\n', have) : NULL;
			if (nl) {
				/* The part line after it waits in T's buffer. */
				size_t n = (size_t)(nl + 1 - *buf), rest = have - n;
				if (rest > t->cap) {
					t->cap = rest;
					t->buf = xrealloc(t->buf, t->cap);
				}
				memcpy(t->buf, *buf + n, rest);
				t->len = rest;
				return n;
			}
			if (t->eof)
				return have;  /* a last line without its newline, or 0 */
			*cap *= 2;
			*buf = xrealloc(*buf, *cap);
		}
		have += read_into(t, *buf + have, *cap - have);
	}
}

void tsv_view_init(Tsv *v, const Tsv *t)
{
	memset(v, 0, sizeof *v);
	v->fd = -1;
	v->name = t->name;
	v->ncols = t->ncols;
	v->found = t->found;
	v->split_found = t->split_found;
	v->cols = t->cols;
	v->f = xcalloc((size_t)t->ncols, sizeof *v->f);
}

void tsv_view_set(Tsv *v, const char *buf, size_t n, uint64_t lineno)
{
	/* Its buffer holds the whole input: scan never calls fill. */
	v->buf = (char *)buf;
	v->cap = v->len = n;
	v->pos = 0;
	v->eof = 1;
	v->lineno = lineno;
}

void tsv_view_free(Tsv *v)
{
	free(v->f);
	memset(v, 0, sizeof *v);
	/* A thread's tab positions die with it: free them before it ends. */
	free(tabs);
	tabs = NULL;
	tabs_cap = 0;
}

void tsv_fail_line(const Tsv *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	die("%s:%llu: %s", t->name, (unsigned long long)t->lineno, msg);
}

void tsv_fail(const Tsv *t, int col, const char *reason)
{
	Field f = t->f[col];
	/* Long values are cut so one bad field cannot flood the terminal. */
	int n = f.n > 80 ? 80 : (int)f.n;
	die("%s:%llu: field '%s': '%.*s%s' %s", t->name,
	    (unsigned long long)t->lineno, t->cols[col], n, f.p,
	    f.n > 80 ? "..." : "", reason);
}
