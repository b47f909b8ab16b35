/* radix: sorting 64-bit keys by their bytes, for tables of hundreds of
 * thousands of numbers sorted once. */
#ifndef CRM_RADIX_H
#define CRM_RADIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* radix_sort_u64 sorts the N keys K ascending (least significant byte
 * first, skipping the bytes every key shares); allocates N keys of scratch. */
void radix_sort_u64(uint64_t *k, size_t n);

/* radix_sort_u64_idx sorts the N keys K ascending and moves IDX (N
 * indices, or NULL) with them; each pass is stable, so equal keys keep
 * their order in IDX. */
void radix_sort_u64_idx(uint64_t *k, uint32_t *idx, size_t n);

/* radix_of_double returns a key that orders as V does among numbers (NaN
 * excepted); radix_double inverts it. */
static inline uint64_t radix_of_double(double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	return b >> 63 ? ~b : b | 1ULL << 63;
}

static inline double radix_double(uint64_t k)
{
	uint64_t b = k >> 63 ? k & ~(1ULL << 63) : ~k;
	double v;
	memcpy(&v, &b, sizeof v);
	return v;
}

#endif
