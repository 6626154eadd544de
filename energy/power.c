/* energy/power.c — see energy/power.h. */
#include "energy/power.h"

#include <stdio.h>
#include <string.h>

#include "common/tn_json.h"
#include "topology/embedded.h"

#define SRC "energy/data/power.json"

static void note_missing(en_figures_t *f, const char *fmt, const char *what)
{
    size_t n = strlen(f->missing);
    if (n + 3 >= sizeof f->missing)
        return;
    if (n)
        n += (size_t)snprintf(f->missing + n, sizeof f->missing - n, "; ");
    snprintf(f->missing + n, sizeof f->missing - n, fmt, what);
}

/* *w = doc.section.name.key, or -1 when there is no name, entry or key.
 * Returns 0, or -1 when the file is malformed there. */
static int named(tn_jobj_t *top, const char *section, const char *name, const char *key,
                 double *w)
{
    static const char *const keys[] = {"busy_w", "idle_w", "other_w", "w", "part", NULL};
    tn_jobj_t sec, e;
    *w = -1;
    if (!name)
        return 0;
    if (tn_jobj_sub(top, section, true, NULL, &sec) < 0)
        return -1;
    const json_t *v = json_object_get(sec.obj, name);
    if (!v)
        return 0;
    char path[300];
    snprintf(path, sizeof path, "%s.%s", section, name);
    if (tn_jobj_open(&e, v, SRC, path, keys, top->err) ||
        tn_jobj_double(&e, key, false, 0, 1e6, w) < 0)
        return -1;
    return 0;
}

/* *w = the figure of doc.section[] for a part of rate bps, or -1 when
 * none has that rate. Returns 0, or -1 when the file is malformed. */
static int by_rate(tn_jobj_t *top, const char *section, uint64_t bps, double *w)
{
    static const char *const keys[] = {"gbps", "w", "part", NULL};
    *w = -1;
    const json_t *a = json_object_get(top->obj, section);
    if (!json_is_array(a))
        return tn_jobj_fail(top, section, "expected an array");
    for (size_t i = 0; i < json_array_size(a); i++) {
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", section, i);
        tn_jobj_t e;
        double gbps = 0, v = -1;
        if (tn_jobj_open(&e, json_array_get(a, i), SRC, path, keys, top->err) ||
            tn_jobj_double(&e, "gbps", true, 1e-3, 1e6, &gbps) < 0 ||
            tn_jobj_double(&e, "w", true, 0, 1e6, &v) < 0)
            return -1;
        if ((uint64_t)(gbps * 1e9 + 0.5) == bps)
            *w = v;
    }
    return 0;
}

int en_figures_resolve(en_figures_t *f, const en_spec_t *s, const en_machine_t *m,
                       const char *gpu, const char *gpu_server, const char *cpu_server,
                       tn_error_t *err)
{
    memset(f, 0, sizeof *f);
    const topo_embedded_t *e = topo_embedded_find(en_embedded_data, "power");
    TN_ASSERT(e);
    json_t *doc = topo_embedded_json(e);
    static const char *const keys[] = {"description", "sources", "assumptions", "pue", "gpus",
                                       "servers",     "switches", NULL};
    tn_jobj_t top;
    int rc = -1;
    if (tn_jobj_open(&top, doc, SRC, "", keys, err) ||
        tn_jobj_double(&top, "pue", true, 1, 10, &f->pue) < 0 ||
        named(&top, "gpus", gpu, "busy_w", &f->w[EN_GPU_BUSY]) ||
        named(&top, "gpus", gpu, "idle_w", &f->w[EN_GPU_IDLE]) ||
        named(&top, "servers", gpu_server, "other_w", &f->w[EN_GPU_SERVER_OTHER]) ||
        named(&top, "servers", cpu_server, "w", &f->w[EN_CPU_SERVER]))
        goto out;
    for (int i = 0; i < m->n_switch_rates; i++)
        if (by_rate(&top, "switches", m->switches[i].bps, &f->switch_w[i]))
            goto out;
    rc = 0;
out:
    json_decref(doc);
    if (rc)
        return rc;
    if (s->pue > 0) {
        f->pue = s->pue;
        f->pue_given = true;
    }
    for (int k = 0; k < EN_FIGURE_N; k++)
        if (s->watts[k] >= 0) {
            f->w[k] = s->watts[k];
            f->given[k] = true;
        }
    for (int i = 0; i < m->n_switch_rates; i++)
        if (s->watts[EN_SWITCH] >= 0)
            f->switch_w[i] = s->watts[EN_SWITCH];
    /* what has no figure, for the report's "not counted" */
    if (m->gpus && f->w[EN_GPU_BUSY] < 0)
        note_missing(f, "GPUs (%s: set power.gpu_busy_w)", gpu ? gpu : "no GPU model named");
    if (m->gpu_servers && f->w[EN_GPU_SERVER_OTHER] < 0)
        note_missing(f, "GPU servers besides their GPUs (%s: set power.gpu_server_other_w)",
                     gpu_server ? gpu_server : "no server model");
    if (m->cpu_servers && f->w[EN_CPU_SERVER] < 0)
        note_missing(f, "CPU servers (%s: set power.cpu_server_w)",
                     cpu_server ? cpu_server : "no server model");
    char rate[64];
    for (int i = 0; i < m->n_switch_rates; i++)
        if (f->switch_w[i] < 0) {
            snprintf(rate, sizeof rate, "%g", (double)m->switches[i].bps / 1e9);
            note_missing(f, "%s Gbps switches (set power.switch_w)", rate);
        }
    if (m->too_many_rates)
        note_missing(f, "%s", "switches of more than 16 rates");
    return 0;
}
