/* rng: xoshiro256** seeded by splitmix64, for crm-gen's data and
 * crm-kmeans' starts. Its streams are part of those tools' contract: the
 * same seed gives the same bytes on every machine. */
#ifndef CRM_RNG_H
#define CRM_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} Rng;

static inline uint64_t rng_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* rng_seed starts stream STREAM of SEED: distinct streams of one seed are
 * independent sequences. */
static inline void rng_seed(Rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed * 0x2545f4914f6cdd1dULL ^ (stream + 1) * 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&x);
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(Rng *r)
{
	uint64_t *s = r->s, res = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return res;
}

/* rng_below returns a uniform integer in [0, n), n < 2^32. */
static inline uint32_t rng_below(Rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* rng_below64 returns a uniform integer in [0, n). */
static inline uint64_t rng_below64(Rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* rng_unit returns a double in [0, 1). */
static inline double rng_unit(Rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
