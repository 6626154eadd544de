/* tests/check_chakra_tiny.c — Chakra traces written here byte by byte (a
 * protobuf writer just big enough for Chakra nodes) pin down the reader's
 * mapping: integer kinds, unknown fields, dropped nodes, forward
 * references, send/recv, and the one-node traces it must refuse with their
 * message. The real inputs are in tests/check_chakra.c. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "workloads/chakra.h"
#include "tests/helpers.h"
#include "tests/tests.h"

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

Suite *chakra_tiny_suite(void)
{
    Suite *s = suite_create("chakra-tiny");
    TCase *tc = tcase_create("chakra-tiny");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tiny_trace_maps_and_orders);
    tcase_add_test(tc, tiny_send_recv);
    tcase_add_test(tc, tiny_traces_refused);
    suite_add_tcase(s, tc);
    return s;
}
