/* radix: least significant digit radix sort of 64-bit keys. */
#include "radix.h"
#include "util.h"

#include <stdlib.h>

void radix_sort_u64_idx(uint64_t *k, uint32_t *idx, size_t n)
{
	if (n < 2)
		return;
	uint64_t *t = xmalloc(n * sizeof *t), and = ~0ULL, or = 0;
	uint32_t *ti = idx ? xmalloc(n * sizeof *ti) : NULL;
	for (size_t i = 0; i < n; i++) {
		and &= k[i];
		or |= k[i];
	}
	for (int sh = 0; sh < 64; sh += 8) {
		if (!(((and ^ or) >> sh) & 0xff))
			continue;
		size_t c[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			c[((k[i] >> sh) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			c[b + 1] += c[b];
		for (size_t i = 0; i < n; i++) {
			size_t d = c[(k[i] >> sh) & 0xff]++;
			t[d] = k[i];
			if (ti)
				ti[d] = idx[i];
		}
		memcpy(k, t, n * sizeof *k);
		if (ti)
			memcpy(idx, ti, n * sizeof *idx);
	}
	free(t);
	free(ti);
}

void radix_sort_u64(uint64_t *k, size_t n)
{
	radix_sort_u64_idx(k, NULL, n);
}
