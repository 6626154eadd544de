#include "sim/records.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

void sim_records_init(sim_records_t *r, uint64_t iterations, int32_t ranks, int32_t links)
{
    memset(r, 0, sizeof *r);
    r->n_iterations = iterations;
    r->n_ranks = ranks;
    r->n_links = links;
    r->iter_end = tn_calloc(iterations, sizeof *r->iter_end);
    r->rank_compute_ps = tn_calloc((size_t)ranks, sizeof *r->rank_compute_ps);
    r->rank_coll_ps = tn_calloc((size_t)ranks, sizeof *r->rank_coll_ps);
    r->link_bytes = tn_calloc((size_t)links, sizeof *r->link_bytes);
    r->link_busy_ps = tn_calloc((size_t)links, sizeof *r->link_busy_ps);
}

void sim_records_destroy(sim_records_t *r)
{
    if (!r)
        return;
    free(r->iter_end);
    free(r->rank_compute_ps);
    free(r->rank_coll_ps);
    free(r->link_bytes);
    free(r->link_busy_ps);
    memset(r, 0, sizeof *r);
}

sim_time_t sim_records_iteration_ps(const sim_records_t *r)
{
    uint64_t n = r->n_iterations;
    TN_ASSERT(n >= 1);
    if (n == 1)
        return r->iter_end[0];
    /* Rounded to the nearest picosecond. */
    sim_time_t span = r->iter_end[n - 1] - r->iter_end[0];
    return (span + (n - 1) / 2) / (n - 1);
}
