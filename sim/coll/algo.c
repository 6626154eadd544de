/* sim/coll/algo.c — the table of collective algorithms (sim/coll/algo.h).
 * Adding an algorithm: declare its check and build here, add its row at
 * the end. */
#include "sim/coll/algo.h"

#include <stddef.h>

#include "sim/coll/tune.h"

sim_coll_check_fn sim_coll_ring_check, sim_coll_tree_check, sim_coll_hd_check,
    sim_coll_direct_check, sim_coll_hier_check, sim_coll_nvls_check;
sim_coll_build_fn sim_coll_ring_build, sim_coll_tree_build, sim_coll_hd_build,
    sim_coll_direct_build, sim_coll_hier_build, sim_coll_nvls_build;

/* The rows other code names are at their SIM_ALGO_* index. */
const sim_coll_algo_t sim_coll_algos[] = {
    [SIM_ALGO_AUTO] = {"auto", "what NCCL 2.18's tuner picks per call; direct for all-to-all",
                       SIM_TUNE_RING, NULL, NULL},
    [SIM_ALGO_RING] = {"ring", "rings of chunked steps, one per channel; a chain for broadcast "
                       "and reduce", SIM_TUNE_RING, sim_coll_ring_check, sim_coll_ring_build},
    [SIM_ALGO_TREE] = {"tree", "NCCL's double binary tree all-reduce", SIM_TUNE_TREE,
                       sim_coll_tree_check, sim_coll_tree_build},
    [SIM_ALGO_HD] = {"hd", "recursive halving then doubling all-reduce, a power of two ranks",
                     SIM_TUNE_RING, sim_coll_hd_check, sim_coll_hd_build},
    [SIM_ALGO_DIRECT] = {"direct", "all-to-all: every rank sends S/n to every other at once",
                         SIM_TUNE_RING, sim_coll_direct_check, sim_coll_direct_build},
    [SIM_ALGO_HIER] = {"hier", "all-reduce inside each server, across servers one ring per "
                       "rail, inside again", SIM_TUNE_TREE, sim_coll_hier_check,
                       sim_coll_hier_build},
    [SIM_ALGO_NVLS] = {"nvls", "all-reduce on an NVSwitch that reduces in the network (NVLink "
                       "SHARP)", SIM_TUNE_NVLS, sim_coll_nvls_check, sim_coll_nvls_build, true},
};
const size_t sim_coll_algos_n = sizeof sim_coll_algos / sizeof sim_coll_algos[0];
_Static_assert(offsetof(sim_coll_algo_t, name) == 0, "common/tn_names.h reads a row's name first");

const char *sim_coll_algo_name(sim_algo_t a)
{
    TN_ASSERT((size_t)a < sim_coll_algos_n);
    return sim_coll_algos[a].name;
}
