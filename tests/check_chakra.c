/* tests/check_chakra.c — Chakra execution traces as they come: the real
 * inputs of tests/data/chakra (astra-sim microbenchmarks, a 3,664-node
 * PyTorch trace, the JSON forms) parse into the ops their nodes describe;
 * each malformed trace of tests/data/bad gives its specific message. The
 * tiny traces written byte by byte are in tests/check_chakra_tiny.c. Paths
 * are relative to the repository root, where make check runs. */
#include <check.h>
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

/* A trace named by any one of its files is its prefix: every rank's file
 * of the 4-rank all-reduce names the prefix and reads the same 4 ranks;
 * a prefix names itself; a name that is no rank's file (a missing rank,
 * a leading zero, no ".N.et", the prefix's directory) names nothing. */
START_TEST(named_by_any_rank_file)
{
    const char *dir = DATA "microbenchmarks/all_reduce/4npus_1MB/";
    char prefix[160], file[200];
    snprintf(prefix, sizeof prefix, "%sall_reduce", dir);
    char *p = wl_chakra_prefix(prefix);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, prefix);
    free(p);
    for (int r = 0; r < 4; r++) {
        snprintf(file, sizeof file, "%s.%d.et", prefix, r);
        p = wl_chakra_prefix(file);
        ck_assert_msg(p != NULL, "%s", file);
        ck_assert_str_eq(p, prefix);
        free(p);
        wl_trace_t t;
        tn_error_t err = {0};
        wl_chakra_stats_t st;
        ck_assert_msg(wl_chakra_read(&t, file, &err, &st) == 0, "%s", err.msg);
        ck_assert_int_eq(t.n_ranks, 4);
        ck_assert_uint_eq(st.ops_by_kind[WL_OP_COLLECTIVE], 4);
        wl_trace_destroy(&t);
    }
    const char *none[] = {"all_reduce.4.et", "all_reduce.00.et", "all_reduce.0", "all_reduce.et",
                          ".0.et", "", "all_reduc"};
    for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) {
        snprintf(file, sizeof file, "%s%s", dir, none[k]);
        ck_assert_msg(wl_chakra_prefix(file) == NULL, "%s", file);
    }
    /* the 3,664-node trace has rank 0 only: its file names it too */
    p = wl_chakra_prefix(PYTORCH ".0.et");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p, PYTORCH);
    free(p);
    /* a missing rank's file is still refused by the reader, by prefix */
    wl_trace_t t;
    tn_error_t err = {0};
    snprintf(file, sizeof file, "%s.5.et", prefix);
    ck_assert_int_eq(wl_chakra_read(&t, file, &err, NULL), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "all_reduce.5.et: no such file"));
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
    tcase_add_test(tc, malformed_files_named);
    tcase_add_test(tc, malformed_json_named);
    tcase_add_test(tc, named_by_any_rank_file);
    suite_add_tcase(s, tc);
    return s;
}
