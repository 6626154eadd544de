#include "workloads/gen_allreduce.h"

#include <stdlib.h>

void wl_gen_compute_allreduce(wl_trace_t *t, int32_t ranks, uint64_t compute_ps, uint64_t bytes)
{
    wl_trace_init(t, ranks);
    int32_t *group = tn_calloc((size_t)ranks, sizeof *group); /* everyone in group 0 */
    int32_t world = wl_trace_add_comm(t, "world", 1, group);
    free(group);
    int32_t p = wl_trace_add_program(t, "compute-allreduce");
    wl_op_t compute = {.kind = WL_OP_COMPUTE, .duration_ps = compute_ps, .comm = -1};
    uint32_t c = wl_program_add_op(t, p, &compute, NULL, 0);
    wl_op_t ar = {.kind = WL_OP_COLLECTIVE, .coll = WL_COLL_ALLREDUCE, .comm = world, .bytes = bytes};
    wl_program_add_op(t, p, &ar, &c, 1);
    for (int32_t r = 0; r < ranks; r++)
        t->rank_prog[r] = p;
}
