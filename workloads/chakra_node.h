/* workloads/chakra_node.h — inside the Chakra reader (not for other
 * modules): the table of one rank's nodes that both forms fill, the .et
 * protobuf files (workloads/chakra_et.c) and the JSON form
 * (workloads/chakra.c), and the mapping of nodes to ops and of their
 * dependencies to a program, which both share (workloads/chakra.c; the
 * rules are in workloads/chakra.h).
 *
 * Ownership: a wl_chakra_tab_t is caller-owned, zero-initialised empty,
 * freed with wl_chakra_tab_free(). A wl_chakra_ctx_t borrows everything it
 * points to.
 */
#ifndef WL_CHAKRA_NODE_H
#define WL_CHAKRA_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "workloads/chakra.h"
#include "workloads/trace.h"

/* The node attributes read (WL_CA_*, named by wl_chakra_attr_names[]); the
 * others are skipped. */
enum {
    WL_CA_COMM_TYPE,
    WL_CA_COMM_SIZE,
    WL_CA_COMM_SRC,
    WL_CA_COMM_DST,
    WL_CA_COMM_TAG,
    WL_CA_NUM_OPS,
    WL_CA_IS_CPU_OP,
    WL_CA_COUNT
};
extern const char *const wl_chakra_attr_names[WL_CA_COUNT];

/* One attribute value (WL_CAV_*): absent, an integer of any kind (magnitude
 * u, negative when neg: then u holds the two's complement), a real, or
 * something else. */
enum { WL_CAV_NONE, WL_CAV_INT, WL_CAV_REAL, WL_CAV_OTHER };
typedef struct {
    uint8_t kind, neg;
    uint64_t u;
    double d;
    const char *what; /* the value's kind, for messages */
} wl_chakra_attr_t;

typedef struct {
    uint64_t id;
    wl_op_t op;
    uint8_t keep;             /* becomes an op */
    uint32_t dep_off, n_deps; /* into the table's deps */
} wl_chakra_node_t;

/* One rank's nodes, in file order. */
typedef struct {
    wl_chakra_node_t *nodes;
    uint32_t n;
    size_t cap;
    uint64_t *deps;    /* ids, as read */
    uint8_t *dep_ctrl; /* by dep: from ctrl_deps */
    uint32_t n_deps;
    size_t deps_cap, ctrl_cap;
} wl_chakra_tab_t;

/* What is being read: for messages, statistics and the peer checks. */
typedef struct {
    const char *src; /* file name for messages */
    bool json;
    bool ctrl;       /* ctrl_deps are dependencies */
    int32_t rank, n_ranks;
    wl_chakra_stats_t *st;
    tn_error_t *err;
} wl_chakra_ctx_t;

void wl_chakra_tab_free(wl_chakra_tab_t *tab);

/* Starts node tab->n: its dependencies follow (wl_chakra_add_dep), then
 * wl_chakra_node_end(). O(1) amortised. */
void wl_chakra_node_begin(wl_chakra_tab_t *tab);

/* Counts a dependency read, and keeps it for the node begun when it is one
 * (a data dependency, or a ctrl one with c->ctrl). O(1) amortised. */
void wl_chakra_add_dep(wl_chakra_ctx_t *c, wl_chakra_tab_t *tab, uint64_t id, bool ctrl);

/* Ends the node begun: makes it its op (or marks it dropped) from its
 * Chakra NodeType, attributes av[WL_CA_COUNT] and duration, counting it.
 * Returns 0, or -1 with the error naming node i (see wl_chakra_read()).
 * O(1). */
int wl_chakra_node_end(const wl_chakra_ctx_t *c, wl_chakra_tab_t *tab, uint64_t id,
                       uint64_t type, const wl_chakra_attr_t *av, uint64_t dur_us);

/* "node 17 (id 4242)", or "workload_graph[17] (id 4242)" for JSON, into
 * b (n bytes); without the id unless has_id. O(1). */
void wl_chakra_node_label(const wl_chakra_ctx_t *c, uint32_t i, uint64_t id, bool has_id, char *b,
                          size_t n);

/* Adds the kept nodes of tab to program pi in dependency order (Kahn's
 * algorithm, ties by file order), each depending on its kept predecessors
 * and on what its dropped predecessors depended on. Returns 0, or -1 with
 * err set: a dependency on a missing id, on itself, two nodes with one id,
 * a cycle. O(N log N + D), plus what dropped nodes pass through. */
int wl_chakra_build_program(const wl_chakra_ctx_t *c, wl_trace_t *t, int32_t pi,
                            wl_chakra_tab_t *tab);

/* Adds the trace's one communicator, "world": every rank, one group.
 * O(ranks). */
void wl_chakra_add_world(wl_trace_t *t);

#endif
