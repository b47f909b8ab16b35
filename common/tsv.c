#include "tsv.h"
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
	size_t want = t->cap - t->len;
	if (t->read_size && want > t->read_size)
		want = t->read_size;
	for (;;) {
		ssize_t r = read(t->fd, t->buf + t->len, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("read error on %s", t->name);
		}
		if (r == 0)
			t->eof = 1;
		t->len += (size_t)r;
		return (size_t)r;
	}
}

/* scan splits the line at t->pos into t->f in one pass over its bytes,
 * finding tabs and the newline together; it sets t->line, t->nf and the
 * position after the line. Returns 0 when the buffer holds no whole line
 * (at the end of input the rest is a whole line). */
static int scan(Tsv *t)
{
	const char *s = t->buf + t->pos, *e = t->buf + t->len, *p = s, *start = s;
	int nf = 0, max = t->ncols;
	const char *end = NULL;
#ifdef __SSE2__
	const __m128i tab = _mm_set1_epi8('\t'), nl = _mm_set1_epi8('\n');
	while (p + 16 <= e) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		unsigned tm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, tab));
		unsigned nm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		if (nm)
			tm &= (nm & -nm) - 1; /* only tabs before the newline */
		while (tm) {
			const char *q = p + __builtin_ctz(tm);
			tm &= tm - 1;
			if (nf < max)
				t->f[nf] = (Field){ start, (size_t)(q - start) };
			nf++;
			start = q + 1;
		}
		if (nm) {
			end = p + __builtin_ctz(nm);
			break;
		}
		p += 16;
	}
	if (!end)
#endif
	for (; p < e; p++) {
		if (*p == '\t') {
			if (nf < max)
				t->f[nf] = (Field){ start, (size_t)(p - start) };
			nf++;
			start = p + 1;
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
	if (end > start && end[-1] == '\r' && end > s)
		end--;
	if (nf < max)
		t->f[nf] = (Field){ start, (size_t)(end - start) };
	t->nf = nf + 1;
	t->line = s;
	t->line_n = (size_t)(end - s);
	t->pos = (size_t)(end - t->buf);
	if (t->pos < t->len && t->buf[t->pos] == '\r')
		t->pos++;
	if (t->pos < t->len)
		t->pos++; /* the newline */
	t->lineno++;
	return 1;
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
	free(t->name);
	memset(t, 0, sizeof *t);
}

int tsv_col(const Tsv *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return i;
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
