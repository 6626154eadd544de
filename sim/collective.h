/* sim/collective.h — one collective operation in flight, decomposed into
 * point-to-point transfers as a communication library runs it.
 *
 * For now: the ring all-reduce (reduce-scatter then all-gather around a
 * ring of the group's members in their order): 2(n-1) steps; at step k
 * member i sends chunk (i - k) mod n, of about S/n bytes, to member i+1.
 * Nothing runs in global lockstep: member i starts step k once it has
 * arrived at the collective, its step k-1 send has finished, it has
 * received step k-1 from member i-1, and member i+1 has arrived (a late
 * rank holds up its neighbours, as in NCCL). With no contention on the
 * links this gives t = 2(n-1) (a + S/(n B)) for per-step latency a and
 * per-rank bandwidth B.
 *
 * Ownership: a sim_coll_t is created by sim_coll_new() and frees itself
 * once the `done` callback of its last member has returned (callers drop
 * their pointer then; sim_coll_free() is for one abandoned mid-way). It
 * borrows the network and the member vertex array, which must outlive it.
 */
#ifndef SIM_COLLECTIVE_H
#define SIM_COLLECTIVE_H

#include <stdint.h>

#include "sim/net.h"
#include "workloads/trace.h"

/* Called when member `member` has finished its part of the collective;
 * c->n_done == c->n on the last call, after which c is freed. */
typedef void (*sim_coll_done_t)(void *ctx, int32_t member, uint64_t tag);

typedef struct {
    sim_net_t *net;
    const int32_t *vertex;   /* by member: the GPU vertex it runs on */
    int32_t n;
    wl_coll_t op;
    uint64_t bytes;
    uint32_t steps;          /* 2(n-1) for the ring all-reduce */
    uint8_t *arrived, *sending;
    uint32_t *sent, *recvd;  /* steps sent by / received at each member */
    int32_t n_done;
    sim_coll_done_t done;
    void *done_ctx;
    uint64_t done_tag;
} sim_coll_t;

/* True when this build can run collective `op` with the ring. */
int sim_coll_supported(wl_coll_t op);

/* A new collective over n members (vertex[i] is member i's GPU). Nothing
 * moves until members arrive. O(n). */
sim_coll_t *sim_coll_new(sim_net_t *net, wl_coll_t op, uint64_t bytes, int32_t n,
                         const int32_t *vertex, sim_coll_done_t done, void *done_ctx,
                         uint64_t done_tag);
void sim_coll_free(sim_coll_t *c);

/* Member m has reached the collective. Starts whatever it unblocks; `done`
 * may run from inside (a one-member collective finishes at once). O(1). */
void sim_coll_arrive(sim_coll_t *c, int32_t m);

/* Bytes of ring chunk i: S/n, the first S mod n chunks one byte more. */
uint64_t sim_coll_chunk_bytes(uint64_t bytes, int32_t n, int32_t i);

#endif
