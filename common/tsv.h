/* tsv: a reader for tab-separated files with a header line. Columns are found
 * by name, so added or reordered columns never break a tool. Fields point into
 * the reader's buffer (no copies) and stay valid until the next tsv_next.
 *
 * A UTF-8 byte-order mark before the header is skipped. Lines end in LF or
 * CRLF; the last line may lack its newline. Every line must have as many
 * fields as the header. */
#ifndef CRM_TSV_H
#define CRM_TSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* The most bytes a customer key of the canonical stream may have: the
 * customer_id, or the brand, a NUL and the customer_id. crm-agg refuses a
 * longer one; crm-clean rejects it at ingest. */
#define CRM_KEY_MAX 1024

typedef struct {
	const char *p;
	size_t n;
} Field;

typedef struct {
	int fd;
	char *name;          /* for messages: the path, or "stdin" */
	char *buf;
	size_t cap, pos, len, read_size;
	int eof;
	uint64_t lineno;     /* line number of the row last returned */
	int ncols;
	int *found;          /* 1 + the last column tsv_col has found */
	int split_found;     /* tsv_split_found */
	char **cols;         /* header names */
	Field *f;            /* ncols fields of the current row */
	int nf;              /* fields the current row has */
	const char *line;    /* the current row's bytes, without its newline */
	size_t line_n;
} Tsv;

/* tsv_open opens PATH ("-" is stdin) and reads its header line. An empty
 * input, a duplicate or empty column name is an error. */
void tsv_open(Tsv *t, const char *path);
void tsv_close(Tsv *t);

/* tsv_col returns the index of column NAME, or -1. */
int tsv_col(const Tsv *t, const char *name);
/* tsv_need returns the index of column NAME or dies naming the file, the
 * column and, when PRODUCER is not NULL, the tool that adds it. */
int tsv_need(const Tsv *t, const char *name, const char *producer);

/* tsv_split_found splits rows from now on only up to the last column that
 * tsv_col or tsv_need has found (before or after this call): the fields
 * after it are counted, not stored, so a tool that reads its columns by
 * name skips the rest. A row's field count is checked all the same. */
void tsv_split_found(Tsv *t);

/* tsv_next reads the next row into t->f; returns 1, or 0 at the end. A row
 * with the wrong number of fields is an error naming file and line. */
int tsv_next(Tsv *t);

/* tsv_next_raw reads the next row like tsv_next but leaves the field count
 * unchecked (t->nf holds it; fields past ncols are not stored); tsv_check
 * then checks it. Tools use them to skip rows another process checks. */
int tsv_next_raw(Tsv *t);
void tsv_check(const Tsv *t);

/* tsv_take reads the next whole lines of T's input, at least one (a last
 * line may lack its newline), into *BUF of *CAP bytes, which it allocates
 * or grows; returns their length, 0 at the end of input. Threads scan the
 * blocks with views. */
size_t tsv_take(Tsv *t, char **buf, size_t *cap);

/* tsv_view_init makes V a reader of blocks of lines, with the header and
 * name of T (which must outlive it); tsv_view_set gives it BUF[0..N), whole
 * lines, the first of them line LINENO + 1 of the input; tsv_view_free
 * releases what tsv_view_init allocated and the calling thread's buffer
 * of tab positions. */
void tsv_view_init(Tsv *v, const Tsv *t);
void tsv_view_set(Tsv *v, const char *buf, size_t n, uint64_t lineno);
void tsv_view_free(Tsv *v);

/* tsv_fail dies with "FILE:LINE: field 'NAME': 'VALUE' REASON". */
noreturn void tsv_fail(const Tsv *t, int col, const char *reason);
/* tsv_fail_line dies with "FILE:LINE: MESSAGE". */
noreturn void tsv_fail_line(const Tsv *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline int field_eq(Field f, const char *s, size_t n)
{
	return f.n == n && __builtin_memcmp(f.p, s, n) == 0;
}

#endif
