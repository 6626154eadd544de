#include "workloads/compute.h"

#include <jansson.h>
#include <math.h>

#include "topology/embedded.h"

wl_gpu_set_t wl_gpu_set_none(void) { return (wl_gpu_set_t){NAN, NAN, NAN, NAN, NAN, NAN}; }

/* The file's figure `key` of GPU v, or the override when there is one. */
static double figure(const json_t *v, const char *key, double set)
{
    return isnan(set) ? json_number_value(json_object_get(v, key)) : set;
}

int wl_gpu_lookup(const char *name, const wl_gpu_set_t *set, wl_gpu_t *g, tn_error_t *err)
{
    wl_gpu_set_t none = wl_gpu_set_none();
    if (!set)
        set = &none;
    const topo_embedded_t *e = topo_embedded_find(wl_embedded_data, "gpus");
    TN_ASSERT(e != NULL);
    json_error_t je;
    json_t *doc = json_loads(e->text, JSON_REJECT_DUPLICATES, &je);
    TN_ASSERT(doc != NULL);
    json_t *v = json_object_get(json_object_get(doc, "gpus"), name);
    int rc = 0;
    if (!v) {
        rc = tn_error_set(err, TN_EINPUT, "unknown gpu \"%s\"", name);
    } else {
        g->peak_flops = figure(v, "peak_tflops", set->peak_tflops) * 1e12;
        g->hbm_efficiency = figure(v, "hbm_efficiency", set->hbm_efficiency);
        g->hbm_bytes_per_s = figure(v, "hbm_gb_per_s", set->hbm_gb_per_s) * 1e9 * g->hbm_efficiency;
        g->gemm_efficiency = figure(v, "gemm_efficiency", set->gemm_efficiency);
        g->half_flops = figure(v, "half_efficiency_gflop", set->half_efficiency_gflop) * 1e9;
        g->memory_bytes = figure(v, "memory_gib", set->memory_gib) * 1073741824.0;
        TN_ASSERT(g->peak_flops > 0 && g->hbm_bytes_per_s > 0 && g->gemm_efficiency > 0 &&
                  g->memory_bytes > 0);
    }
    json_decref(doc);
    return rc;
}

uint64_t wl_compute_ps(const wl_gpu_t *g, double flops, uint64_t bytes)
{
    double t = 0;
    if (flops > 0) {
        double eff = g->gemm_efficiency * flops / (flops + g->half_flops);
        t = flops / (g->peak_flops * eff);
    }
    double m = (double)bytes / g->hbm_bytes_per_s;
    return (uint64_t)llround((t + m) * 1e12);
}

void wl_compute_apply(wl_trace_t *t, const wl_gpu_t *g)
{
    for (int32_t p = 0; p < t->n_progs; p++)
        for (uint32_t i = 0; i < t->progs[p].n_ops; i++) {
            wl_op_t *o = &t->progs[p].ops[i];
            if (o->kind == WL_OP_COMPUTE && (o->flops > 0 || o->bytes > 0) && o->duration_ps == 0)
                o->duration_ps = wl_compute_ps(g, o->flops, o->bytes);
        }
}
