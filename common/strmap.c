#include "strmap.h"
#include "hash.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void strmap_init(StrMap *m)
{
	m->cap = 16;
	m->n = 0;
	m->keys = xcalloc(m->cap, sizeof *m->keys);
	m->lens = xcalloc(m->cap, sizeof *m->lens);
	m->vals = xcalloc(m->cap, sizeof *m->vals);
}

void strmap_free(StrMap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->lens);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static size_t find(const StrMap *m, const char *key, size_t n)
{
	size_t mask = m->cap - 1, i = hash_bytes(key, n) & mask;
	while (m->keys[i] && !(m->lens[i] == n && memcmp(m->keys[i], key, n) == 0))
		i = (i + 1) & mask;
	return i;
}

int64_t strmap_get(const StrMap *m, const char *key, size_t n)
{
	size_t i = find(m, key, n);
	return m->keys[i] ? m->vals[i] : -1;
}

int64_t strmap_put(StrMap *m, const char *key, size_t n, int64_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		StrMap b = { 0 };
		b.cap = m->cap * 2;
		b.keys = xcalloc(b.cap, sizeof *b.keys);
		b.lens = xcalloc(b.cap, sizeof *b.lens);
		b.vals = xcalloc(b.cap, sizeof *b.vals);
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = find(&b, m->keys[i], m->lens[i]);
				b.keys[j] = m->keys[i];
				b.lens[j] = m->lens[i];
				b.vals[j] = m->vals[i];
			}
		b.n = m->n;
		free(m->keys);
		free(m->lens);
		free(m->vals);
		*m = b;
	}
	size_t i = find(m, key, n);
	if (m->keys[i]) {
		int64_t old = m->vals[i];
		m->vals[i] = val;
		return old;
	}
	m->keys[i] = xstrndup(key, n);
	m->lens[i] = n;
	m->vals[i] = val;
	m->n++;
	return -1;
}
