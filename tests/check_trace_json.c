/* tests/check_trace_json.c — tensim's trace format: what is written reads
 * back the same, and each malformed trace gives its specific message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/gen_allreduce.h"
#include "workloads/trace_json.h"
#include "sim/job/scenario.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* Two traces are the same: ranks, programs, ops, deps, communicators. */
static void assert_same(const wl_trace_t *a, const wl_trace_t *b)
{
    ck_assert_int_eq(a->n_ranks, b->n_ranks);
    ck_assert_int_eq(a->n_progs, b->n_progs);
    ck_assert_int_eq(a->n_comms, b->n_comms);
    ck_assert_mem_eq(a->rank_prog, b->rank_prog, (size_t)a->n_ranks * sizeof *a->rank_prog);
    for (int32_t p = 0; p < a->n_progs; p++) {
        const wl_program_t *x = &a->progs[p], *y = &b->progs[p];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_uint_eq(x->n_ops, y->n_ops);
        ck_assert_uint_eq(x->n_deps, y->n_deps);
        ck_assert_mem_eq(x->deps, y->deps, x->n_deps * sizeof *x->deps);
        for (uint32_t i = 0; i < x->n_ops; i++) {
            const wl_op_t *o = &x->ops[i], *q = &y->ops[i];
            ck_assert_int_eq(o->kind, q->kind);
            ck_assert_int_eq(o->coll, q->coll);
            ck_assert_int_eq(o->comm, q->comm);
            ck_assert_int_eq(o->peer, q->peer);
            ck_assert_int_eq(o->tag, q->tag);
            ck_assert_uint_eq(o->bytes, q->bytes);
            ck_assert_double_eq(o->flops, q->flops);
            ck_assert_uint_eq(o->duration_ps, q->duration_ps);
            ck_assert_uint_eq(o->n_deps, q->n_deps);
        }
    }
    for (int32_t c = 0; c < a->n_comms; c++) {
        ck_assert_str_eq(a->comms[c].name, b->comms[c].name);
        ck_assert_int_eq(a->comms[c].n_groups, b->comms[c].n_groups);
        ck_assert_mem_eq(a->comms[c].rank_group, b->comms[c].rank_group,
                         (size_t)a->n_ranks * sizeof(int32_t));
    }
}

START_TEST(write_then_read_is_the_same)
{
    /* the generator's trace, plus a pipeline with send/recv and FLOPs */
    wl_trace_t a, b;
    wl_gen_compute_allreduce(&a, 12, 5000, 1 << 20);
    int32_t grp[12];
    for (int r = 0; r < 12; r++)
        grp[r] = r % 6; /* pairs {r, r+6} */
    int32_t pp = wl_trace_add_comm(&a, "pp", 6, grp);
    int32_t s0 = wl_trace_add_program(&a, "stage0"), s1 = wl_trace_add_program(&a, "stage1");
    wl_op_t c = {.kind = WL_OP_COMPUTE, .flops = 1.5e12, .bytes = 4096, .comm = -1};
    wl_op_t send = {.kind = WL_OP_SEND, .comm = pp, .peer = 1, .tag = 3, .bytes = 777};
    wl_op_t recv = {.kind = WL_OP_RECV, .comm = pp, .peer = 0, .tag = 3, .bytes = 777};
    uint32_t k = wl_program_add_op(&a, s0, &c, NULL, 0);
    wl_program_add_op(&a, s0, &send, &k, 1);
    k = wl_program_add_op(&a, s1, &recv, NULL, 0);
    wl_program_add_op(&a, s1, &c, &k, 1);
    for (int r = 0; r < 12; r++)
        a.rank_prog[r] = r < 3 ? 0 : r < 6 ? s0 : r < 9 ? 0 : s1;
    /* ranks 3-5 send to 9-11: stage0 on 3..5 (position 0), stage1 on 9..11 */
    ck_assert_int_eq(wl_trace_check(&a, NULL), 0);
    char *path = tmpfile_with("", ".json");
    tn_error_t err = {0};
    ck_assert_int_eq(wl_trace_write_json(&a, path, &err), 0);
    ck_assert_msg(wl_trace_read_json(&b, path, &err) == 0, "%s", err.msg);
    assert_same(&a, &b);
    wl_trace_destroy(&a);
    wl_trace_destroy(&b);
    tmpfile_drop(path);
}
END_TEST

/* Ops in any order: the reader puts every op after its dependencies,
 * keeping file order among the ready. */
START_TEST(ops_are_ordered_by_dependencies)
{
    char *path = tmpfile_with(
        "{\"tensim_trace\": 1, \"ranks\": 1, \"programs\": [{\"name\": \"p\", \"ranks\": [0], "
        "\"ops\": [{\"kind\": \"compute\", \"duration_ps\": 3, \"deps\": [2]},"
        "          {\"kind\": \"compute\", \"duration_ps\": 1},"
        "          {\"kind\": \"compute\", \"duration_ps\": 2, \"deps\": [1]}]}]}",
        ".json");
    wl_trace_t t;
    tn_error_t err = {0};
    ck_assert_msg(wl_trace_read_json(&t, path, &err) == 0, "%s", err.msg);
    const wl_program_t *p = &t.progs[0];
    ck_assert_uint_eq(p->ops[0].duration_ps, 1);
    ck_assert_uint_eq(p->ops[1].duration_ps, 2);
    ck_assert_uint_eq(p->ops[2].duration_ps, 3);
    ck_assert_uint_eq(p->deps[p->ops[2].dep_off], 1);
    wl_trace_destroy(&t);
    tmpfile_drop(path);
}
END_TEST

#define HEAD "{\"tensim_trace\": 1, \"ranks\": 4, \"communicators\": [{\"name\": \"w\", " \
             "\"groups\": [[\"0-3\"]]}], "

START_TEST(bad_traces)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"compute\", \"duration_ps\": 1}, {\"kind\": \"sleep\"}]}]}",
         "programs[0].ops[1].kind: unknown value \"sleep\" (expected one of: compute, "
         "collective, send, recv)"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"compute\", \"duration_ps\": 1, \"deps\": [5]}]}]}",
         "programs[0].ops[0].deps[0]: expected an integer from 0 to 0, got 5"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"compute\", \"duration_ps\": 1, \"deps\": [1]}, {\"kind\": \"compute\", "
              "\"duration_ps\": 1, \"deps\": [0]}]}]}",
         "programs[0].ops[0]: is in a dependency cycle, or waits on one (2 ops never become "
         "ready)"},
        {"{\"tensim_trace\": 1, \"ranks\": 4, \"communicators\": [{\"name\": \"w\", \"groups\": "
         "[[0, 1, 9]]}], \"programs\": []}",
         "communicators[0].groups[0][2]: rank 9 is not from 0 to 3"},
        {"{\"tensim_trace\": 1, \"ranks\": 4, \"communicators\": [{\"name\": \"w\", \"groups\": "
         "[[0, 1], [1, 2]]}], \"programs\": []}",
         "communicators[0].groups[1][0]: rank 1 is in groups[0] already"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-2\"], \"ops\": []}]}",
         "programs: rank 3 has no program"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\", 2], \"ops\": []}]}",
         "programs[0].ranks[1]: rank 2 runs program \"p\" already"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"collective\", \"op\": \"allreduce\", \"comm\": \"w\", \"size_bytes\": -4}]}]}",
         "programs[0].ops[0].size_bytes: expected a non-negative integer, got -4"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"compute\", \"flops\": 1e30}]}]}",
         "programs[0].ops[0].flops: 1e30 is out of range (from 0 to 1e+24)"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"collective\", \"op\": \"allreduce\", \"comm\": \"tp\", \"size_bytes\": 4}]}]}",
         "programs[0].ops[0].comm: no communicator \"tp\""},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"send\", \"comm\": \"w\", \"peer\": 7, \"size_bytes\": 4}]}]}",
         "programs[0].ops[0].peer: rank 0: 7 is not another position in its group of w (size 4)"},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\" 0-3\"], \"ops\": []}]}",
         "programs[0].ranks[0]: expected a rank (0 to 3) or a range \"a-b\", got \" 0-3\""},
        {HEAD "\"programs\": [{\"name\": \"p\", \"ranks\": [\"0-3\"], \"ops\": [{\"kind\": "
              "\"compute\", \"duration_ps\": 1, \"peer\": 1}]}]}",
         "programs[0].ops[0].peer: not a key of a compute op"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tmpfile_with(cases[i].doc, ".json");
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_int_eq(wl_trace_read_json(&t, path, &err), -1);
        ck_assert_int_eq(strncmp(err.msg, path, strlen(path)), 0);
        ck_assert_msg(!strcmp(err.msg + strlen(path) + 2, cases[i].msg), "case %zu: %s", i,
                      err.msg);
        tmpfile_drop(path);
    }
}
END_TEST

/* What the runs would trip on, found before running: a receive no send
 * matches, and group members whose collectives differ. */
START_TEST(lint_finds_unmatched_traffic)
{
    static const struct {
        const char *doc, *msg;
    } cases[] = {
        {HEAD "\"programs\": [{\"name\": \"a\", \"ranks\": [0, 1], \"ops\": [{\"kind\": "
              "\"send\", \"comm\": \"w\", \"peer\": 2, \"size_bytes\": 8}]}, {\"name\": "
              "\"b\", \"ranks\": [2, 3], \"ops\": [{\"kind\": \"recv\", \"comm\": \"w\", "
              "\"peer\": 0, \"size_bytes\": 8}]}]}",
         /* 1 -> 2 is never received, 3 waits for 0; the lowest pair is reported */
         "rank 0 sends fewer messages with tag 0 to rank 3 than it receives (1 unmatched receives)"},
        {HEAD "\"programs\": [{\"name\": \"a\", \"ranks\": [0, 1], \"ops\": [{\"kind\": "
              "\"collective\", \"op\": \"allreduce\", \"comm\": \"w\", \"size_bytes\": 8}]}, "
              "{\"name\": \"b\", \"ranks\": [2, 3], \"ops\": [{\"kind\": \"collective\", "
              "\"op\": \"allreduce\", \"comm\": \"w\", \"size_bytes\": 16}]}]}",
         "communicator w, group 0: rank 0 (program a) and rank 2 (program b) differ at their "
         "collective 0 on it"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tmpfile_with(cases[i].doc, ".json");
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_msg(wl_trace_read_json(&t, path, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(wl_trace_lint(&t, &err), -1);
        ck_assert_str_eq(err.msg, cases[i].msg);
        wl_trace_destroy(&t);
        tmpfile_drop(path);
    }
}
END_TEST

/* Traces whose counts and sequences agree but whose ranks wait on each
 * other for ever, found without running (workloads/deadlock.h); and their
 * near twins that finish, which must pass. */
START_TEST(lint_finds_deadlocks)
{
#define TWO "{\"tensim_trace\": 1, \"ranks\": 2, \"communicators\": [{\"name\": \"a\", " \
            "\"groups\": [[0, 1]]}, {\"name\": \"b\", \"groups\": [[0, 1]]}], \"programs\": ["
#define AR(comm, deps) "{\"kind\": \"collective\", \"op\": \"allreduce\", \"comm\": \"" comm \
                       "\", \"size_bytes\": 8" deps "}"
#define P2P(kind, peer, deps) "{\"kind\": \"" kind "\", \"comm\": \"a\", \"peer\": " peer \
                              ", \"size_bytes\": 8" deps "}"
#define PROG(name, rank, ops) "{\"name\": \"" name "\", \"ranks\": [" rank "], \"ops\": [" ops "]}"
    static const struct {
        const char *doc, *msg; /* msg NULL: the ranks finish */
    } cases[] = {
        /* rank 0 enters a then b, rank 1 b then a */
        {TWO PROG("p0", "0", AR("a", "") "," AR("b", ", \"deps\": [0]")) ","
             PROG("p1", "1", AR("b", "") "," AR("a", ", \"deps\": [0]")) "]}",
         "deadlock: rank 0 waits in op 0 (collective allreduce on a) for rank 1, which waits in "
         "op 0 (collective allreduce on b)"},
        /* the same ops without the dependencies: both can be reached */
        {TWO PROG("p0", "0", AR("a", "") "," AR("b", "")) ","
             PROG("p1", "1", AR("b", "") "," AR("a", "")) "]}", NULL},
        /* each receives before it sends: the sends wait on the receives */
        {TWO PROG("p0", "0", P2P("recv", "1", "") "," P2P("send", "1", ", \"deps\": [0]")) ","
             PROG("p1", "1", P2P("recv", "0", "") "," P2P("send", "0", ", \"deps\": [0]")) "]}",
         "deadlock: rank 0 waits in op 0 (recv on a) for rank 1, which waits in op 0 (recv on a)"},
        /* one sends first: it finishes */
        {TWO PROG("p0", "0", P2P("send", "1", "") "," P2P("recv", "1", ", \"deps\": [0]")) ","
             PROG("p1", "1", P2P("recv", "0", "") "," P2P("send", "0", ", \"deps\": [0]")) "]}",
         NULL},
        /* a collective that waits on a receive whose send waits on it */
        {TWO PROG("p0", "0", P2P("recv", "1", "") "," AR("b", ", \"deps\": [0]")) ","
             PROG("p1", "1", AR("b", "") "," P2P("send", "0", ", \"deps\": [0]")) "]}",
         "deadlock: rank 0 waits in op 0 (recv on a) for rank 1, which waits in op 0 "
         "(collective allreduce on b)"},
    };
#undef TWO
#undef AR
#undef P2P
#undef PROG
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = tmpfile_with(cases[i].doc, ".json");
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_msg(wl_trace_read_json(&t, path, &err) == 0, "case %zu: %s", i, err.msg);
        int rc = wl_trace_lint(&t, &err);
        if (cases[i].msg) {
            ck_assert_msg(rc == -1, "case %zu passed", i);
            ck_assert_str_eq(err.msg, cases[i].msg);
        } else {
            ck_assert_msg(rc == 0, "case %zu: %s", i, err.msg);
        }
        wl_trace_destroy(&t);
        tmpfile_drop(path);
    }
}
END_TEST

/* No false alarm: the shipped workloads that check quickly (the 10,000-
 * and 100,000-GPU ones were checked by hand: `tensim trace check` says ok)
 * and the scenarios under tests/data pass the lint, deadlock check included. */
START_TEST(lint_passes_shipped_workloads)
{
    static const char *const scenarios[] = {
        "workloads/scenarios/skeleton-8gpu.json", "workloads/scenarios/selene-megatron-39.1b.json",
        "tests/data/goodput/small.json", "tests/data/goodput/fattree.json"};
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        sim_scenario_t sc;
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_msg(sim_scenario_load(&sc, scenarios[i], NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(wl_spec_build(&sc.workload, &t, &err) == 0, "%s", err.msg);
        ck_assert_msg(wl_trace_lint(&t, &err) == 0, "%s: %s", scenarios[i], err.msg);
        wl_trace_destroy(&t);
        sim_scenario_destroy(&sc);
    }
}
END_TEST

/* The malformed traces shipped in tests/data/bad/, each with its message. */
START_TEST(bad_trace_files)
{
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"trace_cycle.json", "programs[0].ops[0]: is in a dependency cycle, or waits on one (2 "
                             "ops never become ready)"},
        {"trace_missing_dep.json", "programs[0].ops[0].deps[0]: expected an integer from 0 to 0, "
                                   "got 3"},
        {"trace_unknown_comm.json", "programs[0].ops[0].comm: no communicator \"tp\""},
        {"trace_negative_size.json", "programs[0].ops[0].size_bytes: expected a non-negative "
                                     "integer, got -8"},
        {"trace_unknown_kind.json", "programs[0].ops[0].kind: unknown value \"sleep\" (expected "
                                    "one of: compute, collective, send, recv)"},
        {"trace_truncated.json", "line 1 column 45: invalid json: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "tests/data/bad/%s", cases[i].file);
        wl_trace_t t;
        tn_error_t err = {0};
        ck_assert_int_eq(wl_trace_read_json(&t, path, &err), -1);
        ck_assert_int_eq(err.code, TN_EINPUT);
        ck_assert_int_eq(strncmp(err.msg, path, strlen(path)), 0);
        ck_assert_msg(!strncmp(err.msg + strlen(path) + 2, cases[i].msg, strlen(cases[i].msg)),
                      "%s: %s", cases[i].file, err.msg);
    }
}
END_TEST

Suite *trace_json_suite(void)
{
    Suite *s = suite_create("trace_json");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, write_then_read_is_the_same);
    tcase_add_test(tc, ops_are_ordered_by_dependencies);
    tcase_add_test(tc, bad_traces);
    tcase_add_test(tc, lint_finds_unmatched_traffic);
    tcase_add_test(tc, lint_finds_deadlocks);
    tcase_add_test(tc, lint_passes_shipped_workloads);
    tcase_add_test(tc, bad_trace_files);
    suite_add_tcase(s, tc);
    return s;
}
