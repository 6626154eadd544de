/* tests/check_skeleton_scenarios.c — the skeleton scenario run whole:
 * replayed from a trace file or a Chakra trace, on a subset of the
 * fabric, with the flow model, in the report (busiest links, bubble,
 * breakdown, bottleneck, straggler), the same twice, and the models it
 * refuses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/exec/executor.h"
#include "results/report.h"
#include "results/human.h"
#include "sim/job/run.h"
#include "workloads/gen_allreduce.h"
#include "workloads/trace_json.h"
#include "tests/helpers.h"
#include "tests/tests.h"

/* Loads the scenario whose file's text is doc (written to a temporary
 * file, removed after) and runs it into sc and rec, which the caller
 * destroys. Fails the test on an error. O(the run). */
static void run_doc(const char *doc, sim_scenario_t *sc, sim_records_t *rec)
{
    char *scen = tmpfile_with(doc, ".json");
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(sc, scen, NULL, &err) == 0, "%s", err.msg);
    ck_assert_msg(sim_run_scenario(sc, rec, NULL, &err) == 0, "%s", err.msg);
    tmpfile_drop(scen);
}

/* The iteration of the scenario whose file's text is doc. O(the run). */
static sim_time_t doc_iteration_ps(const char *doc)
{
    sim_scenario_t sc;
    sim_records_t rec;
    run_doc(doc, &sc, &rec);
    sim_time_t it = sim_records_iteration_ps(&rec);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return it;
}

/* The skeleton's workload written as a tensim trace and replayed from the
 * file gives the very same iteration. */
START_TEST(trace_file_replays_like_the_generator)
{
    wl_trace_t tr;
    wl_gen_compute_allreduce(&tr, 8, 100000000, 268435456);
    char *trace = tmpfile_with("", ".json");
    ck_assert_int_eq(wl_trace_write_json(&tr, trace, NULL), 0);
    wl_trace_destroy(&tr);
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"name\": \"t\", \"topology\": {\"preset\": \"single-switch\"}, \"workload\": "
             "{\"trace\": \"%s\"}, \"network\": {\"model\": \"analytic\"}, \"collectives\": "
             "{\"algorithm\": \"ring\", \"protocol\": \"none\"}}",
             trace);
    ck_assert_uint_eq(doc_iteration_ps(doc), 37694963840ull);
    tmpfile_drop(trace);
}
END_TEST

/* A Chakra microbenchmark (1 MiB all-reduce on 8 ranks, from ASTRA-sim's
 * examples) replayed on one switch: a ring of 2 x 7 steps of 128 KiB over
 * 2 hops of 500 ns at 100 Gbps. */
START_TEST(chakra_trace_replays)
{
    char cwd[2048], doc[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(doc, sizeof doc,
             "{\"name\": \"c\", \"topology\": {\"preset\": \"single-switch\"}, \"workload\": "
             "{\"chakra\": \"%s/tests/data/chakra/microbenchmarks/all_reduce/8npus_1MB/all_reduce\"}, "
             "\"network\": {\"model\": \"analytic\"}, \"collectives\": {\"algorithm\": "
             "\"ring\", \"protocol\": \"none\"}}",
             cwd);
    ck_assert_uint_eq(doc_iteration_ps(doc), 2 * 7 * (2 * 500000 + (1u << 17) * 80ull));
}
END_TEST

/* A job on fewer GPUs than the fabric has, through the scenario path. */
START_TEST(scenario_runs_on_a_subset)
{
    sim_scenario_t sc;
    const char *sets[] = {"workload.ranks=6", "topology.set.gpus=10"};
    sim_overrides_t ov = {sets, 2, false, 0};
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov, &err), 0);
    sim_records_t rec;
    sim_run_info_t info;
    ck_assert_int_eq(sim_run_scenario(&sc, &rec, &info, &err), 0);
    ck_assert_int_eq(info.gpus, 10);
    ck_assert_int_eq(info.ranks, 6);
    /* 100 us + 2*5 steps of (2 x 500 ns + (256 MiB / 6 rounded) * 8 / 100 Gbps); the
     * 256 MiB do not divide by 6: chunks of 44739242 and 44739243 bytes */
    uint64_t lo = 100000000 + 10 * (1000000 + 44739242ull * 8 * 10);
    uint64_t hi = 100000000 + 10 * (1000000 + 44739243ull * 8 * 10);
    sim_time_t it = sim_records_iteration_ps(&rec);
    ck_assert_uint_ge(it, lo);
    ck_assert_uint_le(it, hi);
    sim_records_destroy(&rec);

    /* more ranks than GPUs */
    const char *sets2[] = {"workload.ranks=9"};
    sim_overrides_t ov2 = {sets2, 1, false, 0};
    sim_scenario_destroy(&sc);
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov2, &err), 0);
    ck_assert_int_eq(sim_run_scenario(&sc, &rec, &info, &err), -1);
    ck_assert_str_eq(err.msg, "workloads/scenarios/skeleton-8gpu.json: the workload has 9 ranks "
                              "but the fabric has only 8 gpus");
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* On one switch no two ring transfers share a link, so max-min sharing
 * gives every transfer the full link: the flow model must agree with the
 * analytic one to the picosecond. */
START_TEST(flow_equals_analytic_without_contention)
{
    sim_time_t it[2];
    for (int k = 0; k < 2; k++) {
        const char *set = k ? "network.model=flow" : "network.model=analytic";
        sim_overrides_t ov = {&set, 1, false, 0};
        sim_scenario_t sc;
        sim_records_t rec;
        ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov, NULL),
                         0);
        ck_assert_int_eq(sim_run_scenario(&sc, &rec, NULL, NULL), 0);
        it[k] = sim_records_iteration_ps(&rec);
        sim_records_destroy(&rec);
        sim_scenario_destroy(&sc);
    }
    ck_assert_uint_eq(it[0], 37694963840ull); /* 100 us + 14 x (1 us + 2.68435456 ms) */
    ck_assert_uint_eq(it[1], it[0]);
}
END_TEST

/* The report's network section on the skeleton (3 iterations): each GPU's
 * uplink carries 14 chunks of 32 MiB per iteration, 2.68435456 ms each at
 * 100 Gbps, so it is busy 3 x 14 x that over the run; all 16 host links
 * alike, the busiest is link 0 (ties go to the lower id). */
START_TEST(report_names_the_busiest_links)
{
    sim_scenario_t sc;
    sim_records_t rec;
    sim_run_info_t info;
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", NULL, NULL), 0);
    ck_assert_int_eq(sim_run_scenario(&sc, &rec, &info, NULL), 0);
    res_meta_t meta = {.scenario = "s", .command_line = "", .network_model = "analytic",
                       .gpus = info.gpus, .ranks = info.ranks};
    json_t *j = res_report_json(&rec, &meta);
    json_t *host = json_object_get(json_object_get(j, "tiers"), "host");
    ck_assert_int_eq(json_integer_value(json_object_get(host, "links")), 16);
    ck_assert_double_eq(json_real_value(json_object_get(host, "bytes")),
                        3.0 * 8 * 14 * (32 << 20) * 2); /* every chunk crosses 2 host links */
    double busy = 3 * 14 * 2.68435456e-3, end = sim_time_to_s(rec.end_ps);
    ck_assert_double_eq_tol(json_real_value(json_object_get(host, "max_utilization")), busy / end,
                            1e-9);
    /* the timeline: every op of every rank (8 ranks: all sampled); rank
     * 0's first all-reduce runs from 100 us for 14 x (1 us + 2.68435456 ms) */
    ck_assert_uint_eq(rec.n_spans, 8 * 2 * 3);
    for (size_t i = 0; i < rec.n_spans; i++)
        if (rec.spans[i].rank == 0 && rec.spans[i].kind == WL_OP_COLLECTIVE) {
            ck_assert_uint_eq(rec.spans[i].start, 100000000);
            ck_assert_uint_eq(rec.spans[i].end - rec.spans[i].start, 14 * (1000000 + 2684354560ull));
            break;
        }
    json_t *top = json_array_get(json_object_get(j, "top_links"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(top, "from")), "gpu 0 (server 0)");
    ck_assert_str_eq(json_string_value(json_object_get(top, "to")), "leaf 0");

    /* report.html: three SVG charts (no "run" in meta: no fabric drawing);
     * the breakdown's stacked bar spans the chart's width (the shares sum
     * to 1); the busiest links' class is named */
    char *html = res_report_html(j), *md = res_report_markdown(j);
    int svgs = 0, closes = 0;
    double width = 0;
    for (const char *q = html; (q = strstr(q, "<svg")); q++)
        svgs++;
    for (const char *q = html; (q = strstr(q, "</svg>")); q++)
        closes++;
    for (const char *q = html; (q = strstr(q, "class=\"part\"")); q++) {
        double x, w;
        ck_assert_int_eq(sscanf(q, "class=\"part\" x=\"%lf\" y=\"0\" width=\"%lf\"", &x, &w), 2);
        ck_assert_double_eq_tol(x, width, 0.011); /* each part starts where the last ended */
        width += w;
    }
    ck_assert_int_eq(svgs, 3);
    ck_assert_int_eq(closes, 3);
    ck_assert_double_eq_tol(width, RES_CHART_WIDTH, 0.05);
    /* the busiest links by class: the 8 uplinks alike (and the 8 downlinks) */
    ck_assert_ptr_nonnull(strstr(html, ">host: gpu → leaf, 100 Gbps × 8 links</text>"));
    ck_assert_ptr_nonnull(strstr(md, "| bottleneck | **network**: "));
    ck_assert_ptr_nonnull(strstr(md, "| host | gpu | leaf | 100 | "));
    free(html);
    free(md);
    json_decref(j);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* In a pipeline, waiting at a collective that spans stages (Megatron's
 * model-parallel grad-norm all-reduce: its members run different
 * programs) is waiting for the other stages to drain, so the bubble
 * counts it with the waits on pipeline transfers and the time finished
 * early; waiting at a collective among ranks alike in work (tp, dp) is
 * skew. pp 4 and 2 microbatches: a bubble of 3/5 of the pipeline, more
 * than its compute. */
START_TEST(waits_across_stages_are_the_bubble)
{
    const char *doc =
        "{\"name\": \"m\", \"seed\": 1, \"iterations\": 1,\n"
        " \"topology\": {\"preset\": \"single-switch\", \"set\": {\"gpus\": 8}},\n"
        " \"workload\": {\"generator\": \"megatron\", \"gpu\": \"v100-32gb\",\n"
        "  \"model\": \"megatron-1.7b\",\n"
        "  \"layout\": {\"tp\": 2, \"pp\": 4, \"dp\": 1, \"global_batch\": 2}},\n"
        " \"network\": {\"model\": \"analytic\"}}\n";
    sim_scenario_t sc;
    sim_records_t rec;
    run_doc(doc, &sc, &rec);
    res_meta_t meta = {.scenario = "m", .command_line = "", .network_model = "analytic"};
    json_t *j = res_report_json(&rec, &meta), *b = json_object_get(j, "breakdown");
    const json_t *w = json_object_get(b, "waiting_by_communicator_share");
    double bubble = json_real_value(json_object_get(b, "finished_early_share"));
    bool cross = false;
    for (int32_t c = 0; c < rec.n_comms; c++) {
        const char *n = rec.comm_names[c];
        bool across = !strcmp(n, "pp") || !strcmp(n, "mp") || !strcmp(n, "emb");
        /* the generator's communicators: pp, mp, emb span stages; tp does not */
        ck_assert_int_eq(rec.comm_p2p[c] || rec.comm_cross_prog[c], across);
        cross = cross || (!strcmp(n, "mp") && json_real_value(json_object_get(w, n)) > 0);
        if (across)
            bubble += json_real_value(json_object_get(w, n));
    }
    ck_assert(cross); /* the drain does end at the grad-norm all-reduce */
    const json_t *bn = json_object_get(j, "bottleneck");
    ck_assert_str_eq(json_string_value(json_object_get(bn, "verdict")), "pipeline_bubble");
    ck_assert_double_eq_tol(json_real_value(json_object_get(bn, "share")), bubble, 1e-12);
    json_decref(j);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* Every interval of every rank is charged to exactly one of compute, a
 * communicator's exposed or waiting time, or idle: per rank they add up to the time it
 * finished, on a Megatron run (tp 2, pp 2, dp 2) where TP, PP and DP
 * communication overlap compute and each other. */
START_TEST(breakdown_adds_up_to_each_ranks_time)
{
    const char *doc =
        "{\"name\": \"m\", \"seed\": 1, \"iterations\": 2,\n"
        " \"topology\": {\"preset\": \"single-switch\", \"set\": {\"gpus\": 8}},\n"
        " \"workload\": {\"generator\": \"megatron\", \"gpu\": \"v100-32gb\",\n"
        "  \"model\": \"megatron-1.7b\",\n"
        "  \"layout\": {\"tp\": 2, \"pp\": 2, \"dp\": 2, \"global_batch\": 8}},\n"
        " \"network\": {\"model\": \"analytic\"}}\n";
    sim_scenario_t sc;
    sim_records_t rec;
    run_doc(doc, &sc, &rec);
    sim_time_t exposed_all = 0, last = 0;
    for (int32_t k = 0; k < rec.n_ranks; k++) {
        sim_time_t sum = rec.rank_compute_ps[k] + rec.rank_idle_ps[k];
        for (int32_t c = 0; c < rec.n_comms; c++) {
            size_t i = (size_t)k * (size_t)rec.n_comms + (size_t)c;
            sum += rec.rank_exposed_ps[i] + rec.rank_wait_ps[i];
            exposed_all += rec.rank_exposed_ps[i];
        }
        ck_assert_uint_eq(sum, rec.rank_end_ps[k]);
        if (rec.rank_end_ps[k] > last)
            last = rec.rank_end_ps[k];
    }
    ck_assert_uint_eq(last, rec.iter_end[1]);
    ck_assert_uint_eq(last, rec.end_ps);
    ck_assert_uint_gt(exposed_all, 0); /* not a run of compute alone */
    /* the report's shares: the whole run, nothing twice */
    res_meta_t meta = {.scenario = "m", .command_line = "", .network_model = "analytic"};
    json_t *j = res_report_json(&rec, &meta), *b = json_object_get(j, "breakdown");
    double sum = 0;
    static const char *const parts[] = {"compute_share", "exposed_communication_share",
                                        "waiting_for_peers_share", "idle_share",
                                        "finished_early_share"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        sum += json_real_value(json_object_get(b, parts[i]));
    ck_assert_double_eq_tol(sum, 1.0, 1e-9);
    ck_assert_double_eq_tol(json_real_value(json_object_get(b, "time_s")),
                            sim_time_to_s(rec.end_ps) / 2, 1e-12);
    /* the CLI's line names the shares of the report, to 0.1% */
    char line[512], want[64];
    res_summary_lines(j, line, sizeof line);
    snprintf(want, sizeof want, "time: compute %.1f%%, exposed communication %.1f%% (",
             100 * json_real_value(json_object_get(b, "compute_share")),
             100 * json_real_value(json_object_get(b, "exposed_communication_share")));
    ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "%s", line);
    ck_assert_ptr_nonnull(strstr(line, ", waiting for peers "));
    ck_assert_ptr_nonnull(strstr(line, ", finished early "));
    json_decref(j);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

/* Runs the skeleton with overrides; returns its steady-state iteration and
 * the report's bottleneck (a new reference). */
static sim_time_t skeleton_with(const char *const *sets, int n, json_t **bottleneck)
{
    sim_overrides_t ov = {sets, n, false, 0};
    sim_scenario_t sc;
    sim_records_t rec;
    tn_error_t err = {0};
    ck_assert_msg(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov, &err) == 0,
                  "%s", err.msg);
    ck_assert_msg(sim_run_scenario(&sc, &rec, NULL, &err) == 0, "%s", err.msg);
    sim_time_t it = sim_records_iteration_ps(&rec);
    res_meta_t meta = {.scenario = "s", .command_line = "", .network_model = "analytic"};
    json_t *j = res_report_json(&rec, &meta);
    *bottleneck = json_incref(json_object_get(j, "bottleneck"));
    json_decref(j);
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
    return it;
}

/* Network-bound: the skeleton's all-reduce is 99.7% of the run. Doubling
 * the links halves the wire time of each of the 14 steps, 32 MiB x 8 /
 * 100e9 s = 2.68435456 ms, and nothing else: the 100 us of compute and
 * the 2 x 500 ns of latency per step stay. The verdict names the network
 * and the host links, the only tier. */
START_TEST(doubling_links_in_a_network_bound_run)
{
    const char *fast[] = {"topology.set.link.bw_gbps=200"};
    json_t *b1, *b2;
    sim_time_t t1 = skeleton_with(NULL, 0, &b1), t2 = skeleton_with(fast, 1, &b2);
    ck_assert_uint_eq(t1 - t2, 14 * 2684354560ull / 2);
    ck_assert_str_eq(json_string_value(json_object_get(b1, "verdict")), "network");
    ck_assert_str_eq(json_string_value(json_object_get(b1, "tier")), "host");
    ck_assert_str_eq(json_string_value(json_object_get(b1, "communicator")), "world");
    json_decref(b1);
    json_decref(b2);

    /* 1 s of compute against 37.6 ms of all-reduce: compute-bound */
    const char *slow_gpu[] = {"workload.compute_time_us=1000000"};
    skeleton_with(slow_gpu, 1, &b1);
    ck_assert_str_eq(json_string_value(json_object_get(b1, "verdict")), "compute");
    ck_assert_double_eq_tol(json_real_value(json_object_get(b1, "share")),
                            1.0 / (1.0 + 14 * 2.68535456e-3), 1e-9);
    json_decref(b1);
}
END_TEST

/* With 10 ms of compute, rank 3 computing twice as long (20 ms) holds the
 * all-reduce back until it arrives: the iteration grows by exactly 10 ms,
 * the others wait that long (17% of the run), and the verdict turns from
 * the network to rank 3, 2 x the median of its peers. A slowdown that
 * costs under 1% of the run (100 us of compute doubled) is no bottleneck:
 * the verdict stays with the network. */
START_TEST(a_slowed_rank_is_the_straggler)
{
    const char *sets[] = {"workload.compute_time_us=10000",
                          "stragglers=[{\"rank\": 3, \"slowdown\": 2}]"};
    json_t *b0, *b;
    sim_time_t t0 = skeleton_with(sets, 1, &b0), t = skeleton_with(sets, 2, &b);
    ck_assert_uint_eq(t - t0, 10000000000ull);
    ck_assert_str_eq(json_string_value(json_object_get(b0, "verdict")), "network");
    ck_assert_str_eq(json_string_value(json_object_get(b, "verdict")), "straggler");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "rank")), 3);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(b, "evidence")), "2.00 x"));
    json_decref(b0);
    json_decref(b);
    skeleton_with(sets + 1, 1, &b);
    ck_assert_str_eq(json_string_value(json_object_get(b, "verdict")), "network");
    json_decref(b);

    /* a straggler the workload does not have: refused at run, by path */
    const char *bad[] = {"stragglers=[{\"rank\": 8, \"slowdown\": 2}]"};
    sim_overrides_t ov = {bad, 1, false, 0};
    sim_scenario_t sc;
    sim_records_t rec;
    tn_error_t err = {0};
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov, &err), 0);
    ck_assert_int_eq(sim_run_scenario(&sc, &rec, NULL, &err), -1);
    ck_assert_str_eq(err.msg, "workloads/scenarios/skeleton-8gpu.json: stragglers[0].rank: rank 8 "
                              "is not in the workload's 8 ranks");
    sim_records_destroy(&rec);
    sim_scenario_destroy(&sc);
}
END_TEST

START_TEST(same_scenario_same_records)
{
    sim_scenario_t sc;
    ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", NULL, NULL), 0);
    sim_records_t a, b;
    ck_assert_int_eq(sim_run_scenario(&sc, &a, NULL, NULL), 0);
    ck_assert_int_eq(sim_run_scenario(&sc, &b, NULL, NULL), 0);
    ck_assert_uint_eq(a.events, b.events);
    ck_assert_int_eq(memcmp(a.iter_end, b.iter_end, a.n_iterations * sizeof *a.iter_end), 0);
    ck_assert_int_eq(memcmp(a.link_bytes, b.link_bytes, (size_t)a.n_links * sizeof *a.link_bytes), 0);
    ck_assert_int_eq(memcmp(a.rank_coll_ps, b.rank_coll_ps, (size_t)a.n_ranks * sizeof *a.rank_coll_ps),
                     0);
    sim_records_destroy(&a);
    sim_records_destroy(&b);
    sim_scenario_destroy(&sc);
}
END_TEST

START_TEST(not_yet_models_are_refused_at_run)
{
    static const struct {
        const char *set, *msg;
    } cases[] = {
        {"collectives.algorithm=hd", "workloads/scenarios/skeleton-8gpu.json: workload: rank 0 "
                                     "(program compute-allreduce, op 1) on world: hd needs a power "
                                     "of two ranks, not 6"},
        {"collectives.algorithm=direct", "workloads/scenarios/skeleton-8gpu.json: workload: rank 0 "
                                         "(program compute-allreduce, op 1) on world: allreduce: "
                                         "direct runs all-to-all only"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *sets[] = {cases[i].set, "workload.ranks=6"};
        sim_overrides_t ov = {sets, 2, false, 0};
        sim_scenario_t sc;
        sim_records_t rec;
        tn_error_t err = {0};
        ck_assert_int_eq(sim_scenario_load(&sc, "workloads/scenarios/skeleton-8gpu.json", &ov, &err),
                         0);
        ck_assert_int_eq(sim_run_scenario(&sc, &rec, NULL, &err), -1);
        ck_assert_int_eq(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)), 0);
        sim_records_destroy(&rec);
        sim_scenario_destroy(&sc);
    }
}
END_TEST

Suite *skeleton_scenarios_suite(void)
{
    Suite *s = suite_create("skeleton_scenarios");
    TCase *tc = tcase_create("scenarios");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, breakdown_adds_up_to_each_ranks_time);
    tcase_add_test(tc, doubling_links_in_a_network_bound_run);
    tcase_add_test(tc, a_slowed_rank_is_the_straggler);
    tcase_add_test(tc, trace_file_replays_like_the_generator);
    tcase_add_test(tc, chakra_trace_replays);
    tcase_add_test(tc, scenario_runs_on_a_subset);
    tcase_add_test(tc, same_scenario_same_records);
    tcase_add_test(tc, flow_equals_analytic_without_contention);
    tcase_add_test(tc, report_names_the_busiest_links);
    tcase_add_test(tc, not_yet_models_are_refused_at_run);
    tcase_add_test(tc, waits_across_stages_are_the_bubble);
    suite_add_tcase(s, tc);
    return s;
}
