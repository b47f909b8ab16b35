/* Phase 3: merge the sorted runs into the output; the --merge mode. */
#include "agg.h"
#include "date.h"
#include "money.h"
#include "schema.h"
#include "tsv.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>

/* ---- output rows ---- */

/* The columns every row ends with, the same on each: period_start,
 * period_end and rules_id. */
#define PERIOD_LEN 38   /* "YYYY-MM-DD\tYYYY-MM-DD\t" and 16 hex digits */

/* write_header writes the columns of the schema crm-agg adds, after brand
 * when there is one, and rules_id last. */
void write_header(Out *o, const OutFmt *f)
{
	char cols[512];
	if (f->brand)
		out_str(o, "brand\t");
	out_str(o, schema_added("crm-agg", 0, cols, sizeof cols));
	out_str(o, "\trules_id\n");
}

static inline char *put_day(char *p, const char *ym, int day)
{
	memcpy(p, ym, 7);
	p[7] = '-';
	p[8] = (char)('0' + day / 10);
	p[9] = (char)('0' + day % 10);
	return p + 10;
}

/* ROW_MAX bounds a row past its lead. */
#define ROW_MAX 200

/* put_row writes one output row at P: LEAD (the key and a tab, formatted
 * once per customer), YM (the group's month, YYYY-MM), the group's figures
 * and PE, the columns every row ends with; returns the end. */
static char *put_row(char *p, const OutFmt *f, const char *lead, size_t leadn,
		     const char *pe, const char *ym, const Group *g)
{
	memcpy(p, lead, leadn);
	p += leadn;
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
	return p;
}

/* period_fmt writes the last three columns, PERIOD_LEN bytes, at PE. */
static void period_fmt(char *pe, const OutFmt *f)
{
	date_fmt(pe, f->period_start);
	pe[10] = '\t';
	date_fmt(pe + 11, f->period_end);
	pe[21] = '\t';
	memcpy(pe + 22, f->rules_id, 16);
}

/* ---- run cursors ---- */

#define RUN_BUF (64 * 1024)

typedef struct {
	Reader rd;
	uint8_t key[KEY_MAX];    /* the current customer */
	uint32_t keylen;
	uint64_t p0, p1, ngroups;
	const uint8_t *stop;     /* NULL, or the key that ends the range read */
	uint32_t stopn;
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
	return !c->stop || key_cmp(c->key, c->keylen, c->stop, c->stopn) < 0;
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

/* Text of one range of the output, merged by a thread (-j). */
typedef struct {
	char *p;
	size_t len, cap;
	uint64_t rows;
	int done;
} Text;

/* Where merged customers go: the output, a text, or a new run. */
typedef struct {
	Out *o;
	Text *text;
	const OutFmt *f;
	char pe[PERIOD_LEN];
	uint64_t rows;
	Stream *run;
	RunCut cut;
	/* Months formatted, by month % 64: the tag is the month, 0 (a
	 * month of year 0, which no date has) when the slot is empty. */
	int32_t ym_tag[64];
	char ym[64][8];
} Sink;

/* sink_month returns month MON as YYYY-MM (7 bytes), formatted once. */
static inline const char *sink_month(Sink *s, int32_t mon)
{
	unsigned k = (unsigned)mon & 63;
	if (s->ym_tag[k] != mon) {
		month_fmt(s->ym[k], mon);
		s->ym_tag[k] = mon;
	}
	return s->ym[k];
}

static char *text_reserve(Text *t, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->p = xrealloc(t->p, t->cap);
	}
	return t->p + t->len;
}

static void sink_customer(Sink *s, Cursor *c)
{
	Group g;
	if (s->o || s->text) {
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
			if (s->o) {
				char *p = out_reserve(s->o, n + ROW_MAX);
				s->o->len += (size_t)(put_row(p, s->f, lead, n, s->pe, sink_month(s, g.month), &g) - p);
			} else {
				char *p = text_reserve(s->text, n + ROW_MAX);
				s->text->len += (size_t)(put_row(p, s->f, lead, n, s->pe, sink_month(s, g.month),
							       &g) - p);
			}
		}
		s->rows += c->ngroups;
		return;
	}
	run_cut(&s->cut, c->key, c->keylen, s->run->bytes);
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

/* merge_some merges runs V[0..N) into the sink and frees them. */
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

/* ---- -j: ranges of the key space merged by threads ---- */

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	Runs *r;
	const OutFmt *f;
	size_t nrange, next, written;
	Text *text;
	Text *pool;            /* written texts, their buffers kept for reuse */
	size_t npool;
} RangeJob;

/* merge_range merges range I of every run into T; BUF holds a read buffer
 * for each run with a spilled part. */
static void merge_range(RangeJob *j, size_t i, Text *t, Cursor *cs, size_t *heap,
			uint8_t **buf)
{
	Runs *r = j->r;
	const Splits *sp = r->sp;
	size_t ns = sp->n, hn = 0;
	for (size_t k = 0; k < r->n; k++) {
		uint64_t lo = i ? r->cut[k * ns + i - 1] : 0;
		uint64_t hi = i < ns ? r->cut[k * ns + i] : r->v[k].bytes;
		if (lo == hi)
			continue;
		Cursor *c = &cs[k];
		reader_init(&c->rd, &r->v[k], buf[k], RUN_BUF);
		reader_seek(&c->rd, lo, hi - lo);
		c->stop = i < ns ? sp->key[i] : NULL;
		c->stopn = i < ns ? sp->len[i] : 0;
		if (cursor_next(c))
			heap[hn++] = k;
	}
	for (size_t k = hn / 2; k-- > 0;)
		sift_down(cs, heap, hn, k);
	Sink s = { .text = t, .f = j->f };
	period_fmt(s.pe, j->f);
	while (hn) {
		Cursor *c = &cs[heap[0]];
		sink_customer(&s, c);
		if (!cursor_next(c))
			heap[0] = heap[--hn];
		if (hn)
			sift_down(cs, heap, hn, 0);
	}
	t->rows = s.rows;
}

static void *range_thread(void *arg)
{
	RangeJob *j = arg;
	Runs *r = j->r;
	Cursor *cs = xcalloc(r->n, sizeof *cs);
	size_t *heap = xcalloc(r->n, sizeof *heap);
	uint8_t **buf = xcalloc(r->n, sizeof *buf);
	for (size_t k = 0; k < r->n; k++)
		if (r->v[k].next)
			buf[k] = xmalloc(RUN_BUF);
	/* At most two ranges a thread wait to be written. */
	size_t window = 2 * (mem.jobs ? mem.jobs : 1);
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (j->next < j->nrange && j->next >= j->written + window)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->next >= j->nrange)
			break;
		size_t i = j->next++;
		/* A buffer already mapped and touched costs no page faults. */
		Text t = { 0 };
		if (j->npool)
			t = j->pool[--j->npool];
		pthread_mutex_unlock(&j->mu);
		merge_range(j, i, &t, cs, heap, buf);
		pthread_mutex_lock(&j->mu);
		t.done = 1;
		j->text[i] = t;
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	for (size_t k = 0; k < r->n; k++)
		free(buf[k]);
	free(buf);
	free(cs);
	free(heap);
	return NULL;
}

/* merge_ranges merges R into O with mem.jobs threads, one range of keys
 * each at a time; this thread writes the ranges in order. */
static uint64_t merge_ranges(Runs *r, Out *o, const OutFmt *f)
{
	RangeJob j;
	memset(&j, 0, sizeof j);
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	j.r = r;
	j.f = f;
	j.nrange = r->sp->n + 1;
	j.text = xcalloc(j.nrange, sizeof *j.text);
	j.pool = xcalloc(j.nrange, sizeof *j.pool);
	unsigned jobs = mem.jobs;
	pthread_t *tid = xcalloc(jobs, sizeof *tid);
	for (unsigned k = 0; k < jobs; k++)
		if (pthread_create(&tid[k], NULL, range_thread, &j))
			die("cannot start a thread");
	uint64_t rows = 0;
	for (size_t i = 0; i < j.nrange; i++) {
		pthread_mutex_lock(&j.mu);
		while (!j.text[i].done)
			pthread_cond_wait(&j.cv, &j.mu);
		pthread_mutex_unlock(&j.mu);
		out_write(o, j.text[i].p, j.text[i].len);
		rows += j.text[i].rows;
		pthread_mutex_lock(&j.mu);
		j.pool[j.npool++] = (Text){ .p = j.text[i].p, .cap = j.text[i].cap };
		j.written = i + 1;
		pthread_cond_broadcast(&j.cv);
		pthread_mutex_unlock(&j.mu);
	}
	for (unsigned k = 0; k < jobs; k++)
		pthread_join(tid[k], NULL);
	for (size_t k = 0; k < r->n; k++)
		stream_free(&r->v[k]);
	for (size_t k = 0; k < j.npool; k++)
		free(j.pool[k].p);
	free(j.pool);
	free(j.text);
	free(tid);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.cv);
	return rows;
}

uint64_t merge_runs(Runs *r, Out *o, const OutFmt *f)
{
	/* Spilled runs need a read buffer each (a thread each with -j):
	 * merge them in passes of at most FAN runs until the buffers of the
	 * rest fit in the budget. */
	unsigned jobs = mem.jobs ? mem.jobs : 1;
	size_t fan = (size_t)(mem.budget / 2 / RUN_BUF);
	if (fan < 4)
		fan = 4;
	if (mem.test_fan)
		fan = mem.test_fan;
	size_t most = fan / jobs ? fan / jobs : 1;
	while (r->n > most) {
		runs_spill(r);
		Runs next = { .sp = r->sp };
		for (size_t i = 0; i < r->n; i += fan) {
			size_t k = r->n - i < fan ? r->n - i : fan;
			Sink s = { 0 };
			s.run = runs_new(&next, &s.cut);
			merge_some(r->v + i, k, &s);
			run_cut_end(&s.cut, s.run->bytes);
			stream_spill(s.run);
		}
		free(r->v);
		free(r->cut);
		*r = next;
	}
	if (jobs > 1 && r->sp && r->sp->n)
		return merge_ranges(r, o, f);
	Sink s = { .o = o, .f = f };
	period_fmt(s.pe, f);
	merge_some(r->v, r->n, &s);
	return s.rows;
}

/* ---- --merge: merge the outputs of several partitions ---- */

typedef struct {
	Tsv t;
	int k[3], nk;      /* key columns: (brand,) customer_id, month */
	int pe[3];         /* period_start, period_end, rules_id */
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
		in[i].k[in[i].nk++] = schema_need(t, "customer_id");
		in[i].k[in[i].nk++] = schema_need(t, "month");
		in[i].pe[0] = schema_need(t, "period_start");
		in[i].pe[1] = schema_need(t, "period_end");
		in[i].pe[2] = schema_need(t, "rules_id");
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
	char pe[3][17] = { "", "", "" };
	static const char *const differs[3] = {
		"differs from the other inputs' period_start (each partition must read all of the input)",
		"differs from the other inputs' period_end (each partition must read all of the input)",
		"differs from the other inputs' rules_id (each partition must use the same rules)",
	};
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
		for (int k = 0; k < 3; k++) {
			Field f = in[m].t.f[in[m].pe[k]];
			if (!pe[k][0] && f.n < sizeof pe[k])
				memcpy(pe[k], f.p, f.n);
			else if (f.n >= sizeof pe[k] || memcmp(pe[k], f.p, f.n) != 0 || pe[k][f.n])
				tsv_fail(&in[m].t, in[m].pe[k], differs[k]);
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
