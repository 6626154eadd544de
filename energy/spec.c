/* energy/spec.c — see energy/spec.h. */
#include "energy/spec.h"

#include "common/tn_json.h"

const char *const en_figure_keys[EN_FIGURE_N] = {
    "gpu_busy_w", "gpu_idle_w", "gpu_server_other_w", "cpu_server_w", "switch_w",
};

const char *const en_capital_keys[EN_CAP_N] = {
    "gpu_server_usd", "cpu_server_usd", "switch_usd", "nic_usd", "cable_usd",
};

en_spec_t en_spec_default(void)
{
    en_spec_t s = {.pue = 0, .usd_per_kwh = -1, .gpu_hour_usd = -1};
    for (int i = 0; i < EN_FIGURE_N; i++)
        s.watts[i] = -1;
    for (int i = 0; i < EN_CAP_N; i++)
        s.capital_usd[i] = -1;
    return s;
}

static int read_power(tn_jobj_t *top, en_spec_t *s)
{
    static const char *const keys[] = {"pue",    "gpu_busy_w", "gpu_idle_w", "gpu_server_other_w",
                                       "cpu_server_w", "switch_w", NULL};
    tn_jobj_t p;
    int rc = tn_jobj_sub(top, "power", false, keys, &p);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (tn_jobj_double(&p, "pue", false, 1, 10, &s->pue) < 0)
        return -1;
    for (int i = 0; i < EN_FIGURE_N; i++)
        if (tn_jobj_double(&p, en_figure_keys[i], false, 0, 1e6, &s->watts[i]) < 0)
            return -1;
    return 0;
}

static int read_prices(tn_jobj_t *top, en_spec_t *s)
{
    static const char *const keys[] = {"energy_usd_per_kwh", "gpu_hour_usd", "capital", NULL};
    static const char *const cap_keys[] = {"gpu_server_usd", "cpu_server_usd", "switch_usd",
                                           "nic_usd", "cable_usd", "years", NULL};
    tn_jobj_t p, c;
    int rc = tn_jobj_sub(top, "prices", false, keys, &p);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (tn_jobj_double(&p, "energy_usd_per_kwh", false, 0, 1e3, &s->usd_per_kwh) < 0 ||
        tn_jobj_double(&p, "gpu_hour_usd", false, 0, 1e6, &s->gpu_hour_usd) < 0)
        return -1;
    rc = tn_jobj_sub(&p, "capital", false, cap_keys, &c);
    if (rc)
        return rc < 0 ? -1 : 0;
    if (tn_jobj_double(&c, "years", true, 0.01, 100, &s->capital_years) < 0)
        return -1;
    for (int i = 0; i < EN_CAP_N; i++)
        if (tn_jobj_double(&c, en_capital_keys[i], false, 0, 1e12, &s->capital_usd[i]) < 0)
            return -1;
    return 0;
}

int en_spec_parse(en_spec_t *s, const json_t *root, const char *src, tn_error_t *err)
{
    *s = en_spec_default();
    tn_jobj_t top;
    if (tn_jobj_open(&top, root, src, "", NULL, err))
        return -1;
    return read_power(&top, s) || read_prices(&top, s) ? -1 : 0;
}

bool en_spec_priced(const en_spec_t *s)
{
    bool any = s->usd_per_kwh >= 0 || s->gpu_hour_usd >= 0;
    for (int i = 0; i < EN_CAP_N; i++)
        any = any || (s->capital_years > 0 && s->capital_usd[i] >= 0);
    return any;
}
