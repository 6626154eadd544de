/* tests/check_chakra.c — Chakra execution traces: the real inputs of
 * tests/data/chakra (astra-sim microbenchmarks, a 3,664-node PyTorch trace,
 * the JSON forms) parse into the ops their nodes describe; tiny traces
 * written here byte by byte pin down the mapping (integer kinds, dropped
 * nodes, forward references, send/recv); each malformed trace of
 * tests/data/bad gives its specific message. Paths are relative to the
 * repository root, where make check runs. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workloads/chakra.h"
#include "tests/helpers.h"
#include "tests/tests.h"

#define DATA "tests/data/chakra/"
#define PYTORCH DATA "pytorch_trace"
#define MIB (1u << 20)

/* Chakra NodeType values */
enum { METADATA_NODE = 1, MEM_LOAD_NODE = 2, COMP_NODE = 4, SEND_NODE = 5, RECV_NODE = 6,
       COLL_NODE = 7 };

/* ---- a protobuf writer, just enough for Chakra nodes --------------------- */

typedef struct {
    unsigned char b[2048];
    size_t n;
} pb_t;

static void pb_raw(pb_t *p, const void *d, size_t n)
{
    ck_assert_uint_le(p->n + n, sizeof p->b);
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void pb_varint(pb_t *p, uint64_t v)
{
    unsigned char b[10];
    size_t n = 0;
    do {
        b[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    pb_raw(p, b, n);
}

static void pb_key(pb_t *p, unsigned field, unsigned wt) { pb_varint(p, (uint64_t)field << 3 | wt); }

static void pb_u(pb_t *p, unsigned field, uint64_t v)
{
    pb_key(p, field, 0);
    pb_varint(p, v);
}

/* wire type 1 (8 bytes) or 5 (4 bytes), little-endian */
static void pb_fixed(pb_t *p, unsigned field, unsigned wt, uint64_t v)
{
    unsigned char b[8];
    unsigned n = wt == 1 ? 8 : 4;
    for (unsigned k = 0; k < n; k++)
        b[k] = (unsigned char)(v >> (8 * k));
    pb_key(p, field, wt);
    pb_raw(p, b, n);
}

static void pb_bytes(pb_t *p, unsigned field, const void *d, size_t n)
{
    pb_key(p, field, 2);
    pb_varint(p, n);
    pb_raw(p, d, n);
}

static void pb_msg(pb_t *p, unsigned field, const pb_t *m) { pb_bytes(p, field, m->b, m->n); }

/* Node{id = 1, name = 2, type = 3} */
static void node_begin(pb_t *m, uint64_t id, unsigned type)
{
    memset(m, 0, sizeof *m);
    pb_u(m, 1, id);
    pb_bytes(m, 2, "n", 1);
    pb_u(m, 3, type);
}

/* attr = 10: AttributeProto{name = 1, <value field> = raw}; raw is already
 * encoded for the field (zigzag for sint, two's complement for int). */
static void node_attr(pb_t *m, const char *name, unsigned field, uint64_t raw)
{
    pb_t a = {.n = 0};
    pb_bytes(&a, 1, name, strlen(name));
    pb_bytes(&a, 2, "doc", 3); /* doc_string, skipped */
    unsigned wt = field == 19 || field == 23 ? 5 : field == 21 || field == 25 ? 1 : 0;
    if (wt)
        pb_fixed(&a, field, wt, raw);
    else
        pb_u(&a, field, raw);
    pb_msg(m, 10, &a);
}

/* data_deps = 5, packed */
static void node_deps(pb_t *m, const uint64_t *ids, size_t n)
{
    pb_t d = {.n = 0};
    for (size_t k = 0; k < n; k++)
        pb_varint(&d, ids[k]);
    pb_msg(m, 5, &d);
}

/* A file: GlobalMetadata{version = "0.0.4"}, then the framed nodes. */
static void file_begin(pb_t *f)
{
    pb_t meta = {.n = 0};
    memset(f, 0, sizeof *f);
    pb_bytes(&meta, 1, "0.0.4", 5);
    pb_varint(f, meta.n);
    pb_raw(f, meta.b, meta.n);
}

static void file_add(pb_t *f, const pb_t *node)
{
    pb_varint(f, node->n);
    pb_raw(f, node->b, node->n);
}

/* A fresh directory for traces written by a test. */
typedef struct {
    char dir[64];
    char prefix[96];
    int n_files;
} tdir_t;

static void tdir_init(tdir_t *d)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/tensim-chakra-XXXXXX");
    ck_assert_msg(mkdtemp(d->dir) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(d->prefix, sizeof d->prefix, "%s/t", d->dir);
    d->n_files = 0;
}

static void tdir_write(tdir_t *d, int rank, const pb_t *f)
{
    char path[128];
    snprintf(path, sizeof path, "%s.%d.et", d->prefix, rank);
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(f->b, 1, f->n, fp), f->n);
    fclose(fp);
    if (rank + 1 > d->n_files)
        d->n_files = rank + 1;
}

static void tdir_drop(tdir_t *d)
{
    char path[128];
    for (int r = 0; r < d->n_files; r++) {
        snprintf(path, sizeof path, "%s.%d.et", d->prefix, r);
        unlink(path);
    }
    rmdir(d->dir);
}

/* Reads a one-file trace of the given nodes; returns what the reader
 * returned, the message in err. */
static int read_nodes(wl_trace_t *t, const pb_t *nodes, int n, tn_error_t *err,
                      wl_chakra_stats_t *st)
{
    tdir_t d;
    pb_t f;
    tdir_init(&d);
    file_begin(&f);
    for (int k = 0; k < n; k++)
        file_add(&f, &nodes[k]);
    tdir_write(&d, 0, &f);
    int rc = wl_chakra_read(t, d.prefix, err, st);
    if (rc && strncmp(err->msg, d.prefix, strlen(d.prefix)) == 0) /* drop the temp path */
        memmove(err->msg, err->msg + strlen(d.dir) + 1, strlen(err->msg + strlen(d.dir) + 1) + 1);
    tdir_drop(&d);
    return rc;
}

/* Two traces hold the same programs, ops and dependencies. */
static void assert_same_ops(const wl_trace_t *a, const wl_trace_t *b)
{
    ck_assert_int_eq(a->n_progs, b->n_progs);
    for (int32_t p = 0; p < a->n_progs; p++) {
        const wl_program_t *x = &a->progs[p], *y = &b->progs[p];
        ck_assert_uint_eq(x->n_ops, y->n_ops);
        ck_assert_uint_eq(x->n_deps, y->n_deps);
        ck_assert_mem_eq(x->ops, y->ops, x->n_ops * sizeof *x->ops);
        ck_assert_mem_eq(x->deps, y->deps, x->n_deps * sizeof *x->deps);
    }
}

/* ---- the real inputs ----------------------------------------------------- */

/* astra-sim's microbenchmarks: one 1 MiB collective per rank, 4, 8 and 16
 * ranks, 4 collectives: 4 x (4 + 8 + 16) = 112 files. */
START_TEST(microbenchmarks_parse)
{
    static const struct {
        const char *name;
        wl_coll_t coll;
    } ops[] = {{"all_reduce", WL_COLL_ALLREDUCE},
               {"all_gather", WL_COLL_ALLGATHER},
               {"reduce_scatter", WL_COLL_REDUCESCATTER},
               {"all_to_all", WL_COLL_ALLTOALL}};
    static const int sizes[] = {4, 8, 16};
    int files = 0;
    for (size_t o = 0; o < sizeof ops / sizeof *ops; o++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            int n = sizes[s];
            char prefix[160];
            snprintf(prefix, sizeof prefix, DATA "microbenchmarks/%s/%dnpus_1MB/%s", ops[o].name, n,
                     ops[o].name);
            wl_trace_t t;
            tn_error_t err = {0};
            wl_chakra_stats_t st;
            ck_assert_msg(wl_chakra_read(&t, prefix, &err, &st) == 0, "%s", err.msg);
            ck_assert_int_eq(t.n_ranks, n);
            ck_assert_int_eq(st.ranks, n);
            ck_assert_uint_eq(st.nodes, (uint64_t)n);
            ck_assert_uint_eq(st.nodes_by_type[COLL_NODE], (uint64_t)n);
            ck_assert_uint_eq(st.ops_by_kind[WL_OP_COLLECTIVE], (uint64_t)n);
            ck_assert_uint_eq(st.dropped, 0);
            ck_assert_int_eq(t.n_comms, 1);
            ck_assert_str_eq(t.comms[0].name, "world");
            ck_assert_int_eq(t.comms[0].group_off[1], n);
            for (int32_t r = 0; r < n; r++) {
                const wl_program_t *p = &t.progs[t.rank_prog[r]];
                char name[24];
                snprintf(name, sizeof name, "rank %d", r);
                ck_assert_str_eq(p->name, name);
                ck_assert_uint_eq(p->n_ops, 1);
                ck_assert_int_eq(p->ops[0].kind, WL_OP_COLLECTIVE);
                ck_assert_int_eq(p->ops[0].coll, ops[o].coll);
                ck_assert_uint_eq(p->ops[0].bytes, MIB);
                ck_assert_int_eq(p->ops[0].comm, 0);
                ck_assert_uint_eq(p->ops[0].n_deps, 0);
            }
            ck_assert_int_eq(wl_trace_check(&t, &err), 0);
            files += n;
            wl_trace_destroy(&t);
        }
    ck_assert_int_eq(files, 112);
}
END_TEST

/* Rank 0 of a PyTorch training trace: 3,664 nodes, 3,643 COMP_NODE and 21
 * COMM_COLL_NODE. Of the 21, 14 are host calls (c10d::broadcast_ and
 * c10d::allreduce_, is_cpu_op true) that become COMPUTE; 7 are NCCL
 * kernels: 2 broadcasts and 5 all-reduces. Its 181,878 data_deps name 181,878
 * distinct (node, predecessor) pairs. */
START_TEST(pytorch_trace_parses)
{
    wl_trace_t t;
    tn_error_t err = {0};
    wl_chakra_stats_t st;
    ck_assert_msg(wl_chakra_read(&t, PYTORCH, &err, &st) == 0, "%s", err.msg);
    ck_assert_int_eq(st.ranks, 1);
    ck_assert_uint_eq(st.nodes, 3664);
    ck_assert_uint_eq(st.nodes_by_type[COMP_NODE], 3643);
    ck_assert_uint_eq(st.nodes_by_type[COLL_NODE], 21);
    ck_assert_uint_eq(st.nodes_by_type[COMP_NODE] + st.nodes_by_type[COLL_NODE], st.nodes);
    ck_assert_uint_eq(st.cpu_comm_compute, 14);
    ck_assert_uint_eq(st.ops_by_kind[WL_OP_COMPUTE], 3643 + 14);
    ck_assert_uint_eq(st.ops_by_kind[WL_OP_COLLECTIVE], 21 - 14);
    ck_assert_uint_eq(st.dropped, 0);
    ck_assert_uint_eq(st.data_deps, 181878);
    ck_assert_uint_eq(st.ctrl_deps, 3664); /* one each, unused by default */
    ck_assert_uint_eq(st.ctrl_deps_unused, 3664);
    ck_assert_uint_eq(st.bytes_read, 2978371); /* the file size: each byte read once */

    const wl_program_t *p = &t.progs[0];
    ck_assert_uint_eq(p->n_ops, 3664);
    ck_assert_uint_eq(p->n_deps, 181878);
    int bcast = 0, allreduce = 0;
    for (uint32_t i = 0; i < p->n_ops; i++) {
        const wl_op_t *o = &p->ops[i];
        for (uint32_t k = 0; k < o->n_deps; k++)
            ck_assert_uint_lt(p->deps[o->dep_off + k], i);
        if (o->kind == WL_OP_COLLECTIVE) {
            bcast += o->coll == WL_COLL_BROADCAST;
            allreduce += o->coll == WL_COLL_ALLREDUCE;
            ck_assert_uint_gt(o->bytes, 0);
        }
    }
    ck_assert_int_eq(bcast, 2);
    ck_assert_int_eq(allreduce, 5);
    /* the first node, id 216 "aten::flatten_dense_tensors(0)": 318 us */
    ck_assert_uint_eq(p->ops[0].duration_ps, 318ull * 1000000);
    /* node id 435, ncclKernel_Broadcast: comm_size 212,480, after the
     * host call (id 432) and the two nodes it reads (ids 216, 217) */
    const wl_op_t *b = &p->ops[5];
    ck_assert_int_eq(b->kind, WL_OP_COLLECTIVE);
    ck_assert_int_eq(b->coll, WL_COLL_BROADCAST);
    ck_assert_uint_eq(b->bytes, 212480);
    ck_assert_uint_eq(b->n_deps, 3);
    ck_assert_uint_eq(p->deps[b->dep_off], 3);
    ck_assert_uint_eq(p->deps[b->dep_off + 1], 0);
    ck_assert_uint_eq(p->deps[b->dep_off + 2], 1);
    ck_assert_int_eq(wl_trace_check(&t, &err), 0);
    wl_trace_destroy(&t);
}
END_TEST

/* The trace's ctrl_deps name each node's enclosing op, which is often not
 * in the file: made dependencies, they are refused by name. */
START_TEST(pytorch_ctrl_deps_refused_when_asked_for)
{
    wl_trace_t t;
    tn_error_t err = {0};
    wl_chakra_opts_t o = {.ctrl_deps = true};
    ck_assert_int_eq(wl_chakra_read_opts(&t, PYTORCH, &o, &err, NULL), -1);
    ck_assert_str_eq(err.msg, PYTORCH ".0.et: node 0 (id 216): ctrl_deps names id 3, which is "
                              "not in the file");
    ck_assert_int_eq(t.n_ranks, 0); /* nothing left to free */
    wl_trace_destroy(&t);
}
END_TEST

/* A stream: 4 KiB and 7-byte read buffers give the same trace as the
 * default 64 KiB, though 26 of the messages are longer than 4 KiB (the
 * longest, 20,074 bytes). */
START_TEST(pytorch_trace_streams_through_small_buffers)
{
    wl_trace_t ref, t;
    tn_error_t err = {0};
    wl_chakra_stats_t st;
    ck_assert_msg(wl_chakra_read(&ref, PYTORCH, &err, NULL) == 0, "%s", err.msg);
    static const size_t bufs[] = {4096, 7};
    for (size_t k = 0; k < 2; k++) {
        wl_chakra_opts_t o = {.buf_size = bufs[k]};
        ck_assert_msg(wl_chakra_read_opts(&t, PYTORCH, &o, &err, &st) == 0, "%s", err.msg);
        ck_assert_uint_eq(st.largest_message, 20074);
        ck_assert_uint_gt(st.largest_message, 4 * bufs[k]);
        ck_assert_uint_eq(st.bytes_read, 2978371);
        assert_same_ops(&ref, &t);
        wl_trace_destroy(&t);
    }
    wl_trace_destroy(&ref);
}
END_TEST

/* small_chakra.0.json: 7 nodes, ids 216, 217, 430, 432, 433, 435, 541, in
 * dependency order already. Its 3 COMM_COLL nodes are 2 host calls and a
 * kernel with no comm_size: all 7 ops are COMPUTE. */
START_TEST(json_small_parses)
{
    wl_trace_t t;
    tn_error_t err = {0};
    wl_chakra_stats_t st;
    ck_assert_msg(wl_chakra_read_json(&t, DATA "small_chakra.0.json", &err, &st) == 0, "%s",
                  err.msg);
    ck_assert_int_eq(t.n_ranks, 1);
    ck_assert_uint_eq(st.nodes, 7);
    ck_assert_uint_eq(st.nodes_by_type[COMP_NODE], 4);
    ck_assert_uint_eq(st.nodes_by_type[COLL_NODE], 3);
    ck_assert_uint_eq(st.cpu_comm_compute, 2);
    ck_assert_uint_eq(st.json_comm_compute, 1);
    ck_assert_uint_eq(st.ops_by_kind[WL_OP_COMPUTE], 7);
    ck_assert_uint_eq(st.data_deps, 6);
    ck_assert_uint_eq(st.ctrl_deps, 7);
    const wl_program_t *p = &t.progs[0];
    ck_assert_uint_eq(p->n_ops, 7);
    static const uint64_t runtime_us[] = {318, 28, 4, 85, 79, 28, 153};
    static const uint32_t n_deps[] = {0, 1, 1, 0, 1, 3, 0};
    for (uint32_t i = 0; i < 7; i++) {
        ck_assert_uint_eq(p->ops[i].duration_ps, runtime_us[i] * 1000000);
        ck_assert_uint_eq(p->ops[i].n_deps, n_deps[i]);
    }
    /* id 435 reads ids 432, 216, 217: ops 3, 0, 1 */
    ck_assert_uint_eq(p->deps[p->ops[5].dep_off], 3);
    ck_assert_uint_eq(p->deps[p->ops[5].dep_off + 1], 0);
    ck_assert_uint_eq(p->deps[p->ops[5].dep_off + 2], 1);
    ck_assert_int_eq(wl_trace_check(&t, &err), 0);
    wl_trace_destroy(&t);
}
END_TEST

/* pytorch_trace.0.json.gz, unpacked by gzip into a temporary directory:
 * the same 3,664 nodes as the .et form, with the same dependencies and
 * durations; its 7 NCCL kernels carry no comm_size, so they replay their
 * measured runtime instead of being collectives. */
START_TEST(json_pytorch_matches_protobuf_form)
{
    char dir[] = "/tmp/tensim-chakra-json-XXXXXX", path[96];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/chakra.0.json", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        FILE *out = freopen(path, "wb", stdout);
        if (!out)
            _exit(126);
        char *argv[] = {"gzip", "-dc", DATA "pytorch_trace.0.json.gz", NULL};
        execvp("gzip", argv);
        _exit(127);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gzip -dc failed: status %d",
                  status);

    wl_trace_t j, e;
    tn_error_t err = {0};
    wl_chakra_stats_t st;
    int rc = wl_chakra_read_json(&j, path, &err, &st);
    unlink(path);
    rmdir(dir);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_uint_eq(st.nodes, 3664);
    ck_assert_uint_eq(st.nodes_by_type[COMP_NODE], 3643);
    ck_assert_uint_eq(st.nodes_by_type[COLL_NODE], 21);
    ck_assert_uint_eq(st.cpu_comm_compute, 14);
    ck_assert_uint_eq(st.json_comm_compute, 7);
    ck_assert_uint_eq(st.ops_by_kind[WL_OP_COMPUTE], 3664);
    ck_assert_uint_eq(st.data_deps, 181878);

    ck_assert_msg(wl_chakra_read(&e, PYTORCH, &err, NULL) == 0, "%s", err.msg);
    const wl_program_t *pj = &j.progs[0], *pe = &e.progs[0];
    ck_assert_uint_eq(pj->n_ops, pe->n_ops);
    ck_assert_mem_eq(pj->deps, pe->deps, pe->n_deps * sizeof *pe->deps);
    int kernels = 0;
    for (uint32_t i = 0; i < pe->n_ops; i++) {
        ck_assert_uint_eq(pj->ops[i].dep_off, pe->ops[i].dep_off);
        ck_assert_uint_eq(pj->ops[i].n_deps, pe->ops[i].n_deps);
        if (pe->ops[i].kind == WL_OP_COMPUTE)
            ck_assert_uint_eq(pj->ops[i].duration_ps, pe->ops[i].duration_ps);
        else
            kernels++;
    }
    ck_assert_int_eq(kernels, 7);
    ck_assert_int_eq(wl_trace_check(&j, &err), 0);
    wl_trace_destroy(&j);
    wl_trace_destroy(&e);
}
END_TEST

/* ---- tiny traces --------------------------------------------------------- */

/* Seven nodes in an order that is not a dependency order, two of them
 * dropped, numbers in six integer kinds, and unknown fields of every wire
 * type. Kahn's algorithm (lowest file index first) gives ids 103, 104,
 * 100, 105, 106: 103 and 104 are ready; 101 (dropped) then stands for 103,
 * 102 (dropped) for 103 and 104, so 100 depends on ops 0 and 1 and the
 * barrier 105 on op 0; 106 names 100 twice and depends on it once. */
START_TEST(tiny_trace_maps_and_orders)
{
    pb_t n[7];
    node_begin(&n[0], 100, COMP_NODE);
    node_deps(&n[0], (uint64_t[]){102}, 1);
    pb_u(&n[0], 7, 2); /* duration_micros */
    node_begin(&n[1], 101, METADATA_NODE);
    node_deps(&n[1], (uint64_t[]){103}, 1);
    node_begin(&n[2], 102, MEM_LOAD_NODE);
    node_deps(&n[2], (uint64_t[]){103, 104}, 2);
    node_begin(&n[3], 103, COMP_NODE);
    pb_u(&n[3], 7, 1);
    node_attr(&n[3], "num_ops", 17, 2000); /* sint64 1000, zigzag */
    pb_u(&n[3], 99, 5);                    /* unknown fields, each wire type */
    pb_fixed(&n[3], 98, 1, 6);
    pb_fixed(&n[3], 97, 5, 7);
    pb_bytes(&n[3], 96, "xyz", 3);
    node_begin(&n[4], 104, COMP_NODE);
    pb_u(&n[4], 7, 3);
    node_attr(&n[4], "num_ops", 21, 5000000000ull); /* fixed64, above 2^32 */
    node_begin(&n[5], 105, COLL_NODE);
    node_deps(&n[5], (uint64_t[]){101}, 1);
    node_attr(&n[5], "comm_type", 11, 9); /* uint32 BARRIER */
    node_begin(&n[6], 106, COLL_NODE);
    pb_u(&n[6], 5, 100); /* data_deps unpacked, twice */
    pb_u(&n[6], 5, 100);
    node_attr(&n[6], "comm_type", 23, 2);   /* sfixed32 ALL_GATHER */
    node_attr(&n[6], "comm_size", 7, 4096); /* int32 */
    node_attr(&n[6], "is_cpu_op", 27, 0);   /* bool */

    wl_trace_t t;
    tn_error_t err = {0};
    wl_chakra_stats_t st;
    ck_assert_msg(read_nodes(&t, n, 7, &err, &st) == 0, "%s", err.msg);
    ck_assert_uint_eq(st.nodes, 7);
    ck_assert_uint_eq(st.nodes_by_type[METADATA_NODE], 1);
    ck_assert_uint_eq(st.nodes_by_type[MEM_LOAD_NODE], 1);
    ck_assert_uint_eq(st.nodes_by_type[COMP_NODE], 3);
    ck_assert_uint_eq(st.nodes_by_type[COLL_NODE], 2);
    ck_assert_uint_eq(st.dropped, 2);
    ck_assert_uint_eq(st.barriers, 1);
    ck_assert_uint_eq(st.ops_by_kind[WL_OP_COMPUTE], 3);
    ck_assert_uint_eq(st.ops_by_kind[WL_OP_COLLECTIVE], 2);

    const wl_program_t *p = &t.progs[0];
    ck_assert_uint_eq(p->n_ops, 5);
    const wl_op_t *o = p->ops;
    ck_assert_uint_eq(o[0].duration_ps, 1000000); /* id 103 */
    ck_assert_double_eq(o[0].flops, 1000);
    ck_assert_uint_eq(o[1].duration_ps, 3000000); /* id 104 */
    ck_assert_double_eq(o[1].flops, 5e9);
    ck_assert_uint_eq(o[2].duration_ps, 2000000); /* id 100 */
    ck_assert_uint_eq(o[2].n_deps, 2);
    ck_assert_uint_eq(p->deps[o[2].dep_off], 0);
    ck_assert_uint_eq(p->deps[o[2].dep_off + 1], 1);
    ck_assert_int_eq(o[3].kind, WL_OP_COLLECTIVE); /* id 105: barrier */
    ck_assert_int_eq(o[3].coll, WL_COLL_ALLREDUCE);
    ck_assert_uint_eq(o[3].bytes, 0);
    ck_assert_uint_eq(o[3].n_deps, 1);
    ck_assert_uint_eq(p->deps[o[3].dep_off], 0);
    ck_assert_int_eq(o[4].coll, WL_COLL_ALLGATHER); /* id 106 */
    ck_assert_uint_eq(o[4].bytes, 4096);
    ck_assert_uint_eq(o[4].n_deps, 1);
    ck_assert_uint_eq(p->deps[o[4].dep_off], 2);
    ck_assert_int_eq(wl_trace_check(&t, &err), 0);
    wl_trace_destroy(&t);
}
END_TEST

/* Rank 0 sends 64 KiB to rank 1 with tag 7 (peer as int64, size as
 * uint64, tag as sint32); rank 1 receives it. */
START_TEST(tiny_send_recv)
{
    tdir_t d;
    pb_t f, n;
    tdir_init(&d);
    file_begin(&f);
    node_begin(&n, 1, SEND_NODE);
    node_attr(&n, "comm_dst", 9, 1);
    node_attr(&n, "comm_size", 13, 65536);
    node_attr(&n, "comm_tag", 15, 14); /* zigzag 7 */
    file_add(&f, &n);
    tdir_write(&d, 0, &f);
    file_begin(&f);
    node_begin(&n, 1, RECV_NODE);
    node_attr(&n, "comm_src", 9, 0);
    node_attr(&n, "comm_size", 13, 65536);
    node_attr(&n, "comm_tag", 15, 14);
    file_add(&f, &n);
    tdir_write(&d, 1, &f);

    wl_trace_t t;
    tn_error_t err = {0};
    int rc = wl_chakra_read(&t, d.prefix, &err, NULL);
    tdir_drop(&d);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq(t.n_ranks, 2);
    const wl_op_t *s = &t.progs[t.rank_prog[0]].ops[0], *r = &t.progs[t.rank_prog[1]].ops[0];
    ck_assert_int_eq(s->kind, WL_OP_SEND);
    ck_assert_int_eq(s->peer, 1);
    ck_assert_int_eq(s->tag, 7);
    ck_assert_uint_eq(s->bytes, 65536);
    ck_assert_int_eq(r->kind, WL_OP_RECV);
    ck_assert_int_eq(r->peer, 0);
    ck_assert_int_eq(r->tag, 7);
    ck_assert_int_eq(wl_trace_check(&t, &err), 0);
    wl_trace_destroy(&t);
}
END_TEST

/* One-node traces that must be refused, and why. */
START_TEST(tiny_traces_refused)
{
    pb_t n[2];
    wl_trace_t t;
    tn_error_t err = {0};

    node_begin(&n[0], 1, COLL_NODE); /* GATHER */
    node_attr(&n[0], "comm_type", 9, 3);
    node_attr(&n[0], "comm_size", 9, 8);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): comm_type 3 (GATHER): tensim has no such "
                              "collective");

    node_begin(&n[0], 1, COLL_NODE); /* int32 -1: ten bytes on the wire */
    node_attr(&n[0], "comm_type", 9, 0);
    node_attr(&n[0], "comm_size", 7, (uint64_t)-1);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): attribute comm_size is negative (-1)");

    node_begin(&n[0], 1, COLL_NODE); /* comm_size as a string */
    {
        pb_t a = {.n = 0};
        pb_bytes(&a, 1, "comm_size", 9);
        pb_bytes(&a, 29, "big", 3); /* string_val */
        pb_msg(&n[0], 10, &a);
    }
    node_attr(&n[0], "comm_type", 9, 0);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): attribute comm_size: expected an integer, "
                              "got string_val");

    node_begin(&n[0], 1, COLL_NODE);
    node_attr(&n[0], "comm_size", 9, 8);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): a collective with no comm_type");

    node_begin(&n[0], 1, SEND_NODE); /* one rank: nobody to send to */
    node_attr(&n[0], "comm_dst", 9, 0);
    node_attr(&n[0], "comm_size", 9, 8);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): comm_dst 0 is the node's own rank");

    node_begin(&n[0], 1, RECV_NODE);
    node_attr(&n[0], "comm_src", 9, 5);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): comm_src 5 is not a rank (the trace has 1)");

    node_begin(&n[0], 1, COMP_NODE);
    node_deps(&n[0], (uint64_t[]){1}, 1);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): depends on itself (data_deps)");

    node_begin(&n[0], 7, COMP_NODE);
    node_begin(&n[1], 7, COMP_NODE);
    ck_assert_int_eq(read_nodes(&t, n, 2, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 1 (id 7): node 0 has this id too");

    node_begin(&n[0], 1, COMP_NODE); /* id given as a string */
    pb_bytes(&n[0], 1, "1", 1);
    ck_assert_int_eq(read_nodes(&t, n, 1, &err, NULL), -1);
    ck_assert_str_eq(err.msg, "t.0.et: node 0 (id 1): field 1 (id) has wire type 2, expected 0");
}
END_TEST

/* ---- malformed files ----------------------------------------------------- */

START_TEST(malformed_files_named)
{
    static const struct {
        const char *prefix, *msg;
    } cases[] = {
        {"chakra_truncated_varint", "chakra_truncated_varint.0.et: node 0 (id 1): truncated varint "
                                    "at byte 18"},
        {"chakra_truncated_length", "chakra_truncated_length.0.et: node 1: truncated varint at "
                                    "byte 19"},
        {"chakra_missing_dep", "chakra_missing_dep.0.et: node 1 (id 2): data_deps names id 99, "
                               "which is not in the file"},
        {"chakra_cycle", "chakra_cycle.0.et: node 0 (id 10): dependency cycle: id 10 depends on "
                         "id 12, which depends on id 11, which depends on id 10"},
        {"chakra_past_end", "chakra_past_end.0.et: node 0: message of 200 bytes at byte 8 runs "
                            "past the end of the file (20 bytes)"},
        {"chakra_wire_type", "chakra_wire_type.0.et: node 0 (id 1): wire type 3 (field 6) at "
                             "byte 19 cannot occur: groups are not in proto3"},
        {"chakra_no_comm_size", "chakra_no_comm_size.0.et: node 0 (id 5): a collective with no "
                                "comm_size"},
        {"chakra_gap", "chakra_gap.3.et is missing but tests/data/bad/chakra_gap.4.et exists"},
        {"chakra_nothing_here", "no Chakra trace at tests/data/bad/chakra_nothing_here: "
                                "tests/data/bad/chakra_nothing_here.0.et does not exist"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char prefix[96], want[400];
        bool bare = !strncmp(cases[k].msg, "no ", 3);
        snprintf(prefix, sizeof prefix, "tests/data/bad/%s", cases[k].prefix);
        snprintf(want, sizeof want, "%s%s", bare ? "" : "tests/data/bad/", cases[k].msg);
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_int_eq(wl_chakra_read(&t, prefix, &err, NULL), -1);
        ck_assert_int_eq(err.code, TN_EINPUT);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(t.n_ranks, 0);
    }
}
END_TEST

START_TEST(malformed_json_named)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {"{\"workload_graph\": [{\"Id\": 1, \"NodeType\": 4, \"runtime\": 1},"
         " {\"Id\": 2, \"NodeType\": 4, \"data_deps\": [1, 99]}]}",
         "workload_graph[1] (id 2): data_deps names id 99, which is not in the file"},
        {"{\"workload_graph\": [{\"Id\": 1, \"NodeType\": 4, \"data_deps\": [2]},"
         " {\"Id\": 2, \"NodeType\": 4, \"data_deps\": [1]}]}",
         "workload_graph[0] (id 1): dependency cycle: id 1 depends on id 2, which depends on "
         "id 1"},
        {"{\"workload_graph\": [{\"Id\": 1, \"NodeType\": 4, \"data_deps\": [-3]}]}",
         "workload_graph[0].data_deps: expected an array of node ids, got -3 in it"},
        {"{\"workload_graph\": [{\"Id\": 1, \"NodeType\": 7, \"comm_type\": 0,"
         " \"comm_size\": \"big\"}]}",
         "workload_graph[0] (id 1): key comm_size: expected an integer, got a string"},
        {"{\"workload_graph\": {}}", "workload_graph: expected an array of nodes, got {}"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *path = tmpfile_with(cases[k].doc, ".json"), want[400];
        snprintf(want, sizeof want, "%s: %s", path, cases[k].msg);
        wl_trace_t t;
        tn_error_t err = {0};
        int rc = wl_chakra_read_json(&t, path, &err, NULL);
        tmpfile_drop(path);
        ck_assert_int_eq(rc, -1);
        ck_assert_str_eq(err.msg, want);
    }
}
END_TEST

Suite *chakra_suite(void)
{
    Suite *s = suite_create("chakra");
    TCase *tc = tcase_create("chakra");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, microbenchmarks_parse);
    tcase_add_test(tc, pytorch_trace_parses);
    tcase_add_test(tc, pytorch_ctrl_deps_refused_when_asked_for);
    tcase_add_test(tc, pytorch_trace_streams_through_small_buffers);
    tcase_add_test(tc, json_small_parses);
    tcase_add_test(tc, json_pytorch_matches_protobuf_form);
    tcase_add_test(tc, tiny_trace_maps_and_orders);
    tcase_add_test(tc, tiny_send_recv);
    tcase_add_test(tc, tiny_traces_refused);
    tcase_add_test(tc, malformed_files_named);
    tcase_add_test(tc, malformed_json_named);
    suite_add_tcase(s, tc);
    return s;
}
