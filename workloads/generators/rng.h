/* rng.h - a small, fast, seedable PRNG (xoshiro256**, seeded by splitmix64).
 *
 * The operation stream must be identical under every allocator, so every
 * random choice comes from here, seeded from (workload seed, phase, thread);
 * nothing depends on addresses, timing or the allocator.
 */
#ifndef WIMM_RNG_H
#define WIMM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

static inline uint64_t rng_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, uint64_t seed, uint64_t stream, uint64_t sub)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL) ^ (sub * 0x9e3779b97f4a7c15ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = rng_splitmix(&x);
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [lo, hi], inclusive. Spans here are below 2^31 (block sizes),
 * so multiplying the top 32 bits by the span and shifting is exact enough
 * and avoids a division on the hot path. */
static inline uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo + 1;
	if (span == 0 || span > UINT32_MAX)
		return lo + rng_next(r) % (span ? span : UINT64_MAX);
	return lo + (((rng_next(r) >> 32) * span) >> 32);
}

/* Uniform in [0, 1). */
static inline double rng_unit(struct rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

#endif
