/* sim/net/net.h — network models behind one interface: start a transfer from one
 * vertex to another and be called back when its last byte arrives.
 *
 * Transfers are routed with the topology's ECMP (topology/route.h), the
 * path picked by a hash of (source, destination, connection): like a
 * queue pair of InfiniBand, one connection keeps one path, and a
 * communication library spreads load by opening several (channels).
 * A GPU in a server with NICs has its own, the nearest, as NCCL binds
 * each GPU to its nearest NIC: one on the GPU's PCIe switch (the r-th of
 * a switch's G GPUs takes its (r N / G)-th of N NICs), else by order in
 * the server (the i-th of g GPUs takes NIC i x nics / g). Its traffic to
 * and from other servers goes through that NIC.
 * Paths are cached per connection (up to SIM_NET_PATH_CACHE of them). Models
 * (the table sim_net_models[], indexed by sim_net_model_t):
 *  - analytic (alpha-beta): the path's latency sum plus the bytes over the
 *    path's bottleneck capacity; no contention between transfers. Exact for
 *    traffic that never shares a link, a first-order answer otherwise.
 *  - flow (the default): each directed link's capacity is shared among the
 *    transfers crossing it by max-min fairness (sim/net/flow.h); the path's
 *    latency is added after the last bit is sent.
 * Every model counts the bytes and the busy time of each directed link
 * (the routing and the counting are this file's; a model only times).
 * Adding a model: its operations in sim/net/net.c (or a file of its own)
 * and a row at the end of sim_net_models[].
 *
 * Ownership: a sim_net_t is caller-owned (sim_net_init/sim_net_destroy). It
 * borrows the engine and the topology, which must outlive it, and owns its
 * routing tables and counters.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "common/tn_map.h"
#include "common/tn_names.h"
#include "sim/engine/engine.h"
#include "sim/net/flow.h"
#include "topology/route.h"
#include "topology/topo.h"

/* A network model: its row in sim_net_models[] (below), which
 * holds the names users type. */
typedef enum { SIM_NET_FLOW, SIM_NET_ANALYTIC } sim_net_model_t;

#define SIM_NET_MAX_HOPS 4096 /* the routing's cost counter allows ~4,000 hops */
#define SIM_NET_PATH_CACHE 4000000

typedef struct sim_net sim_net_t;

/* A claim on links (sim_net_claim()): whoever timed transfers over them
 * without simulating each (an exact shortcut, sim/coll/shortcut.c). When
 * any other transfer is about to cross a claimed link, yield(self) runs
 * first: it must take back all its claims and put into the network what
 * it had only computed (flows in flight, callbacks pending), so that the
 * newcomer shares the links as it would have step by step. */
typedef struct sim_net_claim {
    void (*yield)(struct sim_net_claim *self);
    /* from this instant on the claimant sends nothing more over its links
     * (its last bit has left): the claim lapses without a yield
     * (SIM_TIME_MAX: not known yet) */
    sim_time_t until;
} sim_net_claim_t;

/* One transfer as a model times it, routed onto path[0 .. hops). */
typedef struct {
    const int32_t *path;       /* n->path, or a caller's kept path */
    int hops;
    uint64_t bytes;            /* one copy's */
    uint32_t copies;           /* a bundle's (sim_net_send_bundle()) */
    sim_time_t latency_ps;     /* the path's: its links' sum */
    uint64_t bottleneck_bps;   /* its slowest link's (UINT64_MAX with no hop) */
    sim_time_t extra_ps;       /* the sender's software delay */
    sim_handler_t done;
    void *ctx;
    uint64_t arg;
} sim_net_xfer_t;

/* A network model: a row of sim_net_models[]. */
typedef struct {
    /* what users type ("flow"); an array, so the table's strings are
     * address constants others may point to at compile time */
    const char *name;
    const char *help; /* one line for --help and the docs */
    void (*init)(sim_net_t *n);    /* its state in n; NULL: none */
    void (*destroy)(sim_net_t *n); /* NULL: none */
    /* Times x: done(eng, ctx, arg) once its last byte has arrived, plus
     * extra_ps. */
    void (*start)(sim_net_t *n, const sim_net_xfer_t *x);
} sim_net_model_desc_t;

/* Indexed by sim_net_model_t; row 0 (flow) is the default. Lookups by
 * name: TN_NAMES_FIND(sim_net_models, sim_net_models_n, name) and
 * TN_NAMES_FILL() (common/tn_names.h). */
extern const sim_net_model_desc_t sim_net_models[];
extern const size_t sim_net_models_n;

struct sim_net {
    sim_engine_t *eng;
    const topo_t *topo;
    topo_route_t route;
    sim_net_model_t model;    /* its row in sim_net_models[] */
    uint64_t next_flow;       /* flow ids, in the order transfers start */
    uint64_t transfers;       /* started so far (a bundle counts its copies) */
    uint64_t *link_bytes;     /* by edge */
    bool overflowed;          /* a byte counter passed 2^64 */
    sim_time_t *link_busy_ps; /* by edge */
    int32_t *nic_of;          /* by vertex: a GPU's own NIC, or -1 */
    int32_t path[SIM_NET_MAX_HOPS];
    sim_flows_t flows;        /* the flow model's state */
    bool shortcuts;           /* exact shortcuts allowed (default true) */
    uint64_t shortcuts_taken, shortcuts_yielded; /* counters, for tests and benchmarks */
    sim_net_claim_t **claim;  /* by edge: its claimant, or NULL */
    uint64_t *claimed;        /* bitmap by edge: claim[e] != NULL */
    tn_map_t paths;           /* (src, dst, conn) -> cached path */
    tn_map_t ring_orders;     /* collectives' cache: member vertices -> ring order */
    void *ring_recent[64];    /* collectives' cache: recent ring orders by the address
                               * of their member array (the contents checked) */
    tn_map_t ring_paths;      /* collectives' cache: (ring, two connections) -> same paths */
    /* what sim/coll keeps per network, freed with it: NCCL's tuner tables
     * (sim/coll/tune.h), read on first use */
    void *coll_tuner;
};

/* O(|E|). Never fails today; errors are for models that need inputs. */
int sim_net_init(sim_net_t *n, sim_engine_t *eng, const topo_t *t, sim_net_model_t model,
                 tn_error_t *err);
void sim_net_destroy(sim_net_t *n);

/* Starts moving `bytes` from vertex src to vertex dst; done(eng, ctx, arg)
 * runs when the last byte has arrived plus `extra_ps` (a software delay,
 * such as a communication library's per-step latency); at once, as an
 * event, when src == dst. Time complexity: O(hops x degree), plus the
 * first use of dst's routing table, plus the flow model's recomputation. */
void sim_net_send(sim_net_t *n, int32_t src, int32_t dst, uint64_t bytes, sim_time_t extra_ps,
                  uint32_t conn, sim_handler_t done, void *ctx, uint64_t arg);

/* `copies` >= 1 transfers of `bytes` each over the path of sim_net_send(),
 * started together, moved as one (a bundle): the flow model gives it one
 * flow of copies x bytes with weight `copies` (sim/net/flow.h), so it arrives
 * when each copy would have; the analytic model, which has no contention,
 * takes the time of one copy. Links count every copy's bytes and busy
 * time. done runs once. sim_net_send() is copies = 1. Same time
 * complexity as sim_net_send(). */
void sim_net_send_bundle(sim_net_t *n, int32_t src, int32_t dst, uint64_t bytes, uint32_t copies,
                         sim_time_t extra_ps, uint32_t conn, sim_handler_t done, void *ctx,
                         uint64_t arg);

/* Whether connections a and b from src to dst take the same path (their
 * transfers then cross the same links). O(hops), plus the first routing
 * of each connection. */
bool sim_net_same_path(sim_net_t *n, int32_t src, int32_t dst, uint32_t a, uint32_t b);

/* The path sim_net_send() takes for (src, dst, conn), into path[] (room
 * for max edges); returns its hops, or -1 when it has more than max. For
 * a caller that sends between one pair many times (a collective's member
 * to its ring neighbour, step after step): it keeps the path and sends
 * with sim_net_send_path(), without a lookup per transfer. O(hops) once
 * cached, else as a send's routing. */
int sim_net_route(sim_net_t *n, int32_t src, int32_t dst, uint32_t conn, int32_t *path, int max);

/* sim_net_send_bundle() over path[0 .. hops), a path of sim_net_route():
 * the same transfer, the same outcome. O(hops) plus the model's start. */
void sim_net_send_path(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes,
                       uint32_t copies, sim_time_t extra_ps, sim_handler_t done, void *ctx,
                       uint64_t arg);

/* The latency sum of path[0 .. hops) and (into *bottleneck) its slowest
 * link's bits/s (UINT64_MAX with no hop): what a transfer along it adds
 * and is limited by. O(hops). */
sim_time_t sim_net_path_latency(const sim_net_t *n, const int32_t *path, int hops,
                                uint64_t *bottleneck);

/* Counts `copies` transfers of `bytes` along path[0 .. hops) in the
 * links' bytes and busy times and in n->transfers, as a send does: for a
 * caller that timed them itself. O(hops). */
void sim_net_account(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes,
                     uint32_t copies);

/* ---- exact shortcuts (sim/coll/shortcut.c) ---- */

/* Whether the links of path[0 .. hops) may be claimed: shortcuts on, the
 * flow model, no flow crossing any of them, no claim on any that has not
 * lapsed. O(hops). */
bool sim_net_claimable(const sim_net_t *n, const int32_t *path, int hops);

/* Claims the links of path[0 .. hops) for c (taking over lapsed
 * claims), or gives back those still c's. O(hops). */
void sim_net_claim(sim_net_t *n, const int32_t *path, int hops, sim_net_claim_t *c);
void sim_net_unclaim(sim_net_t *n, const int32_t *path, int hops, const sim_net_claim_t *c);

/* A transfer of the flow model that started at `started` (<= now) alone
 * on its links, as sim_net_send_path() would have started it, still
 * transmitting now (sim_flows_adopt()): its flow, completion event
 * included, without counting it again (the caller did, with
 * sim_net_account()). done runs when its last byte has arrived plus
 * extra_ps. O(hops). */
void sim_net_adopt(sim_net_t *n, const int32_t *path, int hops, uint64_t bytes, uint32_t copies,
                   sim_time_t extra_ps, sim_time_t started, sim_handler_t done, void *ctx,
                   uint64_t arg);

#endif
