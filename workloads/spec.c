#include "workloads/spec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tn_file.h"
#include "common/tn_json.h"
#include "workloads/chakra.h"
#include "workloads/compute.h"
#include "workloads/gen_allreduce.h"
#include "workloads/trace_json.h"
#include "topology/embedded.h"

const char *const wl_gpu_names[] = {"v100-32gb", "a100-80gb", "h100-80gb", NULL};
const char *const wl_schedule_names[] = {"1f1b", "interleaved", NULL};
const char *const wl_recompute_names[] = {"full", "selective", "none", NULL};

void wl_spec_destroy(wl_spec_t *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->gpu);
    memset(s, 0, sizeof *s);
}

static int parse_file_ref(wl_spec_t *s, tn_jobj_t *o, const char *key, const char *suffix)
{
    const char *p = NULL;
    if (tn_jobj_str(o, key, true, &p) < 0)
        return -1;
    s->path = tn_path_resolve(o->src, p);
    /* a Chakra trace named by one of its files (trace.0.et) is its prefix */
    char *prefix = *suffix ? wl_chakra_prefix(s->path) : NULL;
    if (prefix) {
        free(s->path);
        s->path = prefix;
    }
    size_t n = strlen(s->path) + strlen(suffix) + 1;
    char *file = tn_malloc(n);
    snprintf(file, n, "%s%s", s->path, suffix);
    int rc = access(file, R_OK);
    int e = errno;
    if (rc != 0)
        tn_jobj_fail(o, key, "cannot read \"%s\": %s", file, strerror(e));
    free(file);
    return rc ? -1 : 0;
}

static int parse_compute_allreduce(wl_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"generator", "ranks", "compute_time_us",
                                       "allreduce_size_bytes", NULL};
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err))
        return -1;
    double us = 0;
    if (tn_jobj_u64(o, "ranks", true, 1, WL_MAX_RANKS, &s->compute_allreduce.ranks) < 0 ||
        tn_jobj_double(o, "compute_time_us", true, 0, 1e9, &us) < 0 ||
        tn_jobj_u64(o, "allreduce_size_bytes", true, 1, 1ull << 44,
                    &s->compute_allreduce.bytes) < 0)
        return -1;
    s->compute_allreduce.compute_ps = (uint64_t)llround(us * 1e6);
    return 0;
}

/* The model's sizes, each within reason, from m. */
static int model_sizes(tn_jobj_t *m, wl_model_t *md)
{
    return tn_jobj_u64(m, "layers", true, 1, 100000, &md->layers) < 0 ||
                   tn_jobj_u64(m, "hidden", true, 1, 1000000, &md->hidden) < 0 ||
                   tn_jobj_u64(m, "heads", true, 1, 100000, &md->heads) < 0 ||
                   tn_jobj_u64(m, "seq_len", true, 1, 10000000, &md->seq_len) < 0 ||
                   tn_jobj_u64(m, "vocab", true, 1, 100000000, &md->vocab) < 0
               ? -1
               : 0;
}

static int parse_model(wl_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"name", "description", "source", "layers", "hidden",
                                       "heads", "seq_len", "vocab", NULL};
    tn_jobj_t m;
    wl_model_t *md = &s->model;
    const json_t *v = json_object_get(o->obj, "model");
    if (v && json_is_string(v)) {
        /* a model of the zoo (workloads/models/NAME.json) */
        const topo_embedded_t *e = topo_embedded_find(wl_embedded_models, json_string_value(v));
        if (!e) {
            char list[512];
            return tn_jobj_fail(o, "model", "unknown model \"%s\" (known: %s)",
                                json_string_value(v),
                                topo_embedded_list(wl_embedded_models, list, sizeof list));
        }
        json_t *doc = topo_embedded_json(e);
        char where[80];
        snprintf(where, sizeof where, "workloads/models/%s.json", e->name);
        int rc = tn_jobj_open(&m, doc, where, "", keys, o->err) || model_sizes(&m, md) ? -1 : 0;
        json_decref(doc);
        return rc;
    }
    if (tn_jobj_sub(o, "model", true, keys, &m) < 0 || model_sizes(&m, md))
        return -1;
    if (md->hidden % md->heads)
        return tn_jobj_fail(&m, "heads", "hidden size %llu is not a multiple of %llu heads",
                            (unsigned long long)md->hidden, (unsigned long long)md->heads);
    return 0;
}

static int parse_layout(wl_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"tp", "pp", "dp", "global_batch", "microbatch",
                                       "schedule", "virtual_stages", "recompute",
                                       "sequence_parallel", "zero_stage", NULL};
    tn_jobj_t l;
    wl_layout_t *ly = &s->layout;
    int sched = WL_SCHED_1F1B, rec = WL_RECOMPUTE_NONE;
    ly->microbatch = 1;
    ly->virtual_stages = 1;
    if (tn_jobj_sub(o, "layout", true, keys, &l) < 0 ||
        tn_jobj_u64(&l, "tp", true, 1, 1024, &ly->tp) < 0 ||
        tn_jobj_u64(&l, "pp", true, 1, 100000, &ly->pp) < 0 ||
        tn_jobj_u64(&l, "dp", true, 1, WL_MAX_RANKS, &ly->dp) < 0 ||
        tn_jobj_u64(&l, "global_batch", true, 1, 1000000000, &ly->global_batch) < 0 ||
        tn_jobj_u64(&l, "microbatch", false, 1, 1000000, &ly->microbatch) < 0 ||
        tn_jobj_enum(&l, "schedule", false, wl_schedule_names, &sched) < 0 ||
        tn_jobj_u64(&l, "virtual_stages", false, 1, 1024, &ly->virtual_stages) < 0 ||
        tn_jobj_enum(&l, "recompute", false, wl_recompute_names, &rec) < 0 ||
        tn_jobj_bool(&l, "sequence_parallel", false, &ly->sequence_parallel) < 0 ||
        tn_jobj_u64(&l, "zero_stage", false, 0, 3, &ly->zero_stage) < 0)
        return -1;
    ly->schedule = (wl_schedule_t)sched;
    ly->recompute = (wl_recompute_t)rec;
    const wl_model_t *m = &s->model;
    unsigned long long L = m->layers;
    if (ly->tp * ly->pp * ly->dp > WL_MAX_RANKS)
        return tn_jobj_fail(&l, NULL, "tp x pp x dp = %llu ranks is more than %d",
                            (unsigned long long)(ly->tp * ly->pp * ly->dp), WL_MAX_RANKS);
    if (m->heads % ly->tp)
        return tn_jobj_fail(&l, "tp", "%llu heads do not split over tp %llu",
                            (unsigned long long)m->heads, (unsigned long long)ly->tp);
    if (L % ly->pp)
        return tn_jobj_fail(&l, "pp", "%llu layers do not split into %llu pipeline stages", L,
                            (unsigned long long)ly->pp);
    if (ly->global_batch % (ly->microbatch * ly->dp))
        return tn_jobj_fail(&l, "global_batch",
                            "%llu is not a multiple of microbatch x dp = %llu",
                            (unsigned long long)ly->global_batch,
                            (unsigned long long)(ly->microbatch * ly->dp));
    /* the largest op: a TP collective of b s h 16-bit values, and a layer's
     * backward FLOPs */
    double act = (double)ly->microbatch * (double)m->seq_len * (double)m->hidden * 2;
    double h = (double)m->hidden, sq = (double)m->seq_len, b = (double)ly->microbatch;
    if (act > (double)(1ull << 44) || 2 * (24 * b * sq * h * h + 4 * b * sq * sq * h) > 1e24)
        return tn_jobj_fail(&l, "microbatch",
                            "microbatch x seq_len x hidden is too large: one layer's "
                            "activations (%.3g bytes) or FLOPs pass what tensim counts",
                            act);
    if (ly->schedule == WL_SCHED_1F1B && ly->virtual_stages != 1)
        return tn_jobj_fail(&l, "virtual_stages", "must be 1 with the 1f1b schedule");
    if (ly->schedule == WL_SCHED_INTERLEAVED &&
        (ly->global_batch / (ly->microbatch * ly->dp)) % ly->pp)
        return tn_jobj_fail(&l, "schedule",
                            "the interleaved schedule needs the %llu microbatches to be a "
                            "multiple of pp %llu",
                            (unsigned long long)(ly->global_batch / (ly->microbatch * ly->dp)),
                            (unsigned long long)ly->pp);
    if (ly->schedule == WL_SCHED_INTERLEAVED &&
        (ly->virtual_stages < 2 || (L / ly->pp) % ly->virtual_stages))
        return tn_jobj_fail(&l, "virtual_stages",
                            "the interleaved schedule needs at least 2 virtual stages that "
                            "divide the %llu layers of a stage",
                            (unsigned long long)(L / ly->pp));
    return 0;
}

/* "gpu_set": {figure: number}, each optional, each within reason. */
static int parse_gpu_set(wl_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"peak_tflops",     "hbm_gb_per_s",          "hbm_efficiency",
                                       "gemm_efficiency", "half_efficiency_gflop", "memory_gib",
                                       NULL};
    tn_jobj_t g;
    int rc = tn_jobj_sub(o, "gpu_set", false, keys, &g);
    if (rc)
        return rc < 0 ? -1 : 0;
    wl_gpu_set_t *v = &s->gpu_set;
    return tn_jobj_double(&g, "peak_tflops", false, 1, 1e6, &v->peak_tflops) < 0 ||
                   tn_jobj_double(&g, "hbm_gb_per_s", false, 1, 1e6, &v->hbm_gb_per_s) < 0 ||
                   tn_jobj_double(&g, "hbm_efficiency", false, 0.01, 1, &v->hbm_efficiency) < 0 ||
                   tn_jobj_double(&g, "gemm_efficiency", false, 0.01, 1, &v->gemm_efficiency) < 0 ||
                   tn_jobj_double(&g, "half_efficiency_gflop", false, 0, 1e6,
                                  &v->half_efficiency_gflop) < 0 ||
                   tn_jobj_double(&g, "memory_gib", false, 0.001, 1e6, &v->memory_gib) < 0
               ? -1
               : 0;
}

/* "mechanisms": {name: boolean}, names from wl_megatron_mechs[] (the one
 * list of them); each switches a mechanism away from its default. */
static int parse_mechanisms(wl_spec_t *s, tn_jobj_t *o)
{
    const char *keys[WL_MECH_COUNT + 1];
    for (size_t k = 0; k < wl_megatron_mechs_n; k++)
        keys[k] = wl_megatron_mechs[k].name;
    keys[wl_megatron_mechs_n] = NULL;
    tn_jobj_t g;
    int rc = tn_jobj_sub(o, "mechanisms", false, keys, &g);
    if (rc)
        return rc < 0 ? -1 : 0;
    for (size_t k = 0; k < wl_megatron_mechs_n; k++) {
        bool on = wl_megatron_mechs[k].on;
        if (tn_jobj_bool(&g, keys[k], false, &on) < 0)
            return -1;
        if (on != wl_megatron_mechs[k].on)
            s->layout.mech_flip |= 1u << k;
    }
    return 0;
}

static int parse_megatron(wl_spec_t *s, tn_jobj_t *o)
{
    static const char *const keys[] = {"generator", "gpu",   "gpu_set",    "activation_traffic",
                                       "model",     "layout", "mechanisms", NULL};
    int gpu = 0;
    double traffic = 0;
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
        tn_jobj_enum(o, "gpu", true, wl_gpu_names, &gpu) < 0 || parse_gpu_set(s, o) < 0 ||
        tn_jobj_double(o, "activation_traffic", false, 0.01, 100, &traffic) < 0)
        return -1;
    s->gpu = tn_strdup(wl_gpu_names[gpu]);
    if (parse_model(s, o) || parse_layout(s, o) || parse_mechanisms(s, o))
        return -1;
    s->layout.activation_traffic = traffic;
    return 0;
}

/* {"trace": "path", "gpu": ..., "gpu_set": ...}: a trace file at key
 * `key`, with an optional gpu to time its FLOPs; the file read is the path
 * plus `suffix`. */
static int parse_file_source(wl_spec_t *s, tn_jobj_t *o, const char *key, const char *suffix)
{
    const char *const keys[] = {key, "gpu", "gpu_set", NULL};
    int gpu = -1;
    int rc = tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
                     tn_jobj_enum(o, "gpu", false, wl_gpu_names, &gpu) < 0 ||
                     parse_gpu_set(s, o) < 0
                 ? -1
                 : 0;
    if (rc == 0 && gpu < 0 && json_object_get(o->obj, "gpu_set"))
        rc = tn_jobj_fail(o, "gpu_set", "needs \"gpu\": the figures it overrides");
    if (rc == 0)
        rc = parse_file_ref(s, o, key, suffix);
    if (rc == 0 && gpu >= 0)
        s->gpu = tn_strdup(wl_gpu_names[gpu]);
    return rc;
}

static int parse_trace(wl_spec_t *s, tn_jobj_t *o) { return parse_file_source(s, o, "trace", ""); }
static int parse_chakra(wl_spec_t *s, tn_jobj_t *o)
{
    return parse_file_source(s, o, "chakra", ".0.et");
}

/* The generators' names from the table, NULL-terminated, into names. */
static void generator_names(const char **names, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < wl_sources_n; i++)
        if (!strcmp(wl_sources[i].key, "generator")) {
            TN_ASSERT(k + 1 < n);
            names[k++] = wl_sources[i].name;
        }
    names[k] = NULL;
}

/* "expected one of the keys ..." naming each distinct key of the table. */
static int no_source(tn_jobj_t *o)
{
    char list[256];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < wl_sources_n; i++) {
        size_t j = 0;
        while (j < i && strcmp(wl_sources[j].key, wl_sources[i].key))
            j++;
        if (j == i)
            len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0,
                                    "%s\"%s\"", len ? ", " : "", wl_sources[i].key);
    }
    return tn_jobj_fail(o, NULL, "expected one of the keys %s", list);
}

int wl_spec_parse(wl_spec_t *s, const json_t *block, const char *src, const char *path,
                  tn_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->gpu_set = wl_gpu_set_none();
    tn_jobj_t o;
    if (tn_jobj_open(&o, block, src, path, NULL, err))
        return -1;
    /* a trace format's key first, in table order; then a generator */
    for (size_t i = 0; i < wl_sources_n && !s->source; i++)
        if (strcmp(wl_sources[i].key, "generator") && json_object_get(block, wl_sources[i].key))
            s->source = &wl_sources[i];
    if (!s->source && json_object_get(block, "generator")) {
        const char *names[16];
        int g = 0;
        generator_names(names, sizeof names / sizeof names[0]);
        if (tn_jobj_enum(&o, "generator", true, names, &g) < 0)
            return -1;
        for (size_t i = 0; i < wl_sources_n && !s->source; i++)
            if (!strcmp(wl_sources[i].name, names[g]))
                s->source = &wl_sources[i];
    }
    if (!s->source)
        return no_source(&o);
    if (s->source->parse(s, &o)) {
        wl_spec_destroy(s);
        return -1;
    }
    return 0;
}

uint64_t wl_spec_ranks(const wl_spec_t *s)
{
    return s->source->ranks ? s->source->ranks(s) : 0; /* else known once the trace is read */
}

int wl_spec_build(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err)
{
    return s->source->build(s, t, err);
}

static uint64_t compute_allreduce_ranks(const wl_spec_t *s) { return s->compute_allreduce.ranks; }

static int compute_allreduce_build(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err)
{
    wl_gen_compute_allreduce(t, (int32_t)s->compute_allreduce.ranks,
                             s->compute_allreduce.compute_ps, s->compute_allreduce.bytes);
    return wl_trace_check(t, err);
}

static uint64_t megatron_ranks(const wl_spec_t *s)
{
    return s->layout.tp * s->layout.pp * s->layout.dp;
}

static int megatron_build(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err)
{
    wl_gpu_t g;
    if (wl_gpu_lookup(s->gpu, &s->gpu_set, &g, err) ||
        wl_gen_megatron(t, &s->model, &s->layout, err))
        return -1;
    wl_compute_apply(t, &g);
    return 0;
}

/* SC21's formula for the FLOPs; a sample is a sequence of the batch. */
static void megatron_figures(const wl_spec_t *s, double *flops, double *samples, double *tokens)
{
    *flops = wl_megatron_flops(&s->model, &s->layout);
    *samples = (double)s->layout.global_batch;
    *tokens = *samples * (double)s->model.seq_len;
}

/* A trace file read by `read`, its compute timed on s->gpu when named. */
static int build_from_file(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err,
                           int (*read)(wl_trace_t *, const char *, tn_error_t *))
{
    wl_gpu_t g;
    if (s->gpu && wl_gpu_lookup(s->gpu, &s->gpu_set, &g, err))
        return -1;
    if (read(t, s->path, err))
        return -1;
    if (s->gpu)
        wl_compute_apply(t, &g);
    return 0;
}

static int read_chakra(wl_trace_t *t, const char *path, tn_error_t *err)
{
    return wl_chakra_read(t, path, err, NULL);
}

static int trace_build(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err)
{
    return build_from_file(s, t, err, wl_trace_read_json);
}

static int chakra_build(const wl_spec_t *s, wl_trace_t *t, tn_error_t *err)
{
    return build_from_file(s, t, err, read_chakra);
}

const wl_source_t wl_sources[] = {
    {"compute-allreduce", "generator",
     "each rank computes, then all ranks all-reduce: the simplest hand-checkable job",
     parse_compute_allreduce, compute_allreduce_build, compute_allreduce_ranks, NULL, false},
    {"megatron", "generator", "Megatron-style training of a model under a tp x pp x dp layout",
     parse_megatron, megatron_build, megatron_ranks, megatron_figures, true},
    {"trace", "trace", "a tensim JSON trace file (workloads/trace_json.h)", parse_trace,
     trace_build, NULL, NULL, false},
    {"chakra", "chakra", "Chakra execution traces, one file per rank (PREFIX.RANK.et)",
     parse_chakra, chakra_build, NULL, NULL, false},
};
const size_t wl_sources_n = sizeof wl_sources / sizeof wl_sources[0];
