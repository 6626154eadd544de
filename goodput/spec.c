/* goodput/spec.c — see goodput/spec.h. */
#include "goodput/spec.h"

#include <string.h>

#include "common/tn_json.h"

gp_spec_t gp_spec_default(void)
{
    return (gp_spec_t){
        .interval_s = 3600,
        .detect_s = 600,
        .startup_s = 300,
        .rate_scale = 1,
        .lifetime = GP_LIFE_EXPONENTIAL,
        .weibull_shape = 1,
        .server_repair_s = -1,
        .fabric_repair_s = -1,
        .runs = 1000,
        .lemon_rate_x = 10,
    };
}

static int read_checkpoint(tn_jobj_t *top, gp_spec_t *s)
{
    static const char *const keys[] = {"interval_min", "mode", "restore", NULL};
    static const char *const modes[] = {"blocking", "async", NULL};
    static const char *const restores[] = {"every_rank", "one_per_dp_group", NULL};
    tn_jobj_t c;
    int rc = tn_jobj_sub(top, "checkpoint", false, keys, &c);
    if (rc)
        return rc < 0 ? -1 : 0;
    const json_t *iv = json_object_get(c.obj, "interval_min");
    if (json_is_string(iv) && strcmp(json_string_value(iv), "auto") == 0) {
        s->interval_s = 0;
    } else if (iv) {
        double min = 0;
        if (!json_is_number(iv))
            return tn_jobj_fail(&c, "interval_min", "expected a number of minutes or \"auto\"");
        if (tn_jobj_double(&c, "interval_min", true, 1e-3, 1e7, &min) < 0)
            return -1;
        s->interval_s = min * 60;
    }
    int mode = (int)s->mode, restore = (int)s->restore;
    if (tn_jobj_enum(&c, "mode", false, modes, &mode) < 0 ||
        tn_jobj_enum(&c, "restore", false, restores, &restore) < 0)
        return -1;
    s->mode = (gp_ckpt_mode_t)mode;
    s->restore = (gp_restore_t)restore;
    return 0;
}

/* A duration given in `unit` seconds (60: minutes, 3600: hours), stored
 * in seconds; absent, *s keeps its default (a negative one too). */
static int read_duration(tn_jobj_t *o, const char *key, double unit, double *s)
{
    double v = *s / unit;
    if (tn_jobj_double(o, key, false, 0, 1e7, &v) < 0)
        return -1;
    *s = v * unit;
    return 0;
}

/* "lemons": servers that fail far more often than the rest (Kokolis et
 * al.: 1.2% of RSC-1's nodes took part in 13% of its failed jobs) */
static int read_lemons(tn_jobj_t *f, gp_spec_t *s)
{
    static const char *const keys[] = {"servers", "rate_x", NULL};
    tn_jobj_t l;
    int rc = tn_jobj_sub(f, "lemons", false, keys, &l);
    if (rc)
        return rc < 0 ? -1 : 0;
    return tn_jobj_u64(&l, "servers", true, 0, 10000000, &s->lemons) < 0 ||
                   tn_jobj_double(&l, "rate_x", false, 1, 1e6, &s->lemon_rate_x) < 0
               ? -1
               : 0;
}

static int read_failures(tn_jobj_t *top, gp_spec_t *s)
{
    static const char *const keys[] = {"rate_scale", "lifetime",        "weibull_shape", "spares",
                                       "server_repair_h", "fabric_repair_h", "lemons", "when_short", NULL};
    static const char *const shorts[] = {"wait", "shrink", NULL};
    static const char *const kinds[] = {"exponential", "weibull", NULL};
    tn_jobj_t f;
    int rc = tn_jobj_sub(top, "failures", false, keys, &f);
    if (rc)
        return rc < 0 ? -1 : 0;
    int kind = (int)s->lifetime, when_short = s->shrink;
    if (tn_jobj_enum(&f, "when_short", false, shorts, &when_short) < 0)
        return -1;
    s->shrink = when_short == 1;
    if (tn_jobj_double(&f, "rate_scale", false, 0, 1e6, &s->rate_scale) < 0 ||
        tn_jobj_enum(&f, "lifetime", false, kinds, &kind) < 0 ||
        tn_jobj_double(&f, "weibull_shape", false, 0.05, 20, &s->weibull_shape) < 0 ||
        tn_jobj_u64(&f, "spares", false, 0, 1000000, &s->spares) < 0 ||
        read_duration(&f, "server_repair_h", 3600, &s->server_repair_s) ||
        read_duration(&f, "fabric_repair_h", 3600, &s->fabric_repair_s) ||
        read_lemons(&f, s))
        return -1;
    s->lifetime = (gp_life_kind_t)kind;
    return 0;
}

int gp_spec_parse(gp_spec_t *s, const json_t *training, const char *src, tn_error_t *err)
{
    static const char *const keys[] = {"tokens", "checkpoint", "restart", "failures", "runs",
                                       "power", NULL};
    static const char *const restart_keys[] = {"detect_min", "startup_min", NULL};
    *s = gp_spec_default();
    tn_jobj_t top, r;
    if (tn_jobj_open(&top, training, src, "training", keys, err))
        return -1;
    /* the power figures moved to the scenario's own "power" section, read
     * by every command that reports energy */
    if (json_object_get(training, "power"))
        return tn_jobj_fail(&top, "power", "moved: power figures are the scenario's top-level "
                                           "\"power\" section (docs/energy.md)");
    if (tn_jobj_double(&top, "tokens", true, 1, 1e18, &s->tokens) < 0 ||
        read_checkpoint(&top, s))
        return -1;
    int rc = tn_jobj_sub(&top, "restart", false, restart_keys, &r);
    if (rc < 0 || (rc == 0 && (read_duration(&r, "detect_min", 60, &s->detect_s) ||
                               read_duration(&r, "startup_min", 60, &s->startup_s))))
        return -1;
    if (read_failures(&top, s) || tn_jobj_u64(&top, "runs", false, 1, 1000000, &s->runs) < 0)
        return -1;
    return 0;
}
