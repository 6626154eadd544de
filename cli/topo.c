/* cli/topo.c — `tensim topo`: build a fabric from a preset, a spec file
 * or a scenario, and print its figures or export its graph. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_json.h"
#include "cli/cli.h"
#include "topology/embedded.h"
#include "topology/export.h"
#include "topology/route.h"
#include "topology/spec.h"
#include "topology/stats.h"

static const cli_option_t topo_options[] = {
    {"set", 0, "KEY=VALUE", 'S', "override a preset key or a value of the spec (repeatable)"},
    {"stats", 0, NULL, 's', "print the fabric's figures (the default when nothing is exported)"},
    {"json", 0, NULL, 'j', "print the figures as one JSON object"},
    {"export", 0, "FORMAT", 'e', "write the graph as graphml or json to the file of -o"},
    {"output", 'o', "FILE", 'o', "the file --export writes"},
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static const cli_usage_t topo_usage = {
    "usage: tensim topo PRESET|SPEC.json|SCENARIO.json|GRAPH.graphml [options]\n"
    "  builds a fabric; prints its figures or exports its graph\n",
    topo_options,
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* The topology block the argument names, with the overrides applied, as a
 * new JSON value; *src is the name errors should carry. */
static json_t *topology_block(const char *arg, const char **sets, int n_sets, bool *in_scenario,
                              tn_error_t *err)
{
    *in_scenario = false;
    json_t *block = NULL;
    bool preset = !strchr(arg, '/') && !ends_with(arg, ".json") && !ends_with(arg, ".graphml") &&
                  !ends_with(arg, ".xml");
    if (preset) {
        /* refused here, so the name is said once: the spec parser would
         * name it as the source and again as the value */
        if (!topo_embedded_find(topo_embedded_presets, arg)) {
            char list[256];
            tn_error_set(err, TN_EINPUT, "%s: unknown preset or file (presets: %s)", arg,
                         topo_preset_list(list, sizeof list));
            return NULL;
        }
        block = json_pack("{ss}", "preset", arg);
    } else {
        /* A graph file (GraphML, or the topology JSON that --export writes)
         * becomes a "graph" spec. Its path is resolved against the spec's
         * source, which is the file itself, hence the base name. */
        const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
        json_t *doc = NULL;
        if (!ends_with(arg, ".graphml") && !ends_with(arg, ".xml")) {
            doc = tn_json_load_file(arg, err);
            if (!doc)
                return NULL;
        }
        if (!doc || json_object_get(doc, "tensim_topology")) {
            block = json_pack("{ssss}", "kind", "graph", "file", base);
        } else {
            json_t *inner = json_object_get(doc, "topology");
            *in_scenario = inner != NULL;
            block = json_incref(inner ? inner : doc);
        }
        json_decref(doc);
    }
    /* Overrides: into "set" for a preset, into the spec itself otherwise. */
    for (int i = 0; i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i]) {
            json_decref(block);
            tn_error_set(err, TN_EINPUT, "%s: --set %s: expected key.path=value", arg, sets[i]);
            return NULL;
        }
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        /* jansson sets no key that is not UTF-8 (it frees the value and
         * returns -1): refuse it rather than lose the override */
        json_t *key_json = json_string(key);
        if (!key_json) {
            json_decref(block);
            tn_error_set(err, TN_EINPUT, "%s: --set %s: key is not valid utf-8", arg, key);
            return NULL;
        }
        json_decref(key_json);
        json_error_t je;
        json_t *val = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        if (!val)
            val = json_string(eq + 1);
        if (json_object_get(block, "preset")) {
            json_t *set = json_object_get(block, "set");
            if (!set) {
                set = json_object();
                json_object_set_new(block, "set", set);
            }
            json_object_set_new(set, key, val);
            continue;
        }
        json_t *cur = block;
        char *seg = key;
        for (char *dot; (dot = strchr(seg, '.')); seg = dot + 1) {
            *dot = '\0';
            json_t *next = json_object_get(cur, seg);
            if (!json_is_object(next)) {
                json_decref(val);
                json_decref(block);
                tn_error_set(err, TN_EINPUT, "%s: --set %s: \"%s\" is not a group of keys", arg,
                             sets[i], seg);
                return NULL;
            }
            cur = next;
        }
        json_object_set_new(cur, seg, val);
    }
    return block;
}

int cli_build_fabric(const char *arg, const char **sets, int n_sets, topo_spec_t *spec, topo_t *t,
                     tn_error_t *err)
{
    bool in_scenario = false;
    json_t *block = topology_block(arg, sets, n_sets, &in_scenario, err);
    if (!block || topo_spec_parse(spec, block, arg, in_scenario ? "topology" : "", err)) {
        json_decref(block);
        return -1;
    }
    json_decref(block);
    topo_init(t);
    if (topo_spec_build(spec, t, err)) {
        /* a graph file's errors name it already */
        size_t n = strlen(arg);
        if (strncmp(err->msg, arg, n) || err->msg[n] != ':')
            tn_error_prefix(err, "%s", arg);
        topo_destroy(t);
        topo_spec_destroy(spec);
        return -1;
    }
    return 0;
}

static void print_stats(const char *name, const topo_stats_t *st)
{
    printf("%s: %lld gpus in %lld gpu servers (%lld servers, %lld cpu cores)\n", name,
           (long long)st->gpus, (long long)st->gpu_servers, (long long)st->servers,
           (long long)st->cpu_cores);
    printf("switches: %lld", (long long)st->switches);
    const char *sep = " (";
    for (int k = 0; k < TOPO_KIND_COUNT; k++)
        if (st->by_kind[k] && (k == TOPO_LEAF || k == TOPO_SPINE || k == TOPO_CORE ||
                               k == TOPO_ROUTER)) {
            printf("%s%s %lld", sep, topo_kind_name((topo_kind_t)k), (long long)st->by_kind[k]);
            sep = ", ";
        }
    printf("%s\n", *sep == ',' ? ")" : "");
    printf("links: %lld cables", (long long)st->cables);
    sep = " (";
    for (int k = 0; k < TOPO_TIER_COUNT; k++)
        if (st->by_tier[k]) {
            printf("%s%s %lld", sep, topo_tier_name((topo_tier_t)k), (long long)st->by_tier[k]);
            sep = ", ";
        }
    printf("%s\n", *sep == ',' ? ")" : "");
    printf("gpu server bandwidth: %g Gbps out of each gpu server\n", st->gpu_server_bw_gbps);
    if (st->bisection_bw_gbps >= 0)
        printf("bisection bandwidth: %g Gbps (first half of the gpu servers to the second)\n",
               st->bisection_bw_gbps);
    if (st->storage.vertices)
        printf("storage: %lld server%s, %g GB/s of disk, %g TB\n", (long long)st->storage.servers,
               st->storage.servers == 1 ? "" : "s", st->storage.bw_gbyte_s,
               st->storage.capacity_tb);
    printf("diameter: %d hops between gpus\n", st->diameter_hops);
    for (int i = 0; i < st->n_samples; i++)
        printf("ecmp: gpu %d to gpu %d: %u hop%s, %.0f shortest path%s\n", st->sample[i].src_gpu,
               st->sample[i].dst_gpu, st->sample[i].hops, st->sample[i].hops == 1 ? "" : "s",
               st->sample[i].paths, st->sample[i].paths == 1 ? "" : "s");
}

/* Prints the fabric's figures, as text or JSON. */
static void show_stats(const topo_t *t, const char *name, bool as_json)
{
    topo_route_t r;
    topo_route_init(&r, t);
    topo_stats_t st;
    topo_stats_compute(t, &r, &st);
    if (as_json) {
        json_t *j = topo_stats_json(&st);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        puts(s);
        free(s);
        json_decref(j);
    } else {
        print_stats(name, &st);
    }
    topo_route_destroy(&r);
}

/* After the options: one fabric, and --export with -o. Returns -1 when
 * they fit, else 2 after the error. */
static int check_args(const cli_opts_t *o, const char *export)
{
    if (!o->arg || o->extra) {
        char list[256];
        cli_error("topo: expected one preset or file (presets: %s)",
                  topo_preset_list(list, sizeof list));
        return 2;
    }
    if (export && strcmp(export, "graphml") && strcmp(export, "json")) {
        cli_error("topo: --export: expected graphml or json, got '%s'", export);
        return 2;
    }
    if (!!export != !!o->out) {
        cli_error("topo: --export and -o go together");
        return 2;
    }
    return -1;
}

int cli_topo(int argc, char **argv, const char *command_line)
{
    cli_getopt_t g;
    cli_getopt_init(&g, topo_options);
    (void)command_line;
    cli_opts_t o;
    cli_opts_init(&o, "topo", &topo_usage, argc);
    bool as_json = false, stats = false;
    const char *export = NULL;
    int c, rc = -1;
    optind = 0;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
        if (c == 's')
            stats = true;
        else if (c == 'j')
            as_json = true;
        else if (c == 'e')
            export = optarg;
        else
            rc = cli_opts_take(&o, c, argv[optind - 1]);
    }
    if (rc < 0)
        rc = check_args(&o, export);
    tn_error_t err = {0};
    topo_spec_t spec;
    topo_t t;
    if (rc < 0 && cli_build_fabric(o.arg, o.sets, o.n_sets, &spec, &t, &err)) {
        cli_error("%s", err.msg);
        rc = tn_error_exit_status(&err);
    } else if (rc < 0) {
        rc = 0;
        if (export && (!strcmp(export, "graphml") ? topo_export_graphml(&t, o.out, &err)
                                                  : topo_export_json(&t, o.out, &err))) {
            cli_error("%s", err.msg);
            rc = tn_error_exit_status(&err);
        }
        if (rc == 0 && (stats || as_json || !export))
            show_stats(&t, spec.preset ? spec.preset : o.arg, as_json);
        topo_destroy(&t);
        topo_spec_destroy(&spec);
    }
    cli_opts_destroy(&o);
    return rc;
}
