/* cli/collective.c — `tensim collective`: time one collective over a
 * fabric for a range of sizes, printed as nccl-tests prints it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/coll/algo.h"
#include "sim/coll/latency.h"
#include "sim/job/measure.h"
#include "sim/net/net.h"

/* The four %s: the operations, algorithms, models and protocols, joined
 * by '|' (names_join()), so the list a new table row adds is current. */
static const char coll_synopsis[] =
    "usage: tensim collective --topo FABRIC --op OP [options]\n"
    "  times one collective over the first N GPUs of a fabric for a range of sizes,\n"
    "  printed as nccl-tests prints it; FABRIC is a preset, a spec or scenario file\n"
    "  OP: %s\n"
    "  ALGO: %s\n"
    "  MODEL: %s\n"
    "  PROTOCOL: %s\n";

static const cli_option_t coll_options[] = {
    {"topo", 0, "FABRIC", 't', "the fabric: a preset, a spec file or a scenario file (required)"},
    CLI_OPT_SET,
    {"op", 0, "OP", 'p', "the collective operation (required)"},
    {"algo", 0, "ALGO", 'a', "the algorithm (default auto: NCCL's tuner picks per size)"},
    {"ranks", 0, "N|all", 'r', "the first N GPUs of the fabric take part (default all)"},
    {"sizes", 0, "LOW:HIGH", 'z', "sizes doubling from LOW to HIGH, or one SIZE (default 1K:1G)"},
    {"model", 0, "MODEL", 'm', "the network model (default flow)"},
    {"protocol", 0, "PROTOCOL", 'P', "NCCL's protocol (default auto: the tuner's per size)"},
    {"chunk-bytes", 0, "N", 'c', "the chunk of a ring step, a size (8, 64K, 1M)"},
    {"channels", 0, "N|auto", 'C', "channels, 1 to 64 (default auto: NCCL's channel loop)"},
    {"root", 0, "R", 'R', "the root rank of broadcast and reduce (default 0)"},
    {"json", 0, NULL, 'j', "print the rows as JSON"},
    {"csv", 0, NULL, 'v', "print the rows as CSV"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const char *const ops[] = {"allreduce", "reducescatter", "allgather", "broadcast",
                                  "reduce", "alltoall", NULL};

/* A size: "8", "64K", "1M", "8G" (powers of 1024), up to 2^44 (16T). */
static const cli_num_t size_num = {.kind = CLI_NUM_SIZE, .min = 1, .max = 1ull << 44};

/* What the options ask for. */
typedef struct {
    const char *topo, *ranks, *sizes;
    int op, algo, model, proto;
    int format; /* 0 table, 1 json, 2 csv */
    uint64_t chunk, channels, root; /* channels 0: NCCL's channel loop */
    uint64_t lo, hi;                /* the sizes, doubling from lo */
} coll_args_t;

/* The names the options take, NULL-terminated, in the tables' order (a
 * name's index is its row). */
enum { NAMES_CAP = 32 }; /* rows a table may have, plus the NULL */
typedef struct {
    const char *algos[NAMES_CAP], *models[NAMES_CAP], *protos[NAMES_CAP];
} coll_names_t;

/* O(rows of the three tables). */
static void coll_names_init(coll_names_t *nm)
{
    TN_NAMES_FILL(sim_coll_algos, sim_coll_algos_n, nm->algos, NAMES_CAP);
    TN_NAMES_FILL(sim_net_models, sim_net_models_n, nm->models, NAMES_CAP);
    TN_NAMES_FILL(sim_protocols, sim_protocols_n, nm->protos, NAMES_CAP);
}

/* The algorithms are listed from row 1 and their default (auto, row 0)
 * last, as the messages and the usage have always listed them. */
_Static_assert(SIM_ALGO_AUTO == 0, "auto is row 0 of sim_coll_algos[]");
enum { ALGOS_FROM = 1 };

/* names joined by sep, with `last` before the final one, into buf (cut
 * at cap): from names[first] to the end, then names[0 .. first). Returns
 * buf. O(length). */
static const char *names_join(char *buf, size_t cap, const char *const *names, int first,
                              const char *sep, const char *last)
{
    int n = 0;
    while (names[n])
        n++;
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < n && len < cap; k++) {
        const char *before = k == 0 ? "" : k + 1 < n ? sep : last;
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", before, names[(first + k) % n]);
    }
    return buf;
}

/* The index of s among names, or -1. O(names). */
static int pick(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

/* An option that names one of a list (c as getopt_long returns it). -1
 * to read on, 2 after reporting a bad name, -2 when c is not one. */
static int name_option(int c, coll_args_t *a)
{
    coll_names_t nm;
    coll_names_init(&nm);
    const struct {
        int c;
        const char *const *names;
        int *dst;
        int first;         /* the name listed first (names_join()) */
        const char *error; /* two %s: the value and the names, in that order or not */
        bool names_first;
        const char *last; /* before the last name */
    } lists[] = {
        {'p', ops, &a->op, 0, "collective: --op: unknown operation '%s' (%s)", false, ", "},
        {'a', nm.algos, &a->algo, ALGOS_FROM, "collective: --algo: unknown algorithm '%s' (%s)",
         false, ", "},
        {'m', nm.models, &a->model, 0, "collective: --model: expected %s, got '%s'", true, " or "},
        {'P', nm.protos, &a->proto, 0, "collective: --protocol: expected %s, got '%s'", true,
         " or "},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (lists[i].c != c)
            continue;
        if ((*lists[i].dst = pick(lists[i].names, optarg)) < 0) {
            char list[256];
            names_join(list, sizeof list, lists[i].names, lists[i].first, ", ", lists[i].last);
            if (lists[i].names_first)
                cli_error(lists[i].error, list, optarg);
            else
                cli_error(lists[i].error, optarg, list);
            return 2;
        }
        return -1;
    }
    return -2;
}

/* An option with a number: --chunk-bytes, --channels, --root. -1 to read
 * on, 2 after reporting a bad value, -2 when c is not one. */
static int number_option(int c, coll_args_t *a)
{
    static const cli_num_t chunk = {.kind = CLI_NUM_SIZE, .min = 1, .max = 1ull << 40},
                           channels = {.kind = CLI_NUM_INT, .min = 1, .max = 64},
                           root = {.kind = CLI_NUM_INT, .min = 0, .max = 1u << 24};
    cli_value_t v = {0};
    int rc;
    if (c == 'c') {
        rc = cli_option_number("collective", "--chunk-bytes", optarg, &chunk,
                               "a size from 1 to 1T (8, 64K, 1M, ...)", &v);
        a->chunk = v.u;
    } else if (c == 'C' && !strcmp(optarg, "auto")) {
        rc = 0;
        a->channels = 0;
    } else if (c == 'C') {
        rc = cli_option_number("collective", "--channels", optarg, &channels,
                               "auto or an integer from 1 to 64", &v);
        a->channels = v.u;
    } else if (c == 'R') {
        rc = cli_option_number("collective", "--root", optarg, &root,
                               "an integer from 0 to 16777216", &v);
        a->root = v.u;
    } else {
        return -2;
    }
    return rc ? rc : -1;
}

/* One option; -1 to read on, else the exit status. */
static int take_option(int c, coll_args_t *a, cli_opts_t *o, const char *arg)
{
    int rc = name_option(c, a);
    if (rc == -2)
        rc = number_option(c, a);
    if (rc != -2)
        return rc;
    switch (c) {
    case 't':
        a->topo = optarg;
        return -1;
    case 'r':
        a->ranks = optarg;
        return -1;
    case 'z':
        a->sizes = optarg;
        return -1;
    case 'j':
    case 'v':
        /* one format: the later would silently win */
        if (a->format && a->format != (c == 'j' ? 1 : 2)) {
            cli_error("collective: give one of --json and --csv");
            return 2;
        }
        a->format = c == 'j' ? 1 : 2;
        return -1;
    case 1:
        cli_error("collective: unexpected argument '%s' (see tensim collective --help)", optarg);
        return 2;
    default:
        return cli_opts_take(o, c, arg);
    }
}

/* --sizes: SIZE or LOW:HIGH into a->lo and a->hi. -1, or 2 after the error. */
static int parse_sizes(coll_args_t *a)
{
    const char *colon = strchr(a->sizes, ':');
    char first[64];
    snprintf(first, sizeof first, "%.*s", colon ? (int)(colon - a->sizes) : 63, a->sizes);
    cli_value_t lo, hi;
    if (cli_number(first, &size_num, &lo) || cli_number(colon ? colon + 1 : first, &size_num, &hi) ||
        lo.u > hi.u) {
        cli_error("collective: --sizes: expected SIZE or LOW:HIGH (like 1K:8G, from 1 byte to "
                  "16T, low <= high), got '%s'", a->sizes);
        return 2;
    }
    a->lo = lo.u;
    a->hi = hi.u;
    return -1;
}

/* Times the collective at every size over n ranks of t into rows (a JSON
 * array). Returns the exit status. */
static int measure(const topo_t *t, const coll_args_t *a, int32_t n, json_t *rows)
{
    sim_coll_spec_t cs = {.op = (wl_coll_t)a->op, .algo = (sim_algo_t)a->algo,
                          .chunk_bytes = a->chunk, .channels = (int32_t)a->channels,
                          .root = (int32_t)a->root};
    TN_ASSERT(sim_latency_apply(sim_protocols[a->proto].name, &cs, NULL) == 0);
    tn_error_t err = {0};
    for (uint64_t size = a->lo; size <= a->hi; size *= 2) {
        cs.bytes = size;
        sim_measure_t m;
        if (sim_measure_collective(t, (sim_net_model_t)a->model, &cs, n, &m, &err)) {
            cli_error("collective: %s", err.msg);
            return tn_error_exit_status(&err);
        }
        double us = sim_time_to_s(m.time_ps) * 1e6;
        double algbw = m.time_ps ? (double)size / sim_time_to_s(m.time_ps) / 1e9 : 0;
        json_t *row = json_object();
        json_object_set_new(row, "size_bytes", json_integer((json_int_t)size));
        json_object_set_new(row, "time_us", json_real(us));
        json_object_set_new(row, "algbw_gbs", json_real(algbw));
        json_object_set_new(row, "busbw_gbs", json_real(algbw * sim_busbw_factor((wl_coll_t)a->op, n)));
        json_object_set_new(row, "algorithm", json_string(sim_coll_algo_name(m.algo)));
        json_object_set_new(row, "protocol", json_string(sim_proto_name(m.proto)));
        json_object_set_new(row, "channels", json_integer(m.channels));
        json_array_append_new(rows, row);
        if (size > UINT64_MAX / 2)
            break;
    }
    return 0;
}

/* The rows as JSON, an nccl-tests table or CSV. */
static void print_rows(const coll_args_t *a, int32_t n, json_t *rows)
{
    if (a->format == 1) {
        char *js = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        puts(js);
        free(js);
        return;
    }
    if (a->format == 0)
        printf("# %s, %d ranks, %s algorithm, %s model, %s protocol, %s channels\n"
               "# %14s %12s %12s %12s  %-9s %-8s %s\n",
               ops[a->op], n, sim_coll_algo_name((sim_algo_t)a->algo),
               sim_net_models[a->model].name, sim_protocols[a->proto].name,
               a->channels ? "forced" : "auto", "size_bytes", "time_us", "algbw_gbs", "busbw_gbs",
               "algorithm", "protocol", "channels");
    else
        printf("size_bytes,time_us,algbw_gbs,busbw_gbs,algorithm,protocol,channels\n");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        unsigned long long size = (unsigned long long)json_integer_value(json_object_get(row, "size_bytes"));
        double us = json_real_value(json_object_get(row, "time_us"));
        double alg = json_real_value(json_object_get(row, "algbw_gbs"));
        double bus = json_real_value(json_object_get(row, "busbw_gbs"));
        const char *name = json_string_value(json_object_get(row, "algorithm"));
        const char *pr = json_string_value(json_object_get(row, "protocol"));
        long long ch = (long long)json_integer_value(json_object_get(row, "channels"));
        if (a->format == 0)
            printf("  %14llu %12.2f %12.2f %12.2f  %-9s %-8s %lld\n", size, us, alg, bus, name, pr,
                   ch);
        else
            printf("%llu,%.6g,%.6g,%.6g,%s,%s,%lld\n", size, us, alg, bus, name, pr, ch);
    }
}

/* Over the fabric: --ranks, then measure and print. Returns the exit status. */
static int run_on(const topo_t *t, const coll_args_t *a)
{
    int32_t n = t->n_gpus;
    if (strcmp(a->ranks, "all")) {
        cli_num_t want = {.kind = CLI_NUM_INT, .min = 1, .max = (uint64_t)t->n_gpus};
        char expected[96];
        snprintf(expected, sizeof expected, "'all' or 1 to %d (the fabric's gpus)", t->n_gpus);
        cli_value_t v;
        if (cli_option_number("collective", "--ranks", a->ranks, &want, expected, &v))
            return 2;
        n = (int32_t)v.u;
    }
    /* checked here, where the ranks are known, so the message names the
     * option rather than the simulator's field */
    if ((a->op == WL_COLL_BROADCAST || a->op == WL_COLL_REDUCE) && a->root >= (uint64_t)n) {
        cli_error("collective: --root: expected a rank from 0 to %d, got %llu", n - 1,
                  (unsigned long long)a->root);
        return 2;
    }
    /* Everything is measured first and printed at the end: a size that
     * fails leaves no half-printed table behind. */
    json_t *rows = json_array();
    int rc = measure(t, a, n, rows);
    if (rc == 0)
        print_rows(a, n, rows);
    json_decref(rows);
    return rc;
}

int cli_collective(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, coll_options);
    (void)command_line;
    coll_args_t a = {.ranks = "all", .sizes = "1K:1G", .op = -1, .algo = SIM_ALGO_AUTO,
                     .model = SIM_NET_FLOW};
    coll_names_t nm;
    coll_names_init(&nm);
    char names[4][128], synopsis[sizeof coll_synopsis + sizeof names];
    snprintf(synopsis, sizeof synopsis, coll_synopsis,
             names_join(names[0], sizeof names[0], ops, 0, "|", "|"),
             names_join(names[1], sizeof names[1], nm.algos, ALGOS_FROM, "|", "|"),
             names_join(names[2], sizeof names[2], nm.models, 0, "|", "|"),
             names_join(names[3], sizeof names[3], nm.protos, 0, "|", "|"));
    cli_usage_t usage = {synopsis, coll_options};
    cli_opts_t o;
    cli_opts_init(&o, "collective", &usage, argc);
    int c, rc = -1;
    optind = 0;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1)
        rc = take_option(c, &a, &o, argv[optind - 1]);
    if (rc < 0 && (!a.topo || a.op < 0)) {
        cli_error("collective: --topo and --op are required (see tensim collective --help)");
        rc = 2;
    }
    if (rc < 0)
        rc = parse_sizes(&a);
    tn_error_t err = {0};
    topo_spec_t spec;
    topo_t t;
    if (rc < 0 && cli_build_fabric(a.topo, o.sets, o.n_sets, &spec, &t, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else if (rc < 0) {
        rc = run_on(&t, &a);
        topo_destroy(&t);
        topo_spec_destroy(&spec);
    }
    cli_opts_destroy(&o);
    return rc;
}
