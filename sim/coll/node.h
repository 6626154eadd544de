/* sim/coll/node.h — inside sim/coll/collective.c: the node a collective is
 * built from, and what the algorithms' files share (sim/coll/tree.c,
 * sim/coll/nvls.c). Not for use outside the collective module.
 *
 * Ownership: nodes belong to their collective's root (sim/coll/collective.h).
 */
#ifndef SIM_COLL_NODE_H
#define SIM_COLL_NODE_H

#include "sim/coll/collective.h"

/* The kinds of node a collective is built from. A ring or chain or hd or
 * direct node moves data; a parallel node runs children side by side
 * (channels); a hier node runs three phases of children. */
typedef enum { K_RING, K_CHAIN, K_HD, K_DIRECT, K_PAR, K_HIER, K_TREE, K_NVLS } kind_t;

enum { ABSENT, WAITING, ACTIVE, DONE }; /* member states */

struct sim_coll {
    kind_t kind;
    sim_net_t *net;
    const int32_t *vertex;  /* borrowed, or own_vertex */
    int32_t *own_vertex;
    int32_t n;
    sim_coll_spec_t spec;
    sim_coll_t *root;       /* the top-level collective */
    sim_coll_t *parent;
    int32_t *to_parent;     /* by member: index in the parent */
    sim_coll_done_t done;   /* top level only */
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
    int32_t dir;            /* chain: +1 or -1 around the ring */
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
    int32_t *slot;          /* hier: by (phase, member): index in that child */
    uint8_t *phase;         /* hier: by member */
    /* nvls: the switch; its buffer slots; by member j (the owner of shard
     * j): chunks loaded (reduced and back at j) and stored (multicast to
     * all), in order; by (member, chunk): transfers left in its load or
     * store, UINT32_MAX once done; recvd: chunks received by multicast */
    int32_t nvswitch;
    uint32_t slots;
    uint32_t *loaded, *stored, *load_left, *store_left;
    int32_t n_here;         /* nvls: members that have arrived */
};

/* A new node of `kind` over n members with a copy of spec; its arrays are
 * the caller's to allocate. O(n). */
sim_coll_t *sim_coll_node(sim_net_t *net, kind_t kind, const sim_coll_spec_t *spec, int32_t n,
                          const int32_t *vertex, sim_coll_t *parent);

/* Makes ch child k of c and gives it a to_parent map to fill. O(ch->n). */
void sim_coll_link_child(sim_coll_t *c, sim_coll_t *ch, int32_t k);

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

/* Around every entry point from the engine: a root whose last member
 * finished inside is freed on the way out. O(1). */
void sim_coll_enter(sim_coll_t *c);
void sim_coll_leave(sim_coll_t *c);

/* The NVSwitch that reduces in the network (TOPO_NVSWITCH_SHARP) every
 * member is cabled to, or -1. O(n x degree). */
int32_t sim_coll_sharp_switch(const topo_t *t, int32_t n, const int32_t *vertex);

/* The double binary tree (sim/coll/tree.c): a parallel node of two trees;
 * member m of a tree node starts. */
sim_coll_t *sim_coll_tree_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                const int32_t *vertex, sim_coll_t *parent);
void sim_coll_tree_activate(sim_coll_t *c, int32_t m);

/* NVLS (sim/coll/nvls.c): the node; member m has arrived. */
sim_coll_t *sim_coll_nvls_build(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                                const int32_t *vertex, sim_coll_t *parent);
void sim_coll_nvls_activate(sim_coll_t *c, int32_t m);

#endif
