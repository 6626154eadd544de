/* sim/coll/collective.h — collective operations in flight, decomposed into
 * point-to-point transfers the way NCCL and MPI libraries run them.
 *
 * Algorithms (n members, S bytes as nccl-tests counts them):
 *  - ring: all-reduce as reduce-scatter then all-gather around the ring
 *    (2(n-1) steps of S/n); reduce-scatter and all-gather (n-1 steps of
 *    S/n); broadcast and reduce as a pipelined chain from or to the root.
 *    Each step's block is cut into chunks of chunk_bytes: member i sends
 *    chunk c of step k once it has chunk c of step k-1 from member i-1,
 *    its previous send has finished and member i+1 has reached the
 *    collective (a late rank holds up its neighbours, as in NCCL).
 *    `channels` rings run side by side, each with ceil(S/channels); across
 *    servers of g GPUs, channel k enters every server at its GPU k mod g
 *    and leaves at the one before (so channels use different NICs). A ring whose
 *    members share one server follows the server's fastest links, as
 *    NCCL's ring search does: the cycle whose slowest hop is fastest
 *    (on a DGX-1, the double NVLinks 0-3-2-1-5-6-7-4, not rank order,
 *    which would cross PCIe twice); all channels take that same ring.
 *    Channels that would move the same bytes over the same links at the
 *    same times (the same member order and share, every hop on the same
 *    path: always inside one server; across servers only where routing
 *    gives every channel one path) run as one ring, a bundle, whose
 *    transfers carry all their bytes as one flow of weight = channels
 *    (sim_net_send_bundle()): the same completion times, for one
 *    channel's events.
 *  - tree: double binary tree all-reduce (as NCCL): two binary trees, each
 *    carrying S/2, the second numbered backwards so the leaves of one are
 *    the inner nodes of the other; chunks are reduced up to the root and
 *    broadcast back down, pipelined, one send at a time per member; a
 *    node sends chunk j to its first child before its second, so a late
 *    first child delays its sibling.
 *  - hd: recursive halving then doubling (Rabenseifner) all-reduce, for a
 *    power-of-two n: log2 n exchanges of S/2, S/4, ... then back.
 *  - direct: all-to-all, every member sending S/n to every other at once.
 *  - nvls: all-reduce on an NVSwitch that reduces in the network (NVLink
 *    SHARP): member j owns shard j and, chunk by chunk, loads it reduced
 *    through the switch and stores it to the multicast group; S (1 + 1/n)
 *    each way per GPU link. Its own latency (nvls_base_ps), no per-step
 *    delay, and no protocol wire factor (NCCL runs it with Simple only).
 *  - hier: all-reduce inside each server first (ring reduce-scatter), then
 *    across servers, one ring per local GPU index (a rail) on the S/g it
 *    holds, then back inside (ring all-gather); g GPUs per server. Every
 *    phase runs on `channels` rings, inside a server as across.
 *    (tree, hd and direct take no channels.)
 * Every transfer but nvls's carries a software delay, the per-step
 * latency of the link class it crosses (inside a server or across the
 * network), and moves wire_per_byte bytes per byte of data; every member
 * waits the per-call base latency before its first step.
 * These latencies are data (sim/coll/data/nccl.json), not code.
 *
 * Ownership: sim_coll_new() returns a collective that frees itself once
 * the `done` callback of its last member has returned (callers drop their
 * pointer then; sim_coll_free() is for one abandoned mid-way). It borrows
 * the network and the member vertex array, which must outlive it.
 */
#ifndef SIM_COLLECTIVE_H
#define SIM_COLLECTIVE_H

#include <stdint.h>

#include "common/tn_error.h"
#include "sim/net/net.h"
#include "workloads/trace.h"

/* A collective algorithm: its row in sim_coll_algos[] (sim/coll/algo.h),
 * which holds the names users type. The constants name the rows other
 * code refers to; a row past them is an algorithm all the same. */
typedef enum {
    SIM_ALGO_AUTO,
    SIM_ALGO_RING,
    SIM_ALGO_TREE,
    SIM_ALGO_HD,
    SIM_ALGO_DIRECT,
    SIM_ALGO_HIER,
    SIM_ALGO_NVLS
} sim_algo_t;

typedef struct sim_coll sim_coll_t;

/* Called when member `member` has finished its part of the collective;
 * sim_coll_finished(c) is true on the last call, after which c is freed. */
typedef void (*sim_coll_done_t)(void *ctx, int32_t member, uint64_t tag);

/* The protocol a collective runs with: AS_SET keeps the latencies and wire
 * factor written in the spec (tests, "none"); AUTO lets NCCL's tuner pick
 * per call (sim/coll/tune.h) and sets them from sim/coll/data/nccl.json. */
typedef enum {
    SIM_PROTO_AS_SET,
    SIM_PROTO_LL,
    SIM_PROTO_LL128,
    SIM_PROTO_SIMPLE,
    SIM_PROTO_AUTO
} sim_proto_t;

typedef struct {
    wl_coll_t op;
    sim_algo_t algo;        /* SIM_ALGO_AUTO picks as sim_coll_pick() says */
    uint64_t bytes;
    uint64_t chunk_bytes;   /* 0: one chunk per step */
    int32_t channels;       /* >= 1, or 0: NCCL's channel loop (sim/coll/tune.h) */
    sim_proto_t proto;      /* set by sim_latency_apply() */
    int32_t sm;             /* GPU generation as NCCL's compute capability
                             * (70, 80, 90); 0: inferred from the fabric */
    int32_t root;           /* broadcast, reduce: member index */
    sim_time_t base_ps;         /* per call */
    sim_time_t intra_step_ps;   /* per transfer inside a server */
    sim_time_t inter_step_ps;   /* per transfer across the network */
    double wire_per_byte;       /* bytes on the wire per byte of data (0: 1) */
    double channel_gbs;         /* data one channel (CUDA block) moves per second, 1e9
                                 * bytes; 0: as fast as the network lets it */
    sim_time_t nvls_base_ps;    /* nvls: per call, instead of base_ps */
    uint64_t nvls_chunk_bytes;  /* nvls: its own split when chunk_bytes is 0 */
    uint32_t nvls_slots;        /* nvls: chunks in flight per member (0: 1) */
    double nvls_efficiency;     /* nvls: share of link rate multimem reaches (0: 1) */
    bool split_channels;        /* simulate every channel as a ring of its own, even
                                 * identical ones (false: bundled, as described
                                 * above; the same times, for tests to show it) */
} sim_coll_spec_t;

/* The algorithm AUTO means for spec's operation and size on these
 * members: direct for all-to-all; otherwise the (algorithm, protocol) of
 * least time in NCCL 2.18's model (sim/coll/tune.h) among ring, tree and
 * nvls, the protocol restricted to spec's when it names one; NCCL's tree
 * runs as hier across servers of g GPUs each (g > 1), as tree otherwise.
 * O(n x degree + servers). */
sim_algo_t sim_coll_pick(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                         const int32_t *vertex);

/* What NCCL would run: `out` is `in` with every auto field resolved (the
 * algorithm as sim_coll_pick(), the protocol's latencies and wire factor,
 * the channels by NCCL's loop). A fully explicit spec is copied as is.
 * O(n x degree + servers). */
void sim_coll_resolve(const sim_net_t *net, const sim_coll_spec_t *in, int32_t n,
                      const int32_t *vertex, sim_coll_spec_t *out);

/* Whether `algo` can run `op` on n members: 0, or -1 with a message
 * (hd needs a power of two, hier needs an all-reduce, chunks too many to
 * count, ...). O(n + servers). */
int sim_coll_check(const sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                   const int32_t *vertex, tn_error_t *err);

/* A new collective over n members (vertex[i] is member i's GPU); the spec
 * must pass sim_coll_check. Nothing moves until members arrive. O(n). */
sim_coll_t *sim_coll_new(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                         const int32_t *vertex, sim_coll_done_t done, void *done_ctx,
                         uint64_t done_tag);
void sim_coll_free(sim_coll_t *c);

/* Called with phase 0, then 1, for members about to be done at one
 * instant, before their done callbacks run: the caller prefetches what
 * those will read (phase 0 what phase 1 needs to find the rest), so that
 * the members' cache misses overlap instead of coming one after another.
 * Optional; a hint only, never a change to what happens. */
typedef void (*sim_coll_prefetch_t)(void *ctx, int32_t member, int phase);
void sim_coll_set_prefetch(sim_coll_t *c, sim_coll_prefetch_t fn);

/* Member m has reached the collective. Starts whatever it unblocks (after
 * the base latency); `done` may run from inside for a one-member
 * collective. A collective of 0 bytes still waits for the members it
 * exchanges (empty) transfers with. O(1) amortised, plus the transfers it
 * starts. */
void sim_coll_arrive(sim_coll_t *c, int32_t m);

/* True once every member is done. O(1). */
bool sim_coll_finished(const sim_coll_t *c);

/* The op and size a collective was made with. */
wl_coll_t sim_coll_op(const sim_coll_t *c);
uint64_t sim_coll_bytes(const sim_coll_t *c);

/* Bytes of piece i when `bytes` is cut into n: bytes/n, the first
 * bytes mod n pieces one byte more. O(1). */
uint64_t sim_coll_chunk_bytes(uint64_t bytes, int64_t n, int64_t i);

#endif
