#include "results/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_version.h"

/* Adds key: value for a double, as a JSON real. */
static void put_real(json_t *o, const char *k, double v) { json_object_set_new(o, k, json_real(v)); }
/* Counts and picosecond times: exact integers. The run refuses to report
 * anything past 2^63 (sim_run_scenario checks for saturation), so this
 * cast never loses the sign. */
static void put_int(json_t *o, const char *k, uint64_t v)
{
    TN_ASSERT(v <= INT64_MAX);
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

/* min, mean and max over n values in seconds. */
static json_t *spread_s(const sim_time_t *v, int32_t n)
{
    json_t *o = json_object();
    if (n <= 0)
        return o;
    sim_time_t lo = v[0], hi = v[0];
    double sum = 0;
    for (int32_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
        sum += (double)v[i];
    }
    put_real(o, "min_s", sim_time_to_s(lo));
    put_real(o, "mean_s", sum / n / 1e12);
    put_real(o, "max_s", sim_time_to_s(hi));
    return o;
}

json_t *res_report_json(const sim_records_t *rec, const res_meta_t *meta)
{
    json_t *r = json_object();
    sim_time_t it = sim_records_iteration_ps(rec);
    json_object_set_new(r, "scenario", json_string(meta->scenario));
    put_real(r, "iteration_time_s", sim_time_to_s(it));
    put_int(r, "iteration_time_ps", it);
    put_int(r, "iterations", rec->n_iterations);
    json_t *its = json_array();
    for (uint64_t i = 0; i < rec->n_iterations; i++) {
        sim_time_t start = i ? rec->iter_end[i - 1] : 0;
        json_array_append_new(its, json_real(sim_time_to_s(rec->iter_end[i] - start)));
    }
    json_object_set_new(r, "iteration_times_s", its);
    put_real(r, "total_time_s", sim_time_to_s(rec->end_ps));
    /* throughput: per second of the steady-state iteration */
    double secs = sim_time_to_s(it);
    json_object_set_new(r, "tokens_per_s",
                        meta->tokens > 0 && secs > 0 ? json_real(meta->tokens / secs) : json_null());
    json_object_set_new(r, "samples_per_s",
                        meta->samples > 0 && secs > 0 ? json_real(meta->samples / secs) : json_null());
    json_object_set_new(r, "model_flops_per_iteration",
                        meta->model_flops > 0 ? json_real(meta->model_flops) : json_null());
    double per_gpu = meta->model_flops > 0 && secs > 0 && meta->ranks > 0
                         ? meta->model_flops / secs / meta->ranks
                         : 0;
    json_object_set_new(r, "tflops_per_gpu", per_gpu > 0 ? json_real(per_gpu / 1e12) : json_null());
    json_object_set_new(r, "mfu", per_gpu > 0 && meta->gpu_peak_flops > 0
                                      ? json_real(per_gpu / meta->gpu_peak_flops)
                                      : json_null());
    put_int(r, "gpus", (uint64_t)meta->gpus);
    put_int(r, "ranks", (uint64_t)meta->ranks);
    put_int(r, "idle_gpus", (uint64_t)(meta->gpus - meta->ranks));
    json_object_set_new(r, "network_model", json_string(meta->network_model));

    json_t *ranks = json_object();
    json_object_set_new(ranks, "compute", spread_s(rec->rank_compute_ps, rec->n_ranks));
    json_object_set_new(ranks, "collectives", spread_s(rec->rank_coll_ps, rec->n_ranks));
    json_object_set_new(r, "per_rank_totals", ranks);

    /* A sum over links: as a double, as it may pass 2^63 when each
     * counter does not. */
    double bytes = 0;
    for (int32_t e = 0; e < rec->n_links; e++)
        bytes += (double)rec->link_bytes[e];
    json_t *net = json_object();
    put_int(net, "transfers", rec->transfers);
    put_real(net, "link_bytes", bytes);
    json_object_set_new(r, "network", net);

    json_t *m = json_object();
    json_object_set_new(m, "tensim_version", json_string(TENSIM_VERSION));
    put_int(m, "seed", meta->seed);
    char h[32];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)meta->scenario_hash);
    json_object_set_new(m, "scenario_hash", json_string(h));
    json_object_set_new(m, "command_line", json_string(meta->command_line));
    put_int(m, "events", rec->events);
    json_object_set_new(r, "meta", m);
    return r;
}

int res_write_outputs(const char *dir, const sim_records_t *rec, const res_meta_t *meta,
                      tn_error_t *err)
{
    json_t *rep = res_report_json(rec, meta);
    char *text = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(rep);
    TN_ASSERT(text != NULL);
    size_t n = strlen(dir) + 32;
    char *path = tn_malloc(n);
    snprintf(path, n, "%s/report.json", dir);
    tn_outset_t out;
    tn_outset_init(&out);
    size_t len = strlen(text);
    text[len++] = '\n'; /* replaces the NUL: written by length */
    int rc = tn_mkdirs(dir, err);
    if (rc)
        tn_error_prefix(err, "output directory %s", dir);
    if (rc == 0)
        rc = tn_outset_add(&out, path, text, len, err);
    if (rc == 0)
        rc = tn_outset_commit(&out, err);
    else
        tn_outset_abort(&out);
    tn_outset_destroy(&out);
    free(path);
    free(text);
    return rc;
}
