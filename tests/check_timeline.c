/* tests/check_timeline.c — timeline.json as trace viewers need it
 * (speedscope, Perfetto before 57.1): timeline_check() reads any Chrome
 * trace-event file and counts what such a viewer would trip on; the
 * tests point it at the skeleton's timeline, at a pipelined Megatron
 * job's, and at hand-made broken files it must reject. The same job's
 * ranks.csv is held to its header: collectives_s within the run. */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tests/cli_harness.h"
#include "tests/tests.h"

/* An event's time in the format's microseconds as integer picoseconds:
 * tensim writes six decimals, so this is exact for its files and forgives
 * a double's last bit for others. */
static int64_t ps_of(const json_t *v)
{
    return (int64_t)llround(json_number_value(v) * 1e6);
}

typedef struct {
    int32_t pid, tid;
    int64_t ts, end;
    size_t at;
} ev_t;

static int by_track(const void *pa, const void *pb)
{
    const ev_t *a = pa, *b = pb;
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    if (a->tid != b->tid)
        return a->tid < b->tid ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* A (pid, tid) pair in a list, for the metadata. */
static bool has(const int64_t *keys, size_t n, int64_t key)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] == key)
            return true;
    return false;
}

#define PROBLEM(...)                                                                           \
    do {                                                                                       \
        if (problems++ == 0)                                                                   \
            snprintf(why, why_n, __VA_ARGS__);                                                 \
    } while (0)

int timeline_check(const char *path, timeline_stats_t *st, char *why, size_t why_n)
{
    int problems = 0;
    memset(st, 0, sizeof *st);
    snprintf(why, why_n, "%s", "");
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        snprintf(why, why_n, "%s: line %d: %s", path, je.line, je.text);
        return 1;
    }
    json_t *evs = json_is_array(doc) ? doc : json_object_get(doc, "traceEvents");
    if (!json_is_array(evs)) {
        snprintf(why, why_n, "%s: no traceEvents array", path);
        json_decref(doc);
        return 1;
    }
    size_t n = json_array_size(evs), nx = 0, np = 0, nt = 0;
    ev_t *x = calloc(n + 1, sizeof *x);
    int64_t *procs = calloc(n + 1, sizeof *procs), *threads = calloc(n + 1, sizeof *threads);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(evs, i);
        json_t *name = json_object_get(e, "name"), *ph = json_object_get(e, "ph");
        json_t *pid = json_object_get(e, "pid"), *tid = json_object_get(e, "tid");
        json_t *ts = json_object_get(e, "ts"), *dur = json_object_get(e, "dur");
        if (!json_is_string(name) || !json_is_string(ph) || !json_is_integer(pid) ||
            !json_is_integer(tid)) {
            PROBLEM("event %zu: name, ph, pid or tid missing", i);
            continue;
        }
        const char *p = json_string_value(ph), *nm = json_string_value(name);
        int64_t key = json_integer_value(pid) << 32 | (uint32_t)json_integer_value(tid);
        if (strcmp(p, "M") == 0) {
            if (strcmp(nm, "process_name") == 0)
                procs[np++] = json_integer_value(pid);
            else if (strcmp(nm, "thread_name") == 0)
                threads[nt++] = key;
            continue;
        }
        if (!json_is_number(ts) || (strcmp(p, "X") == 0 && !json_is_number(dur))) {
            PROBLEM("event %zu (%s): ts or dur missing", i, nm);
            continue;
        }
        if (strcmp(p, "X") == 0 && json_number_value(dur) < 0)
            PROBLEM("event %zu (%s): negative dur", i, nm);
        x[nx++] = (ev_t){(int32_t)json_integer_value(pid), (int32_t)json_integer_value(tid),
                         ps_of(ts), strcmp(p, "X") == 0 ? ps_of(ts) + ps_of(dur) : ps_of(ts), i};
    }
    st->events = nx;
    /* Track by track in file order: ts never goes back, and each complete
     * event either starts after the enclosing ones end or lies wholly
     * inside them (a stack of open ends); depth 1 is disjoint. */
    qsort(x, nx, sizeof *x, by_track);
    int64_t *open = calloc(nx + 1, sizeof *open);
    size_t depth = 0;
    for (size_t i = 0; i < nx; i++) {
        bool fresh = i == 0 || x[i].pid != x[i - 1].pid || x[i].tid != x[i - 1].tid;
        if (fresh) {
            st->tracks++;
            depth = 0;
            int64_t key = (int64_t)x[i].pid << 32 | (uint32_t)x[i].tid;
            if (!has(procs, np, x[i].pid))
                PROBLEM("pid %d: no process_name", x[i].pid);
            if (!has(threads, nt, key))
                PROBLEM("pid %d tid %d: no thread_name", x[i].pid, x[i].tid);
        } else if (x[i].ts < x[i - 1].ts) {
            PROBLEM("pid %d tid %d: event %zu starts before the one before it", x[i].pid,
                    x[i].tid, x[i].at);
        }
        while (depth > 0 && open[depth - 1] <= x[i].ts)
            depth--;
        if (depth > 0 && x[i].end > open[depth - 1]) {
            st->overlaps++;
            PROBLEM("pid %d tid %d: event %zu overlaps an earlier one", x[i].pid, x[i].tid,
                    x[i].at);
        }
        open[depth++] = x[i].end;
        if (depth > st->max_depth)
            st->max_depth = depth;
    }
    free(open);
    free(x);
    free(procs);
    free(threads);
    json_decref(doc);
    return problems;
}

/* Asserts that tdir/OUT/timeline.json passes and that its tracks are
 * plain sequences (depth 1); returns its figures. */
static timeline_stats_t expect_clean(void)
{
    timeline_stats_t st;
    char why[256];
    int bad = timeline_check(in_tdir(OUT "/timeline.json"), &st, why, sizeof why);
    ck_assert_msg(bad == 0, "%d problems, the first: %s", bad, why);
    ck_assert_uint_eq(st.overlaps, 0);
    ck_assert_uint_eq(st.max_depth, 1);
    return st;
}

/* The skeleton: 8 ranks, each a compute track and a "world" track of 3
 * iterations of one compute and one all-reduce. */
START_TEST(skeleton_timeline_is_clean)
{
    write_scenario(TOPO_OK, WL_OK, MORE_OK);
    run_expect(0, "run", "s.json", "-o", OUT, "--quiet", NULL);
    timeline_stats_t st = expect_clean();
    ck_assert_uint_eq(st.tracks, 8 * 2);
    ck_assert_uint_eq(st.events, 8 * 2 * 3);
}
END_TEST

/* The goodput test job with a pipeline (tp 4, pp 2, dp 2 on 16 GPUs, 4
 * microbatches a replica): recvs posted ahead on "pp" overlap, so "pp"
 * needs lanes; the file must still pass. And ranks.csv: collectives_s
 * is time with communication under way, at most the rank's end, and
 * holds the exposed and waiting time (not computing, communication
 * pending), which it contains. */
START_TEST(pipelined_megatron_timeline_is_clean)
{
    copy_into_tdir("tests/data/goodput/fattree.json", "s.json");
    run_expect(0, "run", "s.json", "-o", OUT, "--quiet", "--set", "workload.layout.tp=4",
               "--set", "workload.layout.pp=2", "--set", "workload.layout.dp=2", "--set",
               "workload.layout.global_batch=8", NULL);
    timeline_stats_t st = expect_clean();
    ck_assert_uint_gt(st.events, 16 * 4);
    char *tl = slurp(OUT "/timeline.json");
    ck_assert_ptr_nonnull(strstr(tl, "\"name\":\"pp 2\"")); /* a second lane was needed */
    free(tl);

    char *csv = slurp(OUT "/ranks.csv");
    ck_assert_ptr_nonnull(csv);
    char *line = strchr(csv, '\n');
    ck_assert_ptr_nonnull(line);
    int rows = 0;
    for (line++; *line; rows++) {
        int rank, gpu, server;
        double comp, coll, exposed, waiting, idle, end;
        ck_assert_int_eq(sscanf(line, "%d,%d,%d,%lf,%lf,%lf,%lf,%lf,%lf", &rank, &gpu, &server,
                                &comp, &coll, &exposed, &waiting, &idle, &end),
                         9);
        ck_assert_double_le(coll, end * (1 + 1e-9));
        ck_assert_double_le(exposed + waiting, coll * (1 + 1e-9));
        ck_assert_double_le(comp, end * (1 + 1e-9));
        char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : line + strlen(line);
    }
    ck_assert_int_eq(rows, 16);
    free(csv);
}
END_TEST

/* A broken file: each of the defects the checker names, alone. */
static const char *const broken[][2] = {
    {"overlap", "[{'name':'process_name','ph':'M','pid':0,'tid':0,'args':{'name':'r'}},"
                "{'name':'thread_name','ph':'M','pid':0,'tid':0,'args':{'name':'t'}},"
                "{'name':'a','ph':'X','pid':0,'tid':0,'ts':0,'dur':10},"
                "{'name':'b','ph':'X','pid':0,'tid':0,'ts':5,'dur':10}]"},
    {"starts before", "[{'name':'process_name','ph':'M','pid':0,'tid':0,'args':{'name':'r'}},"
                      "{'name':'thread_name','ph':'M','pid':0,'tid':0,'args':{'name':'t'}},"
                      "{'name':'a','ph':'X','pid':0,'tid':0,'ts':20,'dur':1},"
                      "{'name':'b','ph':'X','pid':0,'tid':0,'ts':5,'dur':1}]"},
    {"ts or dur missing", "[{'name':'process_name','ph':'M','pid':0,'tid':0,'args':{}},"
                          "{'name':'thread_name','ph':'M','pid':0,'tid':0,'args':{}},"
                          "{'name':'a','ph':'X','pid':0,'tid':0,'ts':0}]"},
    {"name, ph, pid or tid", "[{'ph':'X','pid':0,'tid':0,'ts':0,'dur':1}]"},
    {"no process_name", "[{'name':'thread_name','ph':'M','pid':0,'tid':0,'args':{}},"
                        "{'name':'a','ph':'X','pid':0,'tid':0,'ts':0,'dur':1}]"},
    {"no thread_name", "[{'name':'process_name','ph':'M','pid':0,'tid':0,'args':{}},"
                       "{'name':'a','ph':'X','pid':0,'tid':1,'ts':0,'dur':1}]"},
};

START_TEST(checker_rejects_each_defect)
{
    write_json("t.json", "%s", broken[_i][1]);
    timeline_stats_t st;
    char why[256];
    ck_assert_int_eq(timeline_check(in_tdir("t.json"), &st, why, sizeof why), 1);
    ck_assert_msg(strstr(why, broken[_i][0]), "%s: %s", broken[_i][0], why);
}
END_TEST

/* Nesting wholly inside is what the format allows; touching is not
 * overlapping. */
START_TEST(checker_accepts_nesting_and_touching)
{
    write_json("t.json", "[{'name':'process_name','ph':'M','pid':0,'tid':0,'args':{}},"
                         "{'name':'thread_name','ph':'M','pid':0,'tid':0,'args':{}},"
                         "{'name':'a','ph':'X','pid':0,'tid':0,'ts':0,'dur':10},"
                         "{'name':'b','ph':'X','pid':0,'tid':0,'ts':2,'dur':8},"
                         "{'name':'c','ph':'X','pid':0,'tid':0,'ts':10,'dur':5}]");
    timeline_stats_t st;
    char why[256];
    ck_assert_int_eq(timeline_check(in_tdir("t.json"), &st, why, sizeof why), 0);
    ck_assert_uint_eq(st.max_depth, 2);
    ck_assert_uint_eq(st.events, 3);
}
END_TEST

Suite *timeline_suite(void)
{
    Suite *s = suite_create("timeline");
    TCase *tc = new_tcase("timeline");
    tcase_add_test(tc, skeleton_timeline_is_clean);
    tcase_add_test(tc, pipelined_megatron_timeline_is_clean);
    tcase_add_loop_test(tc, checker_rejects_each_defect, 0,
                        (int)(sizeof broken / sizeof broken[0]));
    tcase_add_test(tc, checker_accepts_nesting_and_touching);
    suite_add_tcase(s, tc);
    return s;
}
