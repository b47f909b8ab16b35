/* Phase 3: merge the sorted runs into the output; the --merge mode. */
#include "agg.h"
#include "date.h"
#include "money.h"
#include "tsv.h"
#include "util.h"

#include <stdlib.h>

/* ---- output rows ---- */

#define PERIOD_LEN 21   /* "YYYY-MM-DD\tYYYY-MM-DD" */

static const char *const columns =
	"customer_id\tmonth\torders\tunits\tamount\tfirst_date\tlast_date\t"
	"other_orders\tother_amount\tlines\tperiod_start\tperiod_end\n";

void write_header(Out *o, const OutFmt *f)
{
	if (f->brand)
		out_str(o, "brand\t");
	out_str(o, columns);
}

static inline char *put_day(char *p, const char *ym, int day)
{
	memcpy(p, ym, 7);
	p[7] = '-';
	p[8] = (char)('0' + day / 10);
	p[9] = (char)('0' + day % 10);
	return p + 10;
}

/* write_row writes one output row: LEAD (the key and a tab, formatted once
 * per customer), the group's figures and PE, the period's two columns. */
static void write_row(Out *o, const OutFmt *f, const char *lead, size_t leadn,
		      const char *pe, const Group *g)
{
	char *p = out_reserve(o, leadn + 200), *start = p;
	memcpy(p, lead, leadn);
	p += leadn;
	char ym[7];
	month_fmt(ym, g->month);
	memcpy(p, ym, 7);
	p += 7;
	*p++ = '\t';
	p += fmt_u64(p, (uint64_t)pop64(g->cmask));
	*p++ = '\t';
	p += fmt_i64(p, g->cu);
	*p++ = '\t';
	p += fixed_fmt(p, g->ca, f->decimals);
	*p++ = '\t';
	if (g->cmask) {
		p = put_day(p, ym, __builtin_ctz(g->cmask) + 1);
		*p++ = '\t';
		p = put_day(p, ym, 32 - __builtin_clz(g->cmask));
	} else {
		*p++ = '\t';
	}
	*p++ = '\t';
	p += fmt_u64(p, (uint64_t)pop64(g->omask));
	*p++ = '\t';
	p += fixed_fmt(p, g->oa, f->decimals);
	*p++ = '\t';
	p += fmt_u64(p, g->lines);
	*p++ = '\t';
	memcpy(p, pe, PERIOD_LEN);
	p += PERIOD_LEN;
	*p++ = '\n';
	o->len += (size_t)(p - start);
}

/* ---- run cursors ---- */

#define RUN_BUF (64 * 1024)

typedef struct {
	Reader rd;
	uint8_t key[KEY_MAX];    /* the current customer */
	uint32_t keylen;
	uint64_t p0, p1, ngroups;
} Cursor;

/* cursor_next moves to the next customer; returns 0 at the end. */
static int cursor_next(Cursor *c)
{
	const uint8_t *p = reader_item(&c->rd, 2 + KEY_MAX + 10), *k;
	if (!p)
		return 0;
	p = key_get(p, &k, &c->keylen);
	key_copy(c->key, k, c->keylen);
	c->rd.p = get_uv(p, &c->ngroups);
	key_prefix(c->key, c->keylen, &c->p0, &c->p1);
	return 1;
}

static inline void cursor_group(Cursor *c, Group *g)
{
	c->rd.p = grp_get(reader_item(&c->rd, GRP_MAX), g);
}

static inline int cur_less(const Cursor *a, const Cursor *b)
{
	if (a->p0 != b->p0)
		return a->p0 < b->p0;
	if (a->p1 != b->p1)
		return a->p1 < b->p1;
	return key_cmp(a->key, a->keylen, b->key, b->keylen) < 0;
}

static void sift_down(Cursor *cs, size_t *h, size_t n, size_t i)
{
	size_t x = h[i];
	for (;;) {
		size_t l = 2 * i + 1;
		if (l >= n)
			break;
		size_t m = l + 1 < n && cur_less(&cs[h[l + 1]], &cs[h[l]]) ? l + 1 : l;
		if (!cur_less(&cs[h[m]], &cs[x]))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

/* Where merged customers go: the output, or a new run. */
typedef struct {
	Out *o;
	const OutFmt *f;
	char pe[PERIOD_LEN];
	uint64_t rows;
	Stream *run;
} Sink;

static void sink_customer(Sink *s, Cursor *c)
{
	Group g;
	if (s->o) {
		char lead[KEY_MAX + 2];
		size_t n = c->keylen;
		memcpy(lead, c->key, n);
		if (s->f->brand) {
			uint8_t *nul = memchr(lead, 0, n);
			*nul = '\t';
		}
		lead[n++] = '\t';
		for (uint64_t i = 0; i < c->ngroups; i++) {
			cursor_group(c, &g);
			write_row(s->o, s->f, lead, n, s->pe, &g);
		}
		s->rows += c->ngroups;
		return;
	}
	uint8_t *p = stream_room(s->run, 2 + KEY_MAX + 10), *q;
	q = put_uv(key_put(p, c->key, c->keylen), c->ngroups);
	stream_commit(s->run, (size_t)(q - p));
	for (uint64_t i = 0; i < c->ngroups; i++) {
		cursor_group(c, &g);
		p = stream_room(s->run, GRP_MAX);
		stream_commit(s->run, (size_t)(grp_put(p, &g) - p));
	}
	/* A merged run goes to disk as it grows: it replaces spilled runs. */
	if (s->run->head != s->run->tail)
		stream_spill(s->run);
}

/* merge_some merges runs V[0..N) into the sink. */
static void merge_some(Stream *v, size_t n, Sink *s)
{
	Cursor *cs = xcalloc(n ? n : 1, sizeof *cs);
	size_t *heap = xmalloc((n ? n : 1) * sizeof *heap), hn = 0;
	for (size_t i = 0; i < n; i++) {
		Cursor *c = &cs[i];
		uint8_t *buf = v[i].next ? xmalloc(RUN_BUF) : NULL;
		reader_init(&c->rd, &v[i], buf, RUN_BUF);
		if (cursor_next(c))
			heap[hn++] = i;
	}
	for (size_t i = hn / 2; i-- > 0;)
		sift_down(cs, heap, hn, i);
	while (hn) {
		Cursor *c = &cs[heap[0]];
		sink_customer(s, c);
		if (!cursor_next(c))
			heap[0] = heap[--hn];
		if (hn)
			sift_down(cs, heap, hn, 0);
	}
	for (size_t i = 0; i < n; i++) {
		free(cs[i].rd.buf);
		stream_free(&v[i]);
	}
	free(cs);
	free(heap);
}

uint64_t merge_runs(Runs *r, Out *o, const OutFmt *f)
{
	/* Spilled runs need a read buffer each: merge them in passes of at
	 * most FAN runs until the buffers of the rest fit in the budget. */
	size_t fan = (size_t)(mem.budget / 2 / RUN_BUF);
	if (fan < 4)
		fan = 4;
	if (mem.test_fan)
		fan = mem.test_fan;
	while (r->n > fan) {
		runs_spill(r);
		Runs next = { 0 };
		for (size_t i = 0; i < r->n; i += fan) {
			size_t k = r->n - i < fan ? r->n - i : fan;
			Sink s = { .run = runs_new(&next) };
			merge_some(r->v + i, k, &s);
			stream_spill(s.run);
		}
		free(r->v);
		*r = next;
	}
	Sink s = { .o = o, .f = f };
	date_fmt(s.pe, f->period_start);
	s.pe[10] = '\t';
	date_fmt(s.pe + 11, f->period_end);
	merge_some(r->v, r->n, &s);
	return s.rows;
}

/* ---- --merge: merge the outputs of several partitions ---- */

typedef struct {
	Tsv t;
	int k[3], nk;      /* key columns: (brand,) customer_id, month */
	int pe[2];         /* period_start, period_end */
	int live;
} In;

static int in_cmp(const In *a, const In *b)
{
	for (int i = 0; i < a->nk; i++) {
		Field x = a->t.f[a->k[i]], y = b->t.f[b->k[i]];
		int c = key_cmp((const uint8_t *)x.p, (uint32_t)x.n, (const uint8_t *)y.p, (uint32_t)y.n);
		if (c)
			return c;
	}
	return 0;
}

/* in_advance reads the next row of IN, checking that rows go up. */
static void in_advance(In *in, char **prev, size_t *prevcap)
{
	/* Keep the key of the row just written to compare with the next. */
	size_t need = 0;
	for (int i = 0; i < in->nk; i++)
		need += in->t.f[in->k[i]].n + 1;
	if (need > *prevcap) {
		*prevcap = need * 2;
		*prev = xrealloc(*prev, *prevcap);
	}
	char *p = *prev;
	for (int i = 0; i < in->nk; i++) {
		Field f = in->t.f[in->k[i]];
		memcpy(p, f.p, f.n);
		p += f.n;
		*p++ = '\t';
	}
	if (!tsv_next(&in->t)) {
		in->live = 0;
		return;
	}
	const char *q = *prev;
	for (int i = 0; i < in->nk; i++) {
		const char *tab = memchr(q, '\t', need);
		Field f = in->t.f[in->k[i]];
		int c = key_cmp((const uint8_t *)f.p, (uint32_t)f.n, (const uint8_t *)q,
				(uint32_t)(tab - q));
		if (c < 0 || (c == 0 && i == in->nk - 1))
			tsv_fail_line(&in->t, "rows are not in (brand,) customer_id, month order");
		if (c > 0)
			return;
		q = tab + 1;
	}
}

uint64_t merge_outputs(char **paths, int n, Out *o)
{
	In *in = xcalloc((size_t)n, sizeof *in);
	char *prev = NULL;
	size_t prevcap = 0;
	for (int i = 0; i < n; i++) {
		Tsv *t = &in[i].t;
		tsv_open(t, paths[i]);
		int b = tsv_col(t, "brand");
		if (b >= 0)
			in[i].k[in[i].nk++] = b;
		in[i].k[in[i].nk++] = tsv_need(t, "customer_id", "crm-agg");
		in[i].k[in[i].nk++] = tsv_need(t, "month", "crm-agg");
		in[i].pe[0] = tsv_need(t, "period_start", "crm-agg");
		in[i].pe[1] = tsv_need(t, "period_end", "crm-agg");
		if (i > 0) {
			int same = t->ncols == in[0].t.ncols;
			for (int c = 0; same && c < t->ncols; c++)
				same = strcmp(t->cols[c], in[0].t.cols[c]) == 0;
			if (!same)
				die("%s: its columns differ from those of %s", t->name, in[0].t.name);
		}
		in[i].live = tsv_next(t);
	}
	out_write(o, in[0].t.line, 0);
	for (int c = 0; c < in[0].t.ncols; c++) {
		out_str(o, in[0].t.cols[c]);
		out_char(o, c + 1 < in[0].t.ncols ? '\t' : '\n');
	}
	/* Few inputs: a linear scan for the smallest row is fastest. */
	uint64_t rows = 0;
	char pe[2][16] = { "", "" };
	for (;;) {
		int m = -1;
		for (int i = 0; i < n; i++) {
			if (!in[i].live)
				continue;
			if (m < 0) {
				m = i;
				continue;
			}
			int c = in_cmp(&in[i], &in[m]);
			if (c == 0)
				tsv_fail_line(&in[i].t, "this customer and month also appear in %s: "
					      "merge outputs of disjoint partitions only", in[m].t.name);
			if (c < 0)
				m = i;
		}
		if (m < 0)
			break;
		for (int k = 0; k < 2; k++) {
			Field f = in[m].t.f[in[m].pe[k]];
			if (!pe[k][0] && f.n < sizeof pe[k])
				memcpy(pe[k], f.p, f.n);
			else if (f.n >= sizeof pe[k] || memcmp(pe[k], f.p, f.n) != 0 || pe[k][f.n])
				tsv_fail(&in[m].t, in[m].pe[k], k ? "differs from the other inputs' period_end "
					 "(each partition must read all of the input)" :
					 "differs from the other inputs' period_start "
					 "(each partition must read all of the input)");
		}
		out_write(o, in[m].t.line, in[m].t.line_n);
		out_char(o, '\n');
		rows++;
		in_advance(&in[m], &prev, &prevcap);
	}
	for (int i = 0; i < n; i++)
		tsv_close(&in[i].t);
	free(in);
	free(prev);
	return rows;
}
