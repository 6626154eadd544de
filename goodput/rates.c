/* goodput/rates.c — see goodput/rates.h. */
#include "goodput/rates.h"

#include <math.h>
#include <string.h>

#include "common/tn_json.h"

#define SRC "goodput/data/failures.json"

static const char *const class_keys[] = {"unit",   "node_share",   "units_per_node",
                                         "mttf_h", "monthly_failure", "effect",
                                         "takes",  "repair_h",     NULL};
static const char *const effects[] = {"degrade", "interrupt", NULL};
static const char *const takes[] = {"none", "server", "leaf_servers", NULL}; /* gp_takes_t */

static int read_class(gp_rates_t *r, tn_jobj_t *top, const char *name, const json_t *v,
                      double node_mttf_h)
{
    tn_jobj_t c;
    char path[128];
    snprintf(path, sizeof path, "classes.%s", name);
    if (tn_jobj_open(&c, v, SRC, path, class_keys, top->err))
        return -1;
    int k = r->n, eff = 1, tk = 0;
    const char *unit = NULL;
    double share = -1, per = 1, mttf = -1, monthly = -1, repair = 0;
    if (tn_jobj_str(&c, "unit", true, &unit) < 0 ||
        tn_jobj_double(&c, "node_share", false, 0, 1, &share) < 0 ||
        tn_jobj_double(&c, "units_per_node", false, 1, 1e6, &per) < 0 ||
        tn_jobj_double(&c, "mttf_h", false, 1e-3, 1e12, &mttf) < 0 ||
        tn_jobj_double(&c, "monthly_failure", false, 0, 0.999, &monthly) < 0 ||
        tn_jobj_enum(&c, "effect", true, effects, &eff) < 0 ||
        tn_jobj_enum(&c, "takes", false, takes, &tk) < 0 ||
        tn_jobj_double(&c, "repair_h", false, 0, 1e6, &repair) < 0)
        return -1;
    int u = gp_unit_from_name(unit);
    if (u < 0)
        return tn_jobj_fail(&c, "unit", "unknown unit \"%s\"", unit);
    if ((share > 0) + (mttf > 0) + (monthly > 0) != 1)
        return tn_jobj_fail(&c, NULL, "expected exactly one of node_share, mttf_h and "
                                      "monthly_failure, positive");
    if (share > 0)
        mttf = node_mttf_h * per / share;
    else if (monthly > 0)
        mttf = 720 / -log1p(-monthly);
    r->name[k] = tn_strdup(name);
    r->unit[k] = (gp_unit_t)u;
    r->mttf_h[k] = mttf;
    r->interrupts[k] = eff == 1;
    r->takes[k] = (gp_takes_t)tk;
    r->repair_h[k] = repair;
    r->n++;
    return 0;
}

int gp_rates_load(gp_rates_t *r, tn_error_t *err)
{
    memset(r, 0, sizeof *r);
    const topo_embedded_t *e = topo_embedded_find(gp_embedded_data, "failures");
    TN_ASSERT(e);
    json_error_t je;
    json_t *doc = json_loads(e->text, 0, &je);
    if (!doc)
        return tn_error_set(err, TN_EINPUT, SRC ":%d: %s", je.line, je.text);
    static const char *const keys[] = {"description", "sources", "assumptions",
                                       "node_rate_per_1000_days", "classes", NULL};
    tn_jobj_t top, cl;
    double rate = 0;
    int rc = -1;
    if (tn_jobj_open(&top, doc, SRC, "", keys, err) ||
        tn_jobj_double(&top, "node_rate_per_1000_days", true, 1e-6, 1e6, &rate) < 0 ||
        tn_jobj_sub(&top, "classes", true, NULL, &cl) < 0)
        goto out;
    double node_mttf_h = 1000 * 24 / rate;
    r->node_mttf_h = node_mttf_h;
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)cl.obj, name, v) {
        if (r->n == GP_MAX_CLASSES) {
            tn_jobj_fail(&cl, NULL, "more than %d classes", GP_MAX_CLASSES);
            goto out;
        }
        if (read_class(r, &top, name, v, node_mttf_h))
            goto out;
    }
    rc = 0;
out:
    json_decref(doc);
    if (rc)
        gp_rates_destroy(r);
    return rc;
}

void gp_rates_destroy(gp_rates_t *r)
{
    for (int32_t k = 0; k < r->n; k++)
        free(r->name[k]);
    memset(r, 0, sizeof *r);
}

void gp_rates_classes(const gp_rates_t *r, const gp_inventory_t *inv, double scale,
                      gp_class_t *cls)
{
    for (int32_t k = 0; k < r->n; k++) {
        uint64_t servers = r->takes[k] == GP_TAKES_LEAF_SERVERS ? inv->servers_per_leaf
                           : r->takes[k] == GP_TAKES_SERVER     ? 1
                                                                : 0;
        cls[k] = (gp_class_t){
            .name = r->name[k],
            .units = inv->count[r->unit[k]],
            .life = {GP_LIFE_EXPONENTIAL, r->mttf_h[k] * 3600 / scale, 1},
            .interrupts = r->interrupts[k],
            .servers = (uint32_t)servers,
            .slowdown = 1,
            .repair_s = r->repair_h[k] * 3600,
        };
    }
}
