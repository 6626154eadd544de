/* validate/simgrid.c — tensim's flow model against SimGrid, a trusted
 * max-min flow simulator (Debian's libsimgrid-dev; a test-only
 * dependency).
 *
 * usage: build/validate/simgrid [--hosts N] [--flows N,N,...] [-o FILE]
 * Builds a 3-tier fat-tree of bare hosts (radix 36, 100 Gbps, no latency;
 * 10,240 hosts unless --hosts), and for each flow count two random flow
 * sets (all starting at once; starts spread over 5 ms), with seeded
 * sources, destinations and sizes (1 to 64 MiB). Each set runs in tensim
 * (flow model) and in SimGrid set to plain max-min (network/model CM02,
 * crosstraffic 0, TCP-gamma 0, weight-S 0, tight precision), on the same
 * links with the same routes: tensim's routing decides each (source,
 * destination) path and SimGrid is given it as a route of its Full zone.
 * Latency is zero on both sides (it adds to both alike). Prints a
 * Markdown table (the largest relative difference of a completion time,
 * and each simulator's wall time) and writes FILE as JSON (default
 * out/validation/simgrid.json). Exit status 1 when a difference exceeds
 * 1e-6, 2 on bad input.
 *
 * SimGrid can run only one simulation per process, so each set's SimGrid
 * run is a child process that sends the completion times back through a
 * pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>

#include "common/tn_file.h"
#include "common/tn_rng.h"
#include "common/tn_text.h"
#include "sim/engine/engine.h"
#include "sim/net/net.h"
#include "topology/route.h"
#include "topology/spec.h"

typedef struct {
    int32_t src, dst;   /* host indices (t->gpus) */
    uint64_t bytes;
    double start;       /* seconds */
} flow_t;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static flow_t *make_flows(int32_t hosts, int32_t n, bool staggered, uint64_t id)
{
    gsl_rng *r = tn_rng_stream(1, TN_RNG_TEST, id);
    flow_t *f = tn_malloc((size_t)n * sizeof *f);
    for (int32_t i = 0; i < n; i++) {
        f[i].src = (int32_t)gsl_rng_uniform_int(r, (unsigned long)hosts);
        do
            f[i].dst = (int32_t)gsl_rng_uniform_int(r, (unsigned long)hosts);
        while (f[i].dst == f[i].src);
        f[i].bytes = (1ull << 20) + gsl_rng_uniform_int(r, 63ul << 20);
        /* whole picoseconds, so both simulators start a flow at the same instant */
        f[i].start = staggered ? floor(gsl_rng_uniform(r) * 5e9) * 1e-12 : 0;
    }
    gsl_rng_free(r);
    return f;
}

/* ---- tensim ---- */

typedef struct {
    sim_net_t *net;
    const topo_t *t;
    const flow_t *f;
    double *done;
} tensim_run_t;

static void on_done(sim_engine_t *eng, void *ctx, uint64_t i)
{
    tensim_run_t *r = ctx;
    r->done[i] = (double)sim_now(eng) * 1e-12;
}

static void on_start(sim_engine_t *eng, void *ctx, uint64_t i)
{
    (void)eng;
    tensim_run_t *r = ctx;
    const flow_t *f = &r->f[i];
    sim_net_send(r->net, r->t->gpus[f->src], r->t->gpus[f->dst], f->bytes, 0, 0, on_done, r, i);
}

static void run_tensim(const topo_t *t, const flow_t *f, int32_t n, double *done)
{
    sim_engine_t eng;
    sim_net_t net;
    sim_engine_init(&eng);
    TN_ASSERT(sim_net_init(&net, &eng, t, SIM_NET_FLOW, NULL) == 0);
    tensim_run_t r = {&net, t, f, done};
    for (int32_t i = 0; i < n; i++)
        sim_schedule_in(&eng, (sim_time_t)llround(f[i].start * 1e12), on_start, &r, (uint64_t)i);
    sim_run(&eng, SIM_TIME_MAX);
    sim_net_destroy(&net);
    sim_engine_destroy(&eng);
}

/* ---- SimGrid ---- */

/* The platform: every host, every directed link a route uses, and the
 * route of every (source, destination) pair of the set, as tensim routes
 * it (connection 0, which tensim's flows above use too). */
static char *write_platform(const topo_t *t, const flow_t *f, int32_t n, tn_error_t *err)
{
    tn_text_t x = {0};
    tn_text_put(&x, "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM "
                    "\"https://simgrid.org/simgrid.dtd\">\n<platform version=\"4.1\">\n"
                    "<zone id=\"fabric\" routing=\"Full\">\n");
    for (int32_t h = 0; h < t->n_gpus; h++)
        tn_text_put(&x, "<host id=\"h%d\" speed=\"1Gf\"/>\n", h);
    topo_route_t route;
    topo_route_init(&route, t);
    uint8_t *used = tn_calloc((size_t)t->n_edges, 1);
    int32_t path[4096];
    tn_text_t routes = {0};
    /* one route per distinct pair */
    uint64_t *seen = tn_calloc((size_t)n, sizeof *seen);
    size_t n_seen = 0;
    for (int32_t i = 0; i < n; i++) {
        uint64_t key = (uint64_t)f[i].src << 32 | (uint32_t)f[i].dst;
        bool dup = false;
        for (size_t k = 0; k < n_seen && !dup; k++)
            dup = seen[k] == key;
        if (dup)
            continue;
        seen[n_seen++] = key;
        int hops = topo_route_path(&route, t->gpus[f[i].src], t->gpus[f[i].dst], 0, path, 4096, NULL);
        TN_ASSERT(hops > 0);
        tn_text_put(&routes, "<route src=\"h%d\" dst=\"h%d\" symmetrical=\"NO\">", f[i].src, f[i].dst);
        for (int h = 0; h < hops; h++) {
            used[path[h]] = 1;
            tn_text_put(&routes, "<link_ctn id=\"l%d\"/>", path[h]);
        }
        tn_text_put(&routes, "</route>\n");
    }
    for (int32_t e = 0; e < t->n_edges; e++)
        if (used[e])
            tn_text_put(&x, "<link id=\"l%d\" bandwidth=\"%.17gBps\" latency=\"0s\"/>\n", e,
                        (double)t->bps[e] / 8);
    tn_text_put(&x, "%s</zone>\n</platform>\n", routes.s);
    free(routes.s);
    free(seen);
    free(used);
    topo_route_destroy(&route);
    char *path_xml = strdup("/tmp/tensim-simgrid-XXXXXX.xml");
    int fd = mkstemps(path_xml, 4);
    if (fd < 0 || write(fd, x.s, x.n) != (ssize_t)x.n) {
        tn_error_set(err, TN_EIO, "%s: cannot write the SimGrid platform", path_xml);
        if (fd >= 0)
            close(fd);
        free(path_xml);
        free(x.s);
        return NULL;
    }
    close(fd);
    free(x.s);
    return path_xml;
}

static const flow_t *sg_flows;
static double *sg_done;

static void sg_sender(int argc, char **argv)
{
    (void)argc;
    int i = atoi(argv[1]);
    sg_actor_sleep_until(sg_flows[i].start);
    char mb[32];
    snprintf(mb, sizeof mb, "f%d", i);
    static char payload; /* SimGrid moves no data, but wants a pointer */
    sg_mailbox_put(sg_mailbox_by_name(mb), &payload, (long)sg_flows[i].bytes);
    sg_done[i] = simgrid_get_clock();
}

static void sg_receiver(int argc, char **argv)
{
    (void)argc;
    char mb[32];
    snprintf(mb, sizeof mb, "f%s", argv[1]);
    sg_mailbox_get(sg_mailbox_by_name(mb));
}

/* In a child: the set in SimGrid, completion times written to fd. */
static int child_simgrid(const char *platform, const flow_t *f, int32_t n, int fd)
{
    char *argv[] = {"simgrid",
                    "--cfg=network/model:CM02",
                    "--cfg=network/crosstraffic:0",
                    "--cfg=network/TCP-gamma:0",
                    "--cfg=network/weight-S:0",
                    "--cfg=maxmin/precision:1e-13",
                    "--cfg=surf/precision:1e-13",
                    "--cfg=contexts/stack-size:64",
                    "--log=root.thres:critical",
                    NULL};
    int argc = 9;
    simgrid_init(&argc, argv);
    simgrid_load_platform(platform);
    sg_flows = f;
    sg_done = tn_calloc((size_t)n, sizeof *sg_done);
    for (int32_t i = 0; i < n; i++) {
        char name[32], idx[16];
        snprintf(idx, sizeof idx, "%d", i);
        const char *args[] = {"flow", idx};
        snprintf(name, sizeof name, "h%d", f[i].src);
        sg_actor_create_("send", sg_host_by_name(name), sg_sender, 2, args);
        snprintf(name, sizeof name, "h%d", f[i].dst);
        sg_actor_create_("recv", sg_host_by_name(name), sg_receiver, 2, args);
    }
    simgrid_run();
    size_t len = (size_t)n * sizeof *sg_done;
    ssize_t w = write(fd, sg_done, len);
    return w == (ssize_t)len ? 0 : 1;
}

/* The set in SimGrid (in a child process); completion times into done,
 * its wall time (platform loading included) into *wall. */
static int run_simgrid(const topo_t *t, const flow_t *f, int32_t n, double *done, double *wall,
                       tn_error_t *err)
{
    char *platform = write_platform(t, f, n, err);
    if (!platform)
        return -1;
    int p[2];
    TN_ASSERT(pipe(p) == 0);
    double t0 = wall_now();
    pid_t pid = fork();
    TN_ASSERT(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        _exit(child_simgrid(platform, f, n, p[1]));
    }
    close(p[1]);
    size_t got = 0, len = (size_t)n * sizeof *done;
    while (got < len) {
        ssize_t r = read(p[0], (char *)done + got, len - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    *wall = wall_now() - t0;
    unlink(platform);
    free(platform);
    if (got != len || !WIFEXITED(status) || WEXITSTATUS(status))
        return tn_error_set(err, TN_EINPUT, "SimGrid failed on a set of %d flows", n);
    return 0;
}

/* The command line: the fabric's size, the flow counts, the JSON file. */
typedef struct {
    int32_t hosts;
    const char *out, *counts;
} args_t;

/* Reads the options into a; returns 0, or 2 (the exit status) on bad
 * input, its message printed. */
static int parse_args(int argc, char **argv, args_t *a)
{
    a->hosts = 10240;
    a->out = "out/validation/simgrid.json";
    a->counts = "10,100,1000,10000";
    static const struct option opts[] = {{"hosts", required_argument, NULL, 'H'},
                                         {"flows", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, "o:", opts, NULL)) != -1;) {
        if (c == 'H')
            a->hosts = atoi(optarg);
        else if (c == 'f')
            a->counts = optarg;
        else if (c == 'o')
            a->out = optarg;
        else
            return 2;
    }
    if (a->hosts < 2 || a->hosts > 11664) {
        fprintf(stderr, "simgrid: --hosts: expected 2 to 11664, got %d\n", a->hosts);
        return 2;
    }
    return 0;
}

/* The 3-tier fat-tree of `hosts` bare hosts into spec and t (t
 * initialised either way); returns 0, or 2 with the message printed. */
static int build_fabric(int32_t hosts, topo_spec_t *spec, topo_t *t)
{
    char doc[512];
    snprintf(doc, sizeof doc,
             "{\"kind\": \"fat-tree\", \"servers\": %d, \"server\": {\"gpus\": 1, \"nics\": "
             "{\"count\": 0}, \"gpu_port_bw_gbps\": 100}, \"fabric\": {\"tiers\": 3, \"radix\": 36, "
             "\"bw_gbps\": 100, \"latency_ns\": 0}}",
             hosts);
    json_t *spec_json = json_loads(doc, 0, NULL);
    tn_error_t err = {0};
    topo_init(t);
    if (topo_spec_parse(spec, spec_json, "simgrid", "topology", &err) ||
        topo_spec_build(spec, t, &err)) {
        fprintf(stderr, "simgrid: %s\n", err.msg);
        return 2;
    }
    json_decref(spec_json);
    return 0;
}

/* One set of n flows (all at once, or staggered) in both simulators: its
 * row appended to md and rows. Returns status raised to 1 when a
 * completion time differs by more than 1e-6, to 2 when SimGrid failed
 * (its message printed). */
static int compare_set(const topo_t *t, int32_t hosts, int32_t n, int staggered, tn_text_t *md,
                       json_t *rows, int status)
{
    flow_t *f = make_flows(hosts, n, staggered, (uint64_t)n * 2 + (uint64_t)staggered);
    double *a = tn_calloc((size_t)n, sizeof *a), *b = tn_calloc((size_t)n, sizeof *b);
    double t0 = wall_now();
    run_tensim(t, f, n, a);
    double tw = wall_now() - t0, sw = 0, worst = 0;
    tn_error_t err = {0};
    if (run_simgrid(t, f, n, b, &sw, &err)) {
        fprintf(stderr, "simgrid: %s\n", err.msg);
        status = 2;
    } else {
        for (int32_t i = 0; i < n; i++) {
            double d = fabs(a[i] - b[i]) / b[i];
            if (d > worst)
                worst = d;
        }
        if (worst > 1e-6)
            status = 1;
        tn_text_put(md, "| %d | %s | %.2e | %.3f | %.3f |\n", n,
                    staggered ? "over 5 ms" : "at once", worst, tw, sw);
        json_t *o = json_object();
        json_object_set_new(o, "flows", json_integer(n));
        json_object_set_new(o, "staggered", json_boolean(staggered));
        json_object_set_new(o, "max_relative_difference", json_real(worst));
        json_object_set_new(o, "tensim_wall_s", json_real(tw));
        json_object_set_new(o, "simgrid_wall_s", json_real(sw));
        json_array_append_new(rows, o);
    }
    free(a);
    free(b);
    free(f);
    return status;
}

/* Both sets for every count of the comma-separated list, until one
 * fails; returns the exit status so far (0, 1, or 2 on a bad count or a
 * SimGrid failure, its message printed). */
static int compare_counts(const topo_t *t, int32_t hosts, const char *counts, tn_text_t *md,
                          json_t *rows)
{
    int status = 0;
    char *list = strdup(counts);
    for (char *tok = strtok(list, ","); tok && status < 2; tok = strtok(NULL, ",")) {
        int32_t n = atoi(tok);
        if (n < 1 || n > 100000) {
            fprintf(stderr, "simgrid: --flows: expected counts from 1 to 100000, got '%s'\n", tok);
            status = 2;
            break;
        }
        for (int staggered = 0; staggered < 2; staggered++)
            status = compare_set(t, hosts, n, staggered, md, rows, status);
    }
    free(list);
    return status;
}

/* Prints the table md and writes rows to the file out as JSON; returns 0,
 * or 2 with the message printed. */
static int write_results(const tn_text_t *md, const json_t *rows, const char *out)
{
    fputs(md->s, stdout);
    char *js = json_dumps(rows, JSON_INDENT(2));
    tn_error_t err = {0};
    int status = 0;
    if (tn_write_file(out, js, strlen(js), &err)) {
        fprintf(stderr, "simgrid: %s\n", err.msg);
        status = 2;
    }
    free(js);
    return status;
}

int main(int argc, char **argv)
{
    args_t a;
    if (parse_args(argc, argv, &a))
        return 2;
    topo_spec_t spec;
    topo_t t;
    if (build_fabric(a.hosts, &spec, &t))
        return 2;
    tn_text_t md = {0};
    tn_text_put(&md, "### tensim's flow model against SimGrid (plain max-min), %d-host fat-tree\n\n"
                     "| flows | starts | largest relative difference of a completion time | "
                     "tensim wall s | SimGrid wall s |\n|---|---|---|---|---|\n",
                a.hosts);
    json_t *rows = json_array();
    int status = compare_counts(&t, a.hosts, a.counts, &md, rows);
    if (status < 2 && write_results(&md, rows, a.out))
        status = 2;
    json_decref(rows);
    free(md.s);
    topo_destroy(&t);
    topo_spec_destroy(&spec);
    return status;
}
