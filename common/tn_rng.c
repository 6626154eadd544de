#include "common/tn_rng.h"

#include "common/tn_error.h"
#include "common/tn_hash.h"

uint64_t tn_rng_seed(uint64_t seed, tn_rng_kind_t kind, uint64_t id)
{
    return tn_mix64(tn_mix64(tn_mix64(seed) ^ (uint64_t)kind) ^ id);
}

gsl_rng *tn_rng_stream(uint64_t seed, tn_rng_kind_t kind, uint64_t id)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (!r)
        abort();
    /* gsl_rng_set takes an unsigned long; taus2 uses 32 bits of it, and treats
     * 0 as its default seed, so fold the 64 bits and avoid 0. */
    uint64_t s = tn_rng_seed(seed, kind, id);
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffu);
    gsl_rng_set(r, s32 ? s32 : 1);
    return r;
}
