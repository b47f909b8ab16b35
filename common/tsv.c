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

/* next_line finds the next line and sets t->line; returns 0 at the end. */
static int next_line(Tsv *t)
{
	for (;;) {
		const char *s = t->buf + t->pos, *e = t->buf + t->len;
		const char *nl = s < e ? memchr(s, '\n', (size_t)(e - s)) : NULL;
		if (nl) {
			t->line = s;
			t->line_n = (size_t)(nl - s);
			t->pos += t->line_n + 1;
			break;
		}
		if (t->eof) {
			if (s == e)
				return 0;
			t->line = s; /* a last line without its newline */
			t->line_n = (size_t)(e - s);
			t->pos = t->len;
			break;
		}
		fill(t);
	}
	t->lineno++;
	if (t->line_n && t->line[t->line_n - 1] == '\r')
		t->line_n--;
	return 1;
}

/* split cuts t->line at tabs into t->f; returns the number of fields. */
static int split(Tsv *t)
{
	const char *p = t->line, *e = p + t->line_n, *start = p;
	int nf = 0, max = t->ncols;
#ifdef __SSE2__
	const __m128i tab = _mm_set1_epi8('\t');
	while (p + 16 <= e) {
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), tab));
		while (m) {
			const char *q = p + __builtin_ctz(m);
			m &= m - 1;
			if (nf < max)
				t->f[nf] = (Field){ start, (size_t)(q - start) };
			nf++;
			start = q + 1;
		}
		p += 16;
	}
#endif
	for (; p < e; p++)
		if (*p == '\t') {
			if (nf < max)
				t->f[nf] = (Field){ start, (size_t)(p - start) };
			nf++;
			start = p + 1;
		}
	if (nf < max)
		t->f[nf] = (Field){ start, (size_t)(e - start) };
	return nf + 1;
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
	if (!next_line(t))
		die("%s: empty input: no header line", t->name);
	/* Count the header's fields by splitting with no limit. */
	int n = 1;
	for (size_t i = 0; i < t->line_n; i++)
		n += t->line[i] == '\t';
	t->ncols = n;
	t->f = xcalloc((size_t)n, sizeof *t->f);
	split(t);
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

int tsv_next(Tsv *t)
{
	if (!next_line(t))
		return 0;
	int nf = split(t);
	if (nf != t->ncols) {
		if (t->line_n == 0)
			tsv_fail_line(t, "empty line");
		tsv_fail_line(t, "expected %d fields, found %d", t->ncols, nf);
	}
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
