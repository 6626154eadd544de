/* workloads/chakra.h — Chakra execution traces (MLCommons) into a
 * wl_trace_t: the protobuf form (.et files, workloads/chakra_et.c, over the
 * wire format of workloads/protobuf.h: no protobuf library) and Chakra's
 * JSON form; both map nodes the same way (workloads/chakra.c).
 *
 * A trace is PREFIX.0.et, PREFIX.1.et, ... one file per rank, each a
 * varint-length-prefixed GlobalMetadata message followed by
 * varint-length-prefixed Node messages (schema: chakra
 * schema/protobuf/et_def.proto). Files are read as streams through a
 * buffer of fixed size: memory grows with the nodes and dependencies kept,
 * never with the length of a message or of the file.
 *
 * Mapping (each rank gets its own program, "rank N"; one communicator,
 * "world", holds every rank in one group, so a peer's position is its rank):
 *  - COMP_NODE -> COMPUTE, duration_ps = duration_micros x 1e6, flops from
 *    attribute num_ops when present.
 *  - COMM_COLL_NODE -> COLLECTIVE over "world": attribute comm_type
 *    ALL_REDUCE, REDUCE, ALL_GATHER, BROADCAST, ALL_TO_ALL, REDUCE_SCATTER;
 *    BARRIER becomes a 0-byte all-reduce; GATHER, SCATTER and
 *    REDUCE_SCATTER_BLOCK are errors. Size: attribute comm_size (bytes).
 *  - COMM_SEND_NODE / COMM_RECV_NODE -> SEND / RECV to the rank in
 *    attribute comm_dst / comm_src, tag comm_tag (0 when absent), size
 *    comm_size.
 *  - A communication node whose attribute is_cpu_op is true is the host
 *    call that launches the kernel (c10d::allreduce_ in PyTorch traces; the
 *    kernel is a node of its own): it becomes a COMPUTE of its duration,
 *    as ASTRA-sim does. is_cpu_op is false when absent.
 *  - Every other node type (INVALID, METADATA, MEM_LOAD, MEM_STORE,
 *    STORAGE, BATCH, CHECKPOINT, unknown numbers) is dropped; a node that
 *    depended on it depends on what it depended on instead.
 * Numeric attributes may be of any integer kind of AttributeProto (int32,
 * int64, uint32, uint64, sint32, sint64, fixed32, fixed64, sfixed32,
 * sfixed64, bool); num_ops may also be a double or a float.
 *
 * Dependencies: data_deps are dependencies. ctrl_deps are read and counted
 * but, by default, not used: Chakra's own ETFeeder (the one ASTRA-sim
 * replays these traces with) follows data_deps only, and PyTorch-converted
 * traces hold ctrl_deps that name the enclosing op, which may be missing,
 * the node itself, or a later node (the 3,664-node test trace has all
 * three, and its ctrl_deps form cycles). wl_chakra_opts_t.ctrl_deps makes
 * them dependencies too. Nodes may depend on later nodes; the ops are
 * ordered so each follows what it depends on, ties in file order, so the
 * result is the same on every run. A dependency on an id that is not in
 * the file, a node depending on itself, two nodes with one id and a cycle
 * are errors naming the nodes.
 *
 * Messages: "PREFIX.3.et: node 17 (id 4242): ..." where node 17 is the
 * 18th Node message of the file (counting from 0, the GlobalMetadata not
 * counted); wire-format errors give the byte offset. JSON messages name
 * "workload_graph[17] (id 4242)".
 *
 * Ownership: the readers fill a caller-provided, uninitialised wl_trace_t
 * (the caller wl_trace_destroy()s it on success; on failure nothing is
 * left to free). Stats are plain caller-owned structs, may be NULL.
 */
#ifndef WL_CHAKRA_H
#define WL_CHAKRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "workloads/trace.h"

/* Chakra NodeType values 0 (INVALID_NODE) to 10 (CHECKPOINT_NODE). */
#define WL_CHAKRA_NODE_TYPES 11

typedef struct {
    int32_t ranks;                                /* files (ranks) read */
    uint64_t nodes;                               /* Node messages read */
    uint64_t nodes_by_type[WL_CHAKRA_NODE_TYPES]; /* by Chakra NodeType */
    uint64_t nodes_other_type;                    /* a NodeType above 10 */
    uint64_t ops_by_kind[WL_OP_RECV + 1];         /* ops made, by wl_op_kind_t */
    uint64_t dropped;            /* nodes that became no op */
    uint64_t cpu_comm_compute;   /* comm nodes with is_cpu_op: made COMPUTE */
    uint64_t json_comm_compute;  /* JSON comm nodes with no comm_size: COMPUTE */
    uint64_t barriers;           /* BARRIER collectives made 0-byte all-reduces */
    uint64_t data_deps;          /* data_deps entries read */
    uint64_t ctrl_deps;          /* ctrl_deps entries read */
    uint64_t ctrl_deps_unused;   /* of those, not made dependencies */
    uint64_t bytes_read;         /* file bytes decoded (protobuf form) */
    uint64_t largest_message;    /* bytes of the longest Node message */
} wl_chakra_stats_t;

typedef struct {
    bool ctrl_deps;   /* make ctrl_deps dependencies too (default: no) */
    size_t buf_size;  /* read buffer, bytes (protobuf form); 0: 64 KiB */
} wl_chakra_opts_t;

/* Reads PREFIX.0.et, PREFIX.1.et, ...: the ranks are the files that exist,
 * consecutively from 0. `prefix` may also be one of those files
 * (wl_chakra_prefix()). Returns 0, or -1 with err set: TN_EINPUT for no
 * PREFIX.0.et, a missing file in the middle ("PREFIX.3.et is missing but
 * PREFIX.4.et exists"), a truncated varint, a message or field longer than
 * what holds it, a wire type that cannot occur, a field of the wrong wire
 * type, a collective with no comm_size or comm_type, a send without
 * comm_dst, a recv without comm_src, a peer that is not another rank, an
 * attribute that is not an integer or out of range, a dependency on a
 * missing id, a cycle; TN_EIO when a file cannot be read. Stats (may be
 * NULL) are filled on success and on failure alike, up to the failure.
 * Time complexity: O(B + D + N log N) for B bytes, N nodes and D
 * dependencies, plus what dropped nodes pass through (at most the kept
 * ops they reach, per node depending on them). Memory: O(N + D) and the
 * read buffer; never O(B). */
int wl_chakra_read(wl_trace_t *t, const char *prefix, tn_error_t *err, wl_chakra_stats_t *stats);

/* The prefix a trace argument names: a copy of arg when ARG.0.et is a
 * file (arg is a prefix), else arg less ".N.et" when arg is such a file
 * (any one rank's file: "run/trace.3.et" names "run/trace"); NULL when
 * neither. wl_chakra_read() takes either form through this. The caller
 * frees the result. O(length of arg), two stat() calls. */
char *wl_chakra_prefix(const char *arg);

/* wl_chakra_read() with options (NULL: the defaults). Same errors and
 * cost; with opts->ctrl_deps, ctrl_deps are checked like data_deps. */
int wl_chakra_read_opts(wl_trace_t *t, const char *prefix, const wl_chakra_opts_t *opts,
                        tn_error_t *err, wl_chakra_stats_t *stats);

/* Reads Chakra's JSON form, one rank: {"workload_graph": [{"Id": 216,
 * "Name": "...", "NodeType": 4, "ctrlDeps": [3], "data_deps": [],
 * "runtime": 318, "is_cpu_op": true, "comm_type": 0, "comm_size": 8,
 * ...}, ...], "workload_name": ..., "ngpus": ..., "soc": ...}. runtime is
 * in microseconds, like duration_micros. Mapped as above, except that a
 * communication node with no "comm_size" (Chakra's JSON export carries
 * none) becomes a COMPUTE of its runtime. Errors (TN_EINPUT) name the file
 * and the JSON path: not JSON, unknown keys, wrong types, and the graph
 * errors of wl_chakra_read(). The whole file is parsed in memory (jansson).
 * Time complexity: O(B + D + N log N). */
int wl_chakra_read_json(wl_trace_t *t, const char *path, tn_error_t *err,
                        wl_chakra_stats_t *stats);

/* wl_chakra_read_json() with options (NULL: the defaults; buf_size is not
 * used). */
int wl_chakra_read_json_opts(wl_trace_t *t, const char *path, const wl_chakra_opts_t *opts,
                             tn_error_t *err, wl_chakra_stats_t *stats);

#endif
