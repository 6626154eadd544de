/* cli/collective.c — `tensim collective`: time one collective over a
 * fabric for a range of sizes, printed as nccl-tests prints it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/coll/latency.h"
#include "sim/job/measure.h"

static const char coll_usage[] =
    "usage: tensim collective --topo PRESET|SPEC.json [--set KEY=VALUE]...\n"
    "         --op allreduce|reducescatter|allgather|broadcast|reduce|alltoall\n"
    "         [--algo ring|tree|hd|direct|hier|nvls|auto] [--ranks N|all] [--sizes 1K:8G]\n"
    "         [--model flow|analytic] [--protocol auto|simple|ll|ll128|none]\n"
    "         [--chunk-bytes N] [--channels N|auto] [--root R] [--json|--csv]\n";

/* "8", "64K", "1M", "8G" (powers of 1024), at most 2^44. */
static int parse_size(const char *s, uint64_t *out)
{
    errno = 0;
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    else if (*end == 'T' || *end == 't')
        shift = 40;
    if (shift)
        end++;
    if (errno || *end || v == 0 || v > (1ull << 44) >> shift)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int pick(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], s))
            return i;
    return -1;
}

int cli_collective(int argc, char **argv)
{
    static const struct option opts[] = {
        {"topo", required_argument, NULL, 't'},     {"set", required_argument, NULL, 'S'},
        {"op", required_argument, NULL, 'p'},       {"algo", required_argument, NULL, 'a'},
        {"ranks", required_argument, NULL, 'r'},    {"sizes", required_argument, NULL, 'z'},
        {"model", required_argument, NULL, 'm'},    {"protocol", required_argument, NULL, 'P'},
        {"chunk-bytes", required_argument, NULL, 'c'}, {"channels", required_argument, NULL, 'C'},
        {"root", required_argument, NULL, 'R'},     {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'v'},            {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const ops[] = {"allreduce", "reducescatter", "allgather", "broadcast",
                                      "reduce", "alltoall", NULL};
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    const char *topo_arg = NULL, *ranks_arg = "all", *sizes_arg = "1K:1G";
    int n_sets = 0, c, rc = 2, op = -1, algo = SIM_ALGO_AUTO, model = SIM_NET_FLOW, proto = 0;
    int format = 0; /* 0 table, 1 json, 2 csv */
    uint64_t chunk = 0, channels = 0, root = 0; /* channels 0: NCCL's channel loop */
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-:h", opts, NULL)) != -1) {
        const char *a = argv[optind - 1];
        switch (c) {
        case 't':
            topo_arg = optarg;
            break;
        case 'S':
            sets[n_sets++] = optarg;
            break;
        case 'p':
            if ((op = pick(ops, optarg)) < 0) {
                cli_error("collective: --op: unknown operation '%s' (allreduce, reducescatter, "
                          "allgather, broadcast, reduce, alltoall)", optarg);
                goto done;
            }
            break;
        case 'a':
            if ((algo = pick(sim_algo_names, optarg)) < 0) {
                cli_error("collective: --algo: unknown algorithm '%s' (ring, tree, hd, direct, "
                          "hier, nvls, auto)", optarg);
                goto done;
            }
            break;
        case 'r':
            ranks_arg = optarg;
            break;
        case 'z':
            sizes_arg = optarg;
            break;
        case 'm':
            if ((model = pick(sim_net_model_names, optarg)) < 0) {
                cli_error("collective: --model: expected flow or analytic, got '%s'", optarg);
                goto done;
            }
            break;
        case 'P':
            if ((proto = pick(sim_protocol_names, optarg)) < 0) {
                cli_error("collective: --protocol: expected auto, simple, ll, ll128 or none, got "
                          "'%s'", optarg);
                goto done;
            }
            break;
        case 'c':
            if (parse_size(optarg, &chunk) || chunk > 1ull << 40) {
                cli_error("collective: --chunk-bytes: expected a size from 1 to 1T (8, 64K, "
                          "1M, ...), got '%s'", optarg);
                goto done;
            }
            break;
        case 'C':
            if (!strcmp(optarg, "auto")) {
                channels = 0;
                break;
            }
            /* fall through */
        case 'R': {
            uint64_t *dst = c == 'C' ? &channels : &root;
            uint64_t max = c == 'C' ? 64 : (1u << 24);
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || *optarg == '-' || v > max || (c != 'R' && v == 0)) {
                cli_error("collective: %s: expected %san integer from %d to %llu, got '%s'",
                          c == 'C' ? "--channels" : "--root", c == 'C' ? "auto or " : "",
                          c == 'R' ? 0 : 1, (unsigned long long)max, optarg);
                goto done;
            }
            *dst = v;
            break;
        }
        case 'j':
            format = 1;
            break;
        case 'v':
            format = 2;
            break;
        case 'h':
            fputs(coll_usage, stdout);
            rc = 0;
            goto done;
        case 1:
            cli_error("collective: unexpected argument '%s' (see tensim collective --help)", optarg);
            goto done;
        default:
            cli_bad_option("collective", c, a);
            goto done;
        }
    }
    if (!topo_arg || op < 0) {
        cli_error("collective: --topo and --op are required (see tensim collective --help)");
        goto done;
    }
    uint64_t lo = 0, hi = 0;
    const char *colon = strchr(sizes_arg, ':');
    char first[64];
    snprintf(first, sizeof first, "%.*s", colon ? (int)(colon - sizes_arg) : 63, sizes_arg);
    if (parse_size(first, &lo) || parse_size(colon ? colon + 1 : first, &hi) || lo > hi) {
        cli_error("collective: --sizes: expected SIZE or LOW:HIGH (like 1K:8G, from 1 byte to "
                  "16T, low <= high), got '%s'", sizes_arg);
        goto done;
    }

    tn_error_t err = {0};
    topo_spec_t spec;
    topo_t t;
    if (cli_build_fabric(topo_arg, sets, n_sets, &spec, &t, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
        goto done;
    }
    int32_t n = t.n_gpus;
    if (strcmp(ranks_arg, "all")) {
        char *end;
        errno = 0;
        long v = strtol(ranks_arg, &end, 10);
        if (errno || *end || v < 1 || v > t.n_gpus) {
            cli_error("collective: --ranks: expected 'all' or 1 to %d (the fabric's gpus), got "
                      "'%s'", t.n_gpus, ranks_arg);
            goto out;
        }
        n = (int32_t)v;
    }
    sim_coll_spec_t cs = {.op = (wl_coll_t)op, .algo = (sim_algo_t)algo, .chunk_bytes = chunk,
                          .channels = (int32_t)channels, .root = (int32_t)root};
    TN_ASSERT(sim_latency_apply(sim_protocol_names[proto], &cs, NULL) == 0);
    /* Everything is measured first and printed at the end: a size that
     * fails leaves no half-printed table behind. */
    json_t *rows = json_array();
    rc = 0;
    for (uint64_t size = lo; size <= hi && rc == 0; size *= 2) {
        cs.bytes = size;
        sim_measure_t m;
        if (sim_measure_collective(&t, (sim_net_model_t)model, &cs, n, &m, &err)) {
            cli_error("collective: %s", err.msg);
            rc = tn_error_exit_status(&err);
            break;
        }
        double us = sim_time_to_s(m.time_ps) * 1e6;
        double algbw = m.time_ps ? (double)size / sim_time_to_s(m.time_ps) / 1e9 : 0;
        json_t *row = json_object();
        json_object_set_new(row, "size_bytes", json_integer((json_int_t)size));
        json_object_set_new(row, "time_us", json_real(us));
        json_object_set_new(row, "algbw_gbs", json_real(algbw));
        json_object_set_new(row, "busbw_gbs", json_real(algbw * sim_busbw_factor((wl_coll_t)op, n)));
        json_object_set_new(row, "algorithm", json_string(sim_algo_names[m.algo]));
        json_object_set_new(row, "protocol", json_string(sim_proto_names[m.proto]));
        json_object_set_new(row, "channels", json_integer(m.channels));
        json_array_append_new(rows, row);
        if (size > UINT64_MAX / 2)
            break;
    }
    if (rc == 0 && format == 1) {
        char *js = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        puts(js);
        free(js);
    } else if (rc == 0) {
        if (format == 0)
            printf("# %s, %d ranks, %s algorithm, %s model, %s protocol, %s channels\n"
                   "# %14s %12s %12s %12s  %-9s %-8s %s\n",
                   ops[op], n, sim_algo_names[algo], sim_net_model_names[model],
                   sim_protocol_names[proto], channels ? "forced" : "auto", "size_bytes",
                   "time_us", "algbw_gbs", "busbw_gbs", "algorithm", "protocol", "channels");
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
            if (format == 0)
                printf("  %14llu %12.2f %12.2f %12.2f  %-9s %-8s %lld\n", size, us, alg, bus, name,
                       pr, ch);
            else
                printf("%llu,%.6g,%.6g,%.6g,%s,%s,%lld\n", size, us, alg, bus, name, pr, ch);
        }
    }
    json_decref(rows);
out:
    topo_destroy(&t);
    topo_spec_destroy(&spec);
done:
    free(sets);
    return rc;
}
