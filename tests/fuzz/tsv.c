/* tsv: common/tsv.c's reader and the field parsers the tools apply to its
 * rows (dates, months, money, whole numbers), chosen by column name as the
 * tools choose them; then the same input as a products file
 * (common/products.c), every sku of which must map to its category.
 *
 * Property: the rows and the outcome do not depend on how the input is cut
 * into reads. Each input is read once with the normal buffer and once with
 * CRM_TEST_READ_SIZE set to a small size (1 to 16 bytes a read, from the
 * input's length), and the two digests of every field read must agree. */
#include "fuzz.h"
#include "products.h"
#include "tsv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *path;
	uint64_t digest;      /* of every row and field read */
	uint64_t rows;
} Read;

/* mix and mix_bytes fold a value into an FNV-1a style digest. */
static void mix(uint64_t *h, uint64_t v)
{
	*h = (*h ^ v) * 0x100000001b3ULL;
}

static void mix_bytes(uint64_t *h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mix(h, (unsigned char)p[i]);
	mix(h, n);
}

/* read_all reads the file of the Read ARG as a tool would, parsing the
 * fields its columns name, and digests everything it read. */
static void read_all(void *arg)
{
	Read *r = arg;
	Tsv t;
	tsv_open(&t, r->path);
	int *kind = xcalloc((size_t)t.ncols, sizeof *kind);
	for (int i = 0; i < t.ncols; i++) {
		kind[i] = fuzz_column_kind(t.cols[i]);
		mix_bytes(&r->digest, t.cols[i], strlen(t.cols[i]));
	}
	/* The tools check a column's presence by name. */
	if (tsv_col(&t, "customer_id") < 0)
		(void)tsv_need(&t, "customer_id", "crm-agg");
	while (tsv_next(&t)) {
		r->rows++;
		if (t.nf != t.ncols)
			abort(); /* tsv_next promises the field count */
		if (t.line_n && (t.line < t.buf || t.line + t.line_n > t.buf + t.len))
			abort();
		mix(&r->digest, t.lineno);
		for (int i = 0; i < t.ncols; i++) {
			Field f = t.f[i];
			if (f.n && (f.p < t.line || f.p + f.n > t.line + t.line_n))
				abort(); /* a field outside its line */
			if (memchr(f.p, '\t', f.n) || memchr(f.p, '\n', f.n))
				abort();
			mix_bytes(&r->digest, f.p, f.n);
			int64_t v;
			const char *why = fuzz_parse_field(kind[i], f, &v);
			if (why)
				tsv_fail(&t, i, why);
			mix(&r->digest, (uint64_t)v);
		}
	}
	free(kind);
	tsv_close(&t);
}

/* products reads the file ARG as a products file and looks up every sku
 * it lists: each must be found, with the category of its row. */
static void products(void *arg)
{
	Products p;
	products_load(&p, arg);
	Tsv t;
	tsv_open(&t, arg);
	int si = tsv_need(&t, "sku", NULL), ci = tsv_need(&t, "category", NULL);
	while (tsv_next(&t)) {
		const char *c = products_category(&p, t.f[si].p, t.f[si].n);
		if (!c || strlen(c) != t.f[ci].n || memcmp(c, t.f[ci].p, t.f[ci].n) != 0) {
			fprintf(stderr, "fuzz-tsv: line %llu: the sku's category is %s\n",
				(unsigned long long)t.lineno, c ? c : "not found");
			abort();
		}
	}
	tsv_close(&t);
	products_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("input.tsv", data, size);
	unsetenv("CRM_TEST_READ_SIZE");
	Read a = { path, 0xcbf29ce484222325ULL, 0 };
	int sa = fuzz_run(read_all, &a);

	char rs[8];
	snprintf(rs, sizeof rs, "%zu", 1 + size % 16);
	setenv("CRM_TEST_READ_SIZE", rs, 1);
	Read b = { path, 0xcbf29ce484222325ULL, 0 };
	int sb = fuzz_run(read_all, &b);
	unsetenv("CRM_TEST_READ_SIZE");
	if (sa != sb || a.rows != b.rows || a.digest != b.digest) {
		fprintf(stderr, "fuzz-tsv: reads of %s bytes a call differ: exit %d/%d, rows %llu/%llu\n",
			rs, sa, sb, (unsigned long long)a.rows, (unsigned long long)b.rows);
		abort();
	}
	char p[128];
	snprintf(p, sizeof p, "%s", path);
	fuzz_run(products, p);
	return 0;
}
