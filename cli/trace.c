/* cli/trace.c — `tensim trace gen|stats|check`: make, summarise and
 * validate traces. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tn_json.h"
#include "cli/cli.h"
#include "sim/job/scenario.h"
#include "workloads/chakra.h"
#include "workloads/trace_json.h"

/* 'L': a layout key, passed through as it is written in a scenario
 * (--global-batch as global_batch). */
static const cli_option_t trace_options[] = {
    CLI_OPT_SET,
    {"json", 0, NULL, 'j', "stats: print the figures as one JSON object"},
    {"output", 'o', "FILE", 'o', "gen: the trace file to write (required)"},
    {"gpu", 0, "GPU", 'g', "gen from a model: the GPU timing the compute (default a100-80gb)"},
    {"tp", 0, "N", 'L', "gen from a model: tensor-parallel size"},
    {"pp", 0, "N", 'L', "gen from a model: pipeline stages"},
    {"dp", 0, "N", 'L', "gen from a model: data-parallel size"},
    {"global-batch", 0, "N", 'L', "gen from a model: sequences per iteration"},
    {"microbatch", 0, "N", 'L', "gen from a model: sequences per microbatch (default 1)"},
    {"schedule", 0, "NAME", 'L', "gen from a model: pipeline schedule, 1f1b or interleaved"},
    {"virtual-stages", 0, "N", 'L', "gen from a model: stages per GPU, interleaved"},
    {"recompute", 0, "KIND", 'L', "gen from a model: recomputation, full, selective or none"},
    {"sequence-parallel", 0, NULL, 'Q', "gen from a model: sequence parallelism"},
    {"zero-stage", 0, "N", 'L', "gen from a model: ZeRO stage, 0 to 3"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t trace_usage = {
    "usage: tensim trace gen SCENARIO.json|NAME [--set KEY=VALUE]... -o TRACE.json\n"
    "       tensim trace gen MODEL.json|MODEL --tp N --pp N --dp N --global-batch N\n"
    "                 [layout options] -o TRACE.json\n"
    "       tensim trace stats TRACE [--set KEY=VALUE]... [--json]\n"
    "       tensim trace check TRACE [--set KEY=VALUE]...\n"
    "  gen writes a scenario's workload (or a model's, with a layout) as a tensim trace;\n"
    "  stats summarises a trace; check validates it as a run would meet it\n"
    "  TRACE: a tensim trace (.json), a Chakra trace (PREFIX.0.et, PREFIX.1.et, ...:\n"
    "  PREFIX or any one of its files), or a scenario whose workload is a generator or a trace\n",
    trace_options,
};

/* A megatron workload block for a model (a model file, or a zoo name)
 * and a layout from the command line. */
static json_t *model_block(const char *arg, json_t *layout, const char *gpu, tn_error_t *err)
{
    json_t *model;
    if (strchr(arg, '/') || strstr(arg, ".json")) {
        model = tn_json_load_file(arg, err);
        if (!model)
            return NULL;
    } else {
        model = json_string(arg);
    }
    return json_pack("{s:s, s:s, s:o, s:O}", "generator", "megatron", "gpu", gpu, "model", model,
                     "layout", layout);
}

/* Loads the JSON file `arg`: a tensim trace, or a scenario's workload
 * (generated or read), with --set overrides for scenarios. */
static int load_json(const char *arg, const char **sets, int n_sets, wl_trace_t *t,
                     tn_error_t *err)
{
    json_t *doc = tn_json_load_file(arg, err);
    if (!doc)
        return -1;
    bool is_trace = json_is_object(doc) && json_object_get(doc, "tensim_trace");
    json_decref(doc);
    if (is_trace) {
        if (n_sets)
            return tn_error_set(err, TN_EINPUT, "%s: --set applies to scenarios, not traces", arg);
        return wl_trace_read_json(t, arg, err);
    }
    sim_scenario_t sc;
    sim_overrides_t ov = {sets, n_sets, false, 0};
    if (cli_scenario_load(&sc, arg, &ov, err))
        return -1;
    int rc = wl_spec_build(&sc.workload, t, err);
    if (rc)
        tn_error_prefix(err, "%s: workload", arg);
    sim_scenario_destroy(&sc);
    return rc;
}

/* Loads the trace `arg` names: a Chakra trace, a tensim trace file, or a
 * scenario (a file or a shipped scenario's name). */
static int load_trace(const char *arg, const char **sets, int n_sets, wl_trace_t *t,
                      wl_chakra_stats_t *cs, tn_error_t *err)
{
    /* a Chakra trace: a prefix (PREFIX.0.et exists) or one of its files */
    char *prefix = wl_chakra_prefix(arg);
    if (prefix) {
        int rc = n_sets ? tn_error_set(err, TN_EINPUT,
                                       "%s: --set applies to scenarios, not traces", arg)
                        : wl_chakra_read(t, prefix, err, cs);
        free(prefix);
        return rc;
    }
    char *path = cli_scenario_path(arg, err);
    int rc = path ? load_json(path, sets, n_sets, t, err) : -1;
    free(path);
    return rc;
}

static void print_stats(const char *arg, const wl_trace_t *t, int as_json)
{
    uint64_t ops = 0, by_kind[4] = {0};
    double flops = 0;
    double coll_bytes[WL_COLL_COUNT] = {0}, p2p_bytes = 0; /* summed over ranks */
    int32_t *ranks_of = tn_calloc((size_t)t->n_progs + 1, sizeof *ranks_of);
    for (int32_t r = 0; r < t->n_ranks; r++)
        ranks_of[t->rank_prog[r]]++;
    for (int32_t p = 0; p < t->n_progs; p++) {
        const wl_program_t *pr = &t->progs[p];
        ops += pr->n_ops;
        for (uint32_t i = 0; i < pr->n_ops; i++) {
            const wl_op_t *o = &pr->ops[i];
            by_kind[o->kind] += (uint64_t)ranks_of[p];
            flops += o->flops * ranks_of[p];
            if (o->kind == WL_OP_COLLECTIVE)
                coll_bytes[o->coll] += (double)o->bytes * ranks_of[p];
            else if (o->kind == WL_OP_SEND)
                p2p_bytes += (double)o->bytes * ranks_of[p];
        }
    }
    free(ranks_of);
    json_t *j = json_object();
    json_object_set_new(j, "trace", json_string(arg));
    json_object_set_new(j, "ranks", json_integer(t->n_ranks));
    json_object_set_new(j, "programs", json_integer(t->n_progs));
    json_object_set_new(j, "communicators", json_integer(t->n_comms));
    json_object_set_new(j, "ops", json_integer((json_int_t)ops));
    json_t *k = json_object();
    static const char *const kinds[] = {"compute", "collective", "send", "recv"};
    for (int i = 0; i < 4; i++)
        json_object_set_new(k, kinds[i], json_integer((json_int_t)by_kind[i]));
    json_object_set_new(j, "ops_run_by_kind", k);
    json_object_set_new(j, "flops_per_iteration", json_real(flops));
    json_t *b = json_object();
    for (int c = 0; c < WL_COLL_COUNT; c++)
        if (coll_bytes[c] > 0)
            json_object_set_new(b, wl_coll_name((wl_coll_t)c), json_real(coll_bytes[c] / t->n_ranks));
    if (p2p_bytes > 0)
        json_object_set_new(b, "send", json_real(p2p_bytes / t->n_ranks));
    json_object_set_new(j, "bytes_per_rank", b);
    if (as_json) {
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        puts(s);
        free(s);
    } else {
        printf("%s: %d ranks, %d programs, %d communicators, %llu ops\n", arg, t->n_ranks,
               t->n_progs, t->n_comms, (unsigned long long)ops);
        printf("ops run per iteration: %llu compute, %llu collective, %llu send, %llu recv\n",
               (unsigned long long)by_kind[0], (unsigned long long)by_kind[1],
               (unsigned long long)by_kind[2], (unsigned long long)by_kind[3]);
        printf("flops per iteration: %.6g\n", flops);
        const char *key;
        json_t *v;
        json_object_foreach(b, key, v)
            printf("bytes per rank, %s: %.6g\n", key, json_real_value(v));
    }
    json_decref(j);
}

/* What `trace stats` adds for a Chakra trace: what its files held, kept
 * or not. */
static void print_chakra_stats(const wl_chakra_stats_t *cs)
{
    static const char *const type[] = {"invalid", "metadata", "mem_load", "mem_store",
                                       "comp", "comm_send", "comm_recv", "comm_coll"};
    printf("chakra nodes: %llu", (unsigned long long)cs->nodes);
    for (int k = 0; k < 8 && k < WL_CHAKRA_NODE_TYPES; k++)
        if (cs->nodes_by_type[k])
            printf(", %s %llu", type[k], (unsigned long long)cs->nodes_by_type[k]);
    printf("; dropped %llu, host-side comm as compute %llu\n", (unsigned long long)cs->dropped,
           (unsigned long long)cs->cpu_comm_compute);
}

/* `trace check`: what a run would meet: compute with no duration, sends
 * without receives, groups whose collectives differ. Returns the exit
 * status. */
static int check(const char *arg, const wl_trace_t *t)
{
    tn_error_t err = {0};
    uint64_t untimed = 0;
    for (int32_t p = 0; p < t->n_progs; p++)
        for (uint32_t i = 0; i < t->progs[p].n_ops; i++)
            untimed += t->progs[p].ops[i].kind == WL_OP_COMPUTE &&
                       t->progs[p].ops[i].duration_ps == 0 && t->progs[p].ops[i].flops > 0;
    if (untimed) {
        cli_error("%s: %llu compute ops have flops but no duration: give the workload a "
                  "\"gpu\" for the compute model", arg, (unsigned long long)untimed);
        return 2;
    }
    if (wl_trace_lint(t, &err)) {
        cli_error("%s: %s", arg, err.msg);
        return 2;
    }
    printf("%s: ok (%d ranks, %d programs)\n", arg, t->n_ranks, t->n_progs);
    return 0;
}

/* Rewrites an error of the workload block that model_block() built from
 * the options so that it names the option (or the model) the user typed,
 * not that block's JSON path: "command line: workload.layout.tp: ..."
 * becomes "trace gen: --tp: ...". O(length of the message). */
static void option_error(tn_error_t *err, const char *model)
{
    static const char layout[] = "command line: workload.layout.", gpu[] = "command line: workload.gpu: ",
                      mdl[] = "command line: workload.model";
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    const char *missing = strstr(msg, ": missing required key");
    if (!strncmp(msg, layout, sizeof layout - 1)) {
        char opt[64];
        const char *key = msg + sizeof layout - 1;
        size_t n = strcspn(key, ":");
        snprintf(opt, sizeof opt, "%.*s", (int)n, key);
        for (char *c = opt; *c; c++)
            *c = *c == '_' ? '-' : *c;
        if (missing)
            tn_error_set(err, TN_EINPUT, "trace gen: --%s: required with a model", opt);
        else
            tn_error_set(err, TN_EINPUT, "trace gen: --%s%s", opt, key + n);
    } else if (!strncmp(msg, gpu, sizeof gpu - 1)) {
        tn_error_set(err, TN_EINPUT, "trace gen: --gpu: %s", msg + sizeof gpu - 1);
    } else if (!strncmp(msg, mdl, sizeof mdl - 1)) {
        /* the model's file, or its name when it is a shipped model */
        const char *rest = msg + sizeof mdl - 1;
        if (*rest == '.')
            tn_error_set(err, TN_EINPUT, "%s: %s", model, rest + 1);
        else
            tn_error_set(err, TN_EINPUT, "trace gen: %s", rest + 2);
    }
}

/* The trace the options name: a model and a layout from the command line,
 * or a file. Returns 0, or the exit status after the error. */
static int load(const cli_opts_t *o, json_t *layout, const char *gpu, wl_trace_t *t,
                wl_chakra_stats_t *cs)
{
    tn_error_t err = {0};
    memset(cs, 0, sizeof *cs);
    if (json_object_size(layout) > 0) {
        json_t *block = model_block(o->arg, layout, gpu, &err);
        wl_spec_t spec;
        int bad = !block || wl_spec_parse(&spec, block, "command line", "workload", &err) ||
                  wl_spec_build(&spec, t, &err);
        if (block && !bad)
            wl_spec_destroy(&spec);
        json_decref(block);
        if (!bad)
            return 0;
        option_error(&err, o->arg);
    } else if (load_trace(o->arg, o->sets, o->n_sets, t, cs, &err) == 0) {
        return 0;
    }
    cli_error("%s", err.msg);
    return tn_error_exit_status(&err);
}

/* The action on a loaded trace. Returns the exit status. */
static int act(const char *verb, const cli_opts_t *o, const wl_trace_t *t,
               const wl_chakra_stats_t *cs, bool as_json)
{
    tn_error_t err = {0};
    if (!strcmp(verb, "gen")) {
        if (wl_trace_write_json(t, o->out, &err)) {
            cli_error("%s", err.msg);
            return tn_error_exit_status(&err);
        }
        return 0;
    }
    if (!strcmp(verb, "stats")) {
        print_stats(o->arg, t, as_json);
        if (cs->nodes && !as_json)
            print_chakra_stats(cs);
        return 0;
    }
    return check(o->arg, t);
}

/* The verb (argv[1]): -1 when it is one, else the exit status after the
 * usage or the error. */
static int check_verb(int argc, char **argv)
{
    if (argc < 2) {
        cli_error("trace: expected gen, stats or check (see tensim trace --help)");
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        cli_usage_print(stdout, &trace_usage);
        return 0;
    }
    if (strcmp(argv[1], "gen") && strcmp(argv[1], "stats") && strcmp(argv[1], "check")) {
        cli_error("trace: unknown action '%s' (gen, stats, check)", argv[1]);
        return 2;
    }
    return -1;
}

/* A layout option, --global-batch as global_batch; a number when it reads
 * as one. */
static void layout_option(json_t *layout, const char *name)
{
    char key[32];
    snprintf(key, sizeof key, "%s", name);
    for (char *q = key; *q; q++)
        *q = *q == '-' ? '_' : *q;
    json_error_t je;
    json_t *v = json_loads(optarg, JSON_DECODE_ANY, &je);
    json_object_set_new(layout, key, v ? v : json_string(optarg));
}

int cli_trace(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, trace_options);
    (void)command_line;
    int rc = check_verb(argc, argv);
    if (rc >= 0)
        return rc;
    const char *verb = argv[1], *gpu = "a100-80gb";
    json_t *layout = json_object();
    bool as_json = false;
    cli_opts_t o;
    cli_opts_init(&o, "trace", &trace_usage, argc);
    int c, li = 0;
    optind = 0;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc - 1, argv + 1, g.shorts, g.longs, &li)) != -1) {
        if (c == 'L')
            layout_option(layout, g.longs[li].name);
        else if (c == 'Q')
            json_object_set_new(layout, "sequence_parallel", json_true());
        else if (c == 'g')
            gpu = optarg;
        else if (c == 'j')
            as_json = true;
        else
            rc = cli_opts_take(&o, c, argv[optind]);
    }
    if (rc < 0 && (!o.arg || o.extra)) {
        cli_error("trace %s: expected one trace or scenario file", verb);
        rc = 2;
    } else if (rc < 0 && !strcmp(verb, "gen") != !!o.out) {
        cli_error("trace: -o goes with gen, and gen needs it");
        rc = 2;
    } else if (rc < 0 && as_json && strcmp(verb, "stats")) {
        /* else ignored: the user asked for JSON and would get text */
        cli_error("trace %s: --json goes with stats", verb);
        rc = 2;
    }
    wl_trace_t t;
    wl_chakra_stats_t cs;
    if (rc < 0 && !(rc = load(&o, layout, gpu, &t, &cs))) {
        rc = act(verb, &o, &t, &cs, as_json);
        wl_trace_destroy(&t);
    }
    json_decref(layout);
    cli_opts_destroy(&o);
    return rc;
}
