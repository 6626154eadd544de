/* goodput/costs.h — what a training run costs, simulated on the job's own
 * fabric: the iteration, the iteration on a fabric with a failed cable or
 * switch, a checkpoint's write and a restore as flows to and from the
 * storage tier, and the iteration slowed by an asynchronous checkpoint
 * draining over the same NICs. Every figure is a flow-model run (or the
 * disk cache's copy of one, goodput/cache.h).
 *
 * Checkpoints. Rank r = stage (dp tp) + d tp + t writes
 * gp_checkpoint_rank_bytes(stage, d) (goodput/checkpoint.h). The ranks that
 * write are numbered in rank order; writer i writes to storage vertex
 * i mod S (the storage servers in vertex order): a round-robin striping.
 *  - snapshot: every writer's bytes from its GPU to the first CPU socket
 *    of its server (host memory), all at once (PCIe contention included);
 *    a GPU in a server without a CPU socket (a bare-GPU fabric) takes no
 *    snapshot and writes from its own memory;
 *  - write: those bytes from host memory to storage, all at once;
 *  - blocking: training pauses for snapshot + write;
 *  - async: training pauses for the snapshot; the write then drains while
 *    the next iterations run. One iteration is simulated with the drain as
 *    background transfers started with it. With T0 the intact iteration,
 *    T1 the iteration under the drain and D the drain's end, the drain
 *    costs T1 - T0 when it ends within the iteration, else D (1 - T0/T1):
 *    the iterations during the drain are taken to run at T1 (the first
 *    simulated one's pace). The pause a goodput run sees is the snapshot
 *    plus that cost, and a checkpoint is taken to commit when it ends.
 *  - restore every_rank: each rank reads what it holds of the model states
 *    (gp_checkpoint_rank_read_bytes) from storage i mod S (i its rank),
 *    all at once; one_per_dp_group (MegaScale): data-parallel rank 0 of
 *    each (stage, tensor rank) reads its group's whole checkpoint, then a
 *    pipelined chain broadcast d -> d+1 moves it to the others, simulated
 *    as every hop's transfer at once (a chain with infinitely fine chunks).
 * Degraded fabrics. A failed fabric cable or switch: the iteration on the
 * fabric without it (topology/degrade.h), ECMP routing around it. Failure
 * shapes are grouped: the cables of one tier (leaf-spine, spine-core,
 * dragonfly local or global, torus) are one shape, the switches of one
 * kind (spine, core, router) another. A shape's representative is the
 * member that carried the median job bytes of the loaded members in the
 * intact run (a typical one, chosen deterministically); members that
 * carried no job bytes are taken not to slow it (a routing change they
 * cause elsewhere is ignored). A class's slowdown is the mean over its
 * members: (loaded x shape slowdown + unloaded x 1) / all.
 *
 * Ownership: gp_costs_t is a plain value; its strings are static.
 */
#ifndef GP_COSTS_H
#define GP_COSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "goodput/cache.h"
#include "goodput/inventory.h"
#include "goodput/spec.h"
#include "energy/machine.h"
#include "sim/job/scenario.h"

#define GP_MAX_SHAPES 8

typedef struct {
    const char *name;     /* "leaf cable", "spine switch", ... */
    bool cable;           /* else a switch */
    uint64_t members, loaded;
    int32_t representative; /* the cable (edge/2) or vertex simulated; -1: none */
    double iteration_s;   /* on the fabric without it */
    double slowdown;      /* iteration_s / the intact one */
} gp_shape_t;

typedef struct {
    double iteration_s, tokens_per_iteration;
    double gpu_busy_s, run_s;    /* the intact run's: its ranks' compute time, summed, and
                                    its length (the GPUs' share busy, for the energy) */
    int32_t gpus, ranks, storage_servers;
    gp_inventory_t inv;          /* the fabric's components (goodput/inventory.h) */
    en_machine_t machine;        /* the same counted for its power (energy/machine.h) */
    uint64_t idle_servers;       /* its GPU servers the job's ranks leave idle */
    double storage_bps;          /* the storage tier's disk bandwidth, summed */
    double storage_bytes;        /* its capacity, summed (0: not stated) */
    double ckpt_bytes;           /* the whole checkpoint */
    double snapshot_s, write_s;  /* GPU -> host; host -> storage, alone */
    double drain_iteration_s, drain_end_s; /* async: T1 and D (0 when blocking) */
    double pause_s;              /* what a checkpoint costs training in the chosen mode */
    double restore_s;            /* the chosen restore */
    int n_shapes;
    gp_shape_t shape[GP_MAX_SHAPES];
    double cable_slowdown, switch_slowdown; /* the fabric_cable and fabric_switch classes' */
    uint32_t simulations, cached;           /* runs simulated now, figures from the cache */
} gp_costs_t;

/* Progress of the simulations, for a display: a line saying what runs. */
typedef void (*gp_costs_progress_fn)(void *ctx, const char *what);

/* Simulates (or reads from the cache) every figure above for scenario sc
 * and training spec ts. Errors (TN_EINPUT): a workload that is not a
 * megatron layout (checkpoint bytes need its model), a fabric with no
 * storage tier or with storage no GPU can reach, storage that cannot hold two
 * checkpoints (the one written and the last committed), a run's own errors. Time: a few full runs of the scenario
 * (1 intact, one per loaded failure shape, one more for async) plus
 * transfer phases of one flow per rank. */
int gp_costs_compute(gp_costs_t *c, const sim_scenario_t *sc, const gp_spec_t *ts,
                     gp_cache_t *cache, gp_costs_progress_fn progress, void *ctx,
                     tn_error_t *err);

#endif
