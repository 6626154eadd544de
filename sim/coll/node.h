/* sim/coll/node.h — inside the collective module: the node a collective is
 * built from, and what the algorithms' files share (sim/coll/ring.c,
 * channels.c, hd.c, direct.c, hier.c, tree.c, nvls.c; the table of them
 * is sim/coll/algo.h). Not for use outside the collective module.
 *
 * A collective is a tree of nodes. A leaf node (a ring, a chain, hd,
 * direct, a binary tree, nvls) moves data; an inner node runs children
 * side by side (channels, the two trees: sim_coll_par_ops) or in phases
 * (hier). Each node's ops say what a member starting in it does and, for
 * an inner node, what a member finishing in a child does: no switch on a
 * kind, so a new algorithm brings its own nodes.
 *
 * Ownership: nodes belong to their collective's root (sim/coll/collective.h).
 */
#ifndef SIM_COLL_NODE_H
#define SIM_COLL_NODE_H

#include "sim/coll/collective.h"

/* What a node does when its members move on. */
typedef struct sim_coll_node_ops {
    /* Member m (a position, for a ring in its own order) has just become
     * SIM_COLL_ACTIVE in c: start what it unblocks. */
    void (*activate)(sim_coll_t *c, int32_t m);
    /* Member m of inner node c is done in child ch; NULL for a leaf. */
    void (*child_done)(sim_coll_t *c, sim_coll_t *ch, int32_t m);
} sim_coll_node_ops_t;

/* Member states, in order: a member moves only forward. */
enum { SIM_COLL_ABSENT, SIM_COLL_WAITING, SIM_COLL_ACTIVE, SIM_COLL_DONE };

struct sim_coll {
    const sim_coll_node_ops_t *ops;
    sim_net_t *net;
    const int32_t *vertex;  /* borrowed, or own_vertex */
    int32_t *own_vertex;
    int32_t n;
    sim_coll_spec_t spec;
    sim_coll_t *root;       /* the top-level collective */
    sim_coll_t *parent;
    int32_t *to_parent;     /* by member: index in the parent */
    sim_coll_done_t done;   /* top level only */
    sim_coll_prefetch_t prefetch; /* top level only; NULL: none */
    void *done_ctx;
    uint64_t done_tag;
    uint8_t *state;
    int32_t n_done;
    int busy;               /* entry points on the stack (root only) */
    /* ring and chain */
    uint64_t data;          /* bytes this node moves in all */
    uint32_t steps, chunks; /* steps, chunks per step */
    uint32_t *sent, *recvd;
    uint8_t *sending;
    int32_t start;          /* chain: the member at position 0 */
    int32_t dir;            /* chain: +1 or -1 around the ring; ring: +1 */
    uint32_t copies;        /* ring and chain: the identical channels this node
                             * runs as one (a bundle; 0 means 1): `data` and
                             * every send are one channel's, moved copies times */
    /* hd */
    uint32_t levels;        /* log2 n */
    uint64_t *got;          /* by member: bit t set when step t arrived */
    /* direct */
    uint32_t *left;         /* by member: sends + receives not done */
    /* ring inside one server: ring position -> member (perm) and back (inv),
     * when the ring follows the server's fastest links; NULL otherwise */
    int32_t *perm, *inv;
    /* tree: binary tree over positions; pos_of[m], member_at[p] */
    int32_t *pos_of, *member_at;
    uint32_t *up_got;       /* by member x 2 children: chunks received from each */
    uint32_t *down_sent;    /* by member x 2 children: chunks sent down to each */
    uint32_t *down_got;     /* by member: chunks received from the parent */
    /* par and hier */
    uint32_t conn;          /* connection (channel) id of this node's transfers */
    int32_t n_child;
    sim_coll_t **child;
    int32_t *where;         /* hier: by (phase, member): child index */
    int32_t *slot;          /* par: by (child, member), hier: by (phase, member):
                             * index in that child */
    uint8_t *phase;         /* hier: by member */
    /* nvls: the switch; its buffer slots; by member j (the owner of shard
     * j): chunks loaded (reduced and back at j) and stored (multicast to
     * all), in order; by (member, chunk): transfers left in its load or
     * store, UINT32_MAX once done; recvd: chunks received by multicast */
    int32_t nvswitch;
    uint32_t slots;
    uint32_t *loaded, *stored, *load_left, *store_left;
    int32_t n_here;         /* nvls: members that have arrived */
    /* by member: the path of its last send (sim_net_route()), to member
     * path_to - 1 (0: none yet), path_hops edges at path_edge[m x
     * SIM_COLL_PATH_HOPS]; allocated at the first send */
    int32_t *path_to;
    uint8_t *path_hops;
    int32_t *path_edge;
    /* an exact shortcut timing this ring without simulating its sends
     * (sim/coll/shortcut.c), or NULL; tried once, at the first arrival */
    struct sim_coll_shortcut *sc;
    bool sc_tried;
    void *order_entry;      /* ring inside one server: its entry in the
                             * network's cache of ring orders (sim/coll/ring.c) */
};

/* The longest path a member keeps; longer ones are routed per send. */
#define SIM_COLL_PATH_HOPS 24

/* The state of member m (a ring in its own order keeps states by
 * position). O(1). */
static inline uint8_t sim_coll_state_of(const sim_coll_t *c, int32_t m)
{
    return c->state[c->inv ? c->inv[m] : m];
}

/* A new node with `ops` over n members with a copy of spec; its arrays
 * are the caller's to allocate. O(n). */
sim_coll_t *sim_coll_node(sim_net_t *net, const sim_coll_node_ops_t *ops,
                          const sim_coll_spec_t *spec, int32_t n, const int32_t *vertex,
                          sim_coll_t *parent);

/* The nodes of spec (its auto fields resolved first) as the algorithm's
 * row builds them (sim/coll/algo.h). O(n) plus the algorithm's build. */
sim_coll_t *sim_coll_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                           const int32_t *vertex, sim_coll_t *parent);

/* Makes ch child k of c and gives it a to_parent map to fill. O(ch->n). */
void sim_coll_link_child(sim_coll_t *c, sim_coll_t *ch, int32_t k);

/* Member m (by the caller's numbering) starts taking part in node c:
 * SIM_COLL_ACTIVE, then c's ops->activate. O(1) plus what it starts. */
void sim_coll_activate(sim_coll_t *c, int32_t m);

/* Member m of node c is done: tell the parent, or the caller at the top.
 * The top-level node is freed by the outermost entry point
 * (sim_coll_leave()). */
void sim_coll_member_done(sim_coll_t *c, int32_t m);

/* Member a sends `bytes` of data to member b: on the wire, the protocol's
 * bytes for them, after the step's software delay; done(eng, c, tag) when
 * they have arrived. A bundle (c->copies > 1) sends that on each of its
 * channels at once. */
void sim_coll_member_send(sim_coll_t *c, int32_t a, int32_t b, uint64_t bytes, sim_handler_t done,
                          uint64_t tag);

/* A member's sends to one other member, timed without simulating them
 * (sim/coll/shortcut.c): its kept path (into c->path_edge), the copies
 * of a bundle, the software delay, the path's latency and slowest link. */
typedef struct {
    const int32_t *path;
    int hops;
    uint32_t copies;
    sim_time_t delay, latency;
    uint64_t bottleneck;
    /* the durations of the last size of each parity timed
     * (sim_coll_lane_times(): a ring's sizes differ by a byte) */
    struct {
        bool set;
        uint64_t bytes, wire;
        sim_time_t tx, push;
    } memo[2];
} sim_coll_lane_t;

/* When a send started at `start` calls back, as sim_coll_member_send()
 * would have it if its links carried nothing else: tx_end when its last
 * bit leaves, net when the network calls back, push when its channel has
 * pushed its data (0: not paced), cb the later of the two. */
typedef struct {
    sim_time_t start, tx_end, net, push, cb;
} sim_coll_times_t;

/* Member a's lane to member b; false when the path is too long to keep
 * (SIM_COLL_PATH_HOPS). O(hops), plus the first routing. */
bool sim_coll_lane(sim_coll_t *c, int32_t a, int32_t b, sim_coll_lane_t *l);

/* The lane from a to b along path[0 .. hops), a path of sim_net_route()
 * that outlives the lane. O(hops). */
void sim_coll_lane_on(sim_coll_t *c, int32_t a, int32_t b, const int32_t *path, int hops,
                      sim_coll_lane_t *l);

/* Every position's lane to the next of ring node c; false when a path is
 * too long to keep. A ring inside one server keeps its lanes in the
 * network's cache of ring orders, so the next ring of the same members
 * and connection routes nothing. O(n x hops), plus the routing the first
 * time. */
bool sim_coll_ring_lanes(sim_coll_t *c, sim_coll_lane_t *lane);

/* The times of a send of `bytes` on lane l started at `start` while its
 * links carry nothing else: the same arithmetic as the flow model's, to
 * the picosecond. O(hops). */
void sim_coll_lane_times(const sim_coll_t *c, sim_coll_lane_t *l, uint64_t bytes,
                         sim_time_t start, sim_coll_times_t *x);

/* Counts `sends` such sends of `bytes` each in the links' bytes and busy
 * times and the network's transfers. O(hops). */
void sim_coll_lane_account(sim_coll_t *c, const sim_coll_lane_t *l, uint64_t bytes,
                           uint32_t sends);

/* A send timed as x (started before now, not called back yet) put into
 * the network as sim_coll_member_send() would have left it now: its flow
 * (sim_net_adopt()) or its pending callbacks; done(eng, c, tag) at x->cb.
 * The caller has counted it. O(hops). */
void sim_coll_lane_resume(sim_coll_t *c, const sim_coll_lane_t *l, uint64_t bytes,
                          const sim_coll_times_t *x, sim_handler_t done, uint64_t tag);

/* A ring shortcut's timing kept for the next ring of the same members,
 * lanes and sizes (sim/coll/shortcut.c): the timing of a ring whose
 * members all arrive at one instant t0 is its timing from 0 moved by t0
 * (every time is a sum of t0 and durations), so it is computed once. */
#define SIM_COLL_TEMPLATE_MAX 12 /* members (the ring search's limit) */
typedef struct {
    bool set;
    /* what the times depend on besides the lanes */
    uint64_t data;
    uint32_t steps, chunks, copies;
    double wire_per_byte, channel_gbs;
    sim_time_t intra_step_ps, inter_step_ps;
    /* by position: done and the last bit's end from t0; its sends of each size */
    sim_time_t when[SIM_COLL_TEMPLATE_MAX], tx_max;
    uint64_t size[SIM_COLL_TEMPLATE_MAX][4];
    uint32_t sends[SIM_COLL_TEMPLATE_MAX][4];
} sim_coll_template_t;

/* The template slot of ring node c: its entry's in the network's cache
 * of ring orders, when c's lanes are the ones cached there
 * (sim_coll_ring_lanes()); else NULL. O(1). */
sim_coll_template_t *sim_coll_ring_template(sim_coll_t *c);

/* The ring's, for its shortcut: member m's send callback (arg m), its
 * next send if due, and the data of its sub-step j (sim/coll/ring.c). */
bool sim_coll_is_ring(const sim_coll_t *c);
void sim_coll_ring_sent(sim_engine_t *eng, void *ctx, uint64_t arg);
void sim_coll_ring_progress(sim_coll_t *c, int32_t m);
uint64_t sim_coll_ring_bytes(const sim_coll_t *c, int32_t m, uint32_t j);
/* The bytes of member m's block in step k, before chunking. O(1). */
uint64_t sim_coll_ring_block(const sim_coll_t *c, int32_t m, uint32_t k);

/* The exact shortcut of a ring (sim/coll/shortcut.c). Member m (a
 * position) has just become active in ring node c: true when the shortcut
 * takes it (the ring does nothing more), false when the ring runs step by
 * step. The first arrival decides: the shortcut is taken when every
 * member's path to the next is kept, no two share a link, and no flow or
 * claim is on any (sim_net_claimable()). O(n x hops) then; O(1) for a
 * later arrival but the last, which times the whole ring, O(n x steps x
 * chunks x hops). */
bool sim_coll_shortcut_arrive(sim_coll_t *c, int32_t m);

/* The same for a member (a position) of a top-level node that has just
 * reached the collective and will become active at `at`, after the
 * per-call latency: true when the shortcut takes it (its activation is
 * then part of the timing, not an event), false when the caller must
 * activate it at `at` (not a ring, or no shortcut). */
bool sim_coll_shortcut_early(sim_coll_t *c, int32_t m, sim_time_t at);

/* Makes member m (by the caller's numbering) of top-level node c active
 * at `at` (>= now), as the per-call latency's end does. O(log events). */
void sim_coll_activate_at(sim_coll_t *c, int32_t m, sim_time_t at);

/* Drops c's shortcut (its claims and events), if any. O(n x hops). */
void sim_coll_shortcut_free(sim_coll_t *c);

/* Around every entry point from the engine: a root whose last member
 * finished inside is freed on the way out. O(1). */
void sim_coll_enter(sim_coll_t *c);
void sim_coll_leave(sim_coll_t *c);

/* Are the members grouped by server, consecutive, the same number in
 * each? Then g per server and s servers. O(n) with a scratch mark per
 * server. */
bool sim_coll_same_gpu_count(const topo_t *t, int32_t n, const int32_t *vertex,
                             int32_t *per_server, int32_t *servers);

/* The NVSwitch that reduces in the network (TOPO_NVSWITCH_SHARP) every
 * member is cabled to, or -1. O(n x degree). */
int32_t sim_coll_sharp_switch(const topo_t *t, int32_t n, const int32_t *vertex);

/* 0 for an all-reduce, else -1 with "<op>: <algo> runs all-reduce only".
 * O(1). */
int sim_coll_allreduce_only(const sim_coll_spec_t *spec, const char *algo, tn_error_t *err);

/* The parallel node: children side by side, member m is member
 * slot[k n + m] of child k (m when slot is NULL); done when done in
 * every child (sim/coll/channels.c). */
extern const sim_coll_node_ops_t sim_coll_par_ops;

/* A ring (or, for broadcast and reduce, a chain) node moving `data`
 * bytes of `op` among n members (sim/coll/ring.c). O(n), plus NCCL's
 * ring search the first time a server's members are seen. */
sim_coll_t *sim_coll_ring_node(sim_net_t *net, const sim_coll_spec_t *spec, wl_coll_t op,
                               uint64_t data, int32_t n, const int32_t *vertex,
                               sim_coll_t *parent);

/* `channels` > 1 rings side by side over the same members, identical
 * ones bundled (sim/coll/channels.c). O(channels x n). */
sim_coll_t *sim_coll_channels_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                    const int32_t *vertex, sim_coll_t *parent);

#endif
