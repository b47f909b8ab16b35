/* crm-target: visiting items in the order of their keys without sorting
 * them all. A plan with a budget reads only the head of an order: the
 * steps or customers until the budget is spent. The items are scattered
 * into buckets by the 16 highest bits in which the keys differ (one pass),
 * and a bucket is sorted only when the walk reaches it. */
#include "radix.h"
#include "target.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* order_init computes the keys three times, the highest bits in which
 * they differ, the size of each bucket, and where each item goes, rather
 * than keep a second copy of the keys: the scatter writes the only one. */
void order_init(Order *o, size_t n, OrderKey keyof,
		int (*tie)(uint32_t a, uint32_t b, const void *ctx), const void *ctx)
{
	memset(o, 0, sizeof *o);
	o->tie = tie;
	o->ctx = ctx;
	uint64_t and = ~0ULL, or = 0, k;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (keyof((uint32_t)i, ctx, &k)) {
			and &= k;
			or |= k;
			m++;
		}
	o->n = m;
	uint64_t diff = and ^ or;
	int top = diff ? 63 - __builtin_clzll(diff) : 0;
	o->shift = top >= 15 ? top - 15 : 0;
	o->start = xcalloc(ORDER_BUCKETS + 1, sizeof *o->start);
	for (size_t i = 0; i < n; i++)
		if (keyof((uint32_t)i, ctx, &k))
			o->start[((k >> o->shift) & (ORDER_BUCKETS - 1)) + 1]++;
	for (size_t b = 0; b < ORDER_BUCKETS; b++)
		o->start[b + 1] += o->start[b];
	o->key = xmalloc((m + 1) * sizeof *o->key);
	o->idx = xmalloc((m + 1) * sizeof *o->idx);
	size_t *at = xmalloc(ORDER_BUCKETS * sizeof *at);
	memcpy(at, o->start, ORDER_BUCKETS * sizeof *at);
	for (size_t i = 0; i < n; i++)
		if (keyof((uint32_t)i, ctx, &k)) {
			size_t d = at[(k >> o->shift) & (ORDER_BUCKETS - 1)]++;
			o->key[d] = k;
			o->idx[d] = (uint32_t)i;
		}
	free(at);
}

/* settle sorts the bucket ending at o->end, from o->pos. */
static void settle(Order *o)
{
	size_t s = o->pos, n = o->end - s;
	uint64_t *key = o->key + s;
	uint32_t *idx = o->idx + s;
	radix_sort_u64_idx(key, idx, n);
	if (!o->tie)
		return;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && key[j] == key[i])
			j++;
		for (size_t a = i + 1; a < j; a++) {
			uint32_t x = idx[a];
			size_t b = a;
			while (b > i && o->tie(x, idx[b - 1], o->ctx) < 0) {
				idx[b] = idx[b - 1];
				b--;
			}
			idx[b] = x;
		}
		i = j;
	}
}

int order_next(Order *o, uint32_t *idx)
{
	while (o->pos == o->end) {
		if (o->bucket == ORDER_BUCKETS)
			return 0;
		o->end = o->start[++o->bucket];
		settle(o);
	}
	*idx = o->idx[o->pos++];
	return 1;
}

void order_free(Order *o)
{
	free(o->start);
	free(o->key);
	free(o->idx);
	memset(o, 0, sizeof *o);
}
