/* common/tn_rng.h — one random stream per entity, reproducible.
 *
 * Every entity that draws random numbers (a rank, a link, the benchmark's
 * event source) gets its own gsl_rng (taus2) seeded from (scenario seed,
 * entity kind, entity id), so adding an entity or reordering the draws of one
 * never shifts another's numbers. Nothing reads the wall clock.
 *
 * Ownership: tn_rng_stream() returns a gsl_rng the caller frees with
 * gsl_rng_free().
 */
#ifndef TN_RNG_H
#define TN_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef enum {
    TN_RNG_BENCH = 1,
    TN_RNG_RANK = 2,
    TN_RNG_LINK = 3,
    TN_RNG_FLOW = 4,
    TN_RNG_TEST = 5,
    TN_RNG_FAILURE = 6, /* goodput: id = run x GP_MAX_CLASSES + class */
} tn_rng_kind_t;

/* The 64-bit seed derived from (seed, kind, id): mixed so nearby inputs give
 * unrelated streams. O(1). */
uint64_t tn_rng_seed(uint64_t seed, tn_rng_kind_t kind, uint64_t id);

/* A new taus2 stream seeded with tn_rng_seed(seed, kind, id). O(1). */
gsl_rng *tn_rng_stream(uint64_t seed, tn_rng_kind_t kind, uint64_t id);

#endif
