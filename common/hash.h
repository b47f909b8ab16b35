/* hash: xxHash (XXH3, 64-bit, seed 0) for keys, partitions and fingerprints.
 * The values are part of the tools' contract: --partition I/N puts a key in
 * partition floor(XXH3_64(key) * N / 2^64) + 1 on every machine. */
#ifndef CRM_HASH_H
#define CRM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t hash_bytes(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

/* hash_range maps H onto 0..N-1 by its high bits (Lemire's fast range). */
static inline uint32_t hash_range(uint64_t h, uint32_t n)
{
	return (uint32_t)(((unsigned __int128)h * n) >> 64);
}

#endif
