#include "results/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_version.h"
#include "results/bottleneck.h"
#include "results/human.h"
#include "topology/topo.h"

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

void res_vertex_name(const sim_records_t *r, int32_t v, char *buf, size_t n)
{
    if (r->vertex_server[v] >= 0)
        snprintf(buf, n, "%s %d (server %d)", topo_kind_name((topo_kind_t)r->vertex_kind[v]),
                 r->vertex_ordinal[v], r->vertex_server[v]);
    else
        snprintf(buf, n, "%s %d", topo_kind_name((topo_kind_t)r->vertex_kind[v]),
                 r->vertex_ordinal[v]);
}

double res_link_utilization(const sim_records_t *r, int32_t e)
{
    return r->end_ps ? (double)r->link_busy_ps[e] / (double)r->end_ps : 0;
}

/* By tier: links, capacity, bytes, mean and peak utilization. */
static json_t *tiers_json(const sim_records_t *r)
{
    json_t *o = json_object();
    for (int k = 0; k < TOPO_TIER_COUNT; k++) {
        int64_t n = 0;
        double cap = 0, bytes = 0, sum = 0, peak = 0;
        for (int32_t e = 0; e < r->n_links; e++) {
            if (r->link_tier[e] != k)
                continue;
            double u = res_link_utilization(r, e);
            n++;
            cap += (double)r->link_bps[e] / 1e9;
            bytes += (double)r->link_bytes[e];
            sum += u;
            peak = u > peak ? u : peak;
        }
        if (!n)
            continue;
        json_t *t = json_object();
        json_object_set_new(t, "links", json_integer(n));
        json_object_set_new(t, "capacity_gbps", json_real(cap));
        json_object_set_new(t, "bytes", json_real(bytes));
        json_object_set_new(t, "mean_utilization", json_real(sum / (double)n));
        json_object_set_new(t, "max_utilization", json_real(peak));
        json_object_set_new(o, topo_tier_name((topo_tier_t)k), t);
    }
    return o;
}

typedef struct {
    sim_time_t busy;
    int32_t link;
} busy_t;

static int busier(const void *a, const void *b)
{
    const busy_t *x = a, *y = b;
    return x->busy > y->busy ? -1 : x->busy < y->busy ? 1 : (x->link > y->link) - (x->link < y->link);
}

/* The `k` busiest links, busiest first (ties: lower link id). */
static json_t *top_links_json(const sim_records_t *r, int k)
{
    busy_t *idx = tn_malloc(((size_t)r->n_links + 1) * sizeof *idx);
    for (int32_t e = 0; e < r->n_links; e++)
        idx[e] = (busy_t){r->link_busy_ps[e], e};
    qsort(idx, (size_t)r->n_links, sizeof *idx, busier);
    json_t *a = json_array();
    for (int32_t i = 0; i < r->n_links && i < k && idx[i].busy > 0; i++) {
        int32_t e = idx[i].link;
        char src[96], dst[96];
        res_vertex_name(r, r->link_src[e], src, sizeof src);
        res_vertex_name(r, r->link_dst[e], dst, sizeof dst);
        json_t *l = json_object();
        json_object_set_new(l, "link", json_integer(e));
        json_object_set_new(l, "from", json_string(src));
        json_object_set_new(l, "to", json_string(dst));
        json_object_set_new(l, "tier", json_string(topo_tier_name((topo_tier_t)r->link_tier[e])));
        json_object_set_new(l, "capacity_gbps", json_real((double)r->link_bps[e] / 1e9));
        json_object_set_new(l, "utilization", json_real(res_link_utilization(r, e)));
        json_object_set_new(l, "bytes", json_real((double)r->link_bytes[e]));
        json_array_append_new(a, l);
    }
    free(idx);
    return a;
}

/* Sums a by-rank-x-communicator table over ranks into two objects keyed
 * by communicator: seconds per iteration and share of `span`; returns the
 * total in seconds. O(ranks x communicators). */
static double by_comm(const sim_records_t *rec, const sim_time_t *tab, double per, double span,
                      json_t *secs, json_t *share)
{
    double all = 0;
    for (int32_t c = 0; c < rec->n_comms; c++) {
        double t = 0;
        for (int32_t k = 0; k < rec->n_ranks; k++)
            t += sim_time_to_s(tab[(size_t)k * (size_t)rec->n_comms + (size_t)c]);
        all += t;
        json_object_set_new(secs, rec->comm_names[c], json_real(t / per));
        json_object_set_new(share, rec->comm_names[c], json_real(span > 0 ? t / span : 0));
    }
    return all;
}

/* Where the ranks' time went: the mean over ranks of compute; of exposed
 * communication (data moving while the rank computes nothing); of waiting
 * (its communication ops wait for peers to reach them: load imbalance,
 * stragglers, the pipeline bubble), both by communicator; of idle time
 * (nothing to run: dependencies); and of the time a rank had finished its
 * last iteration while others ran on. Per iteration, and as shares of the
 * run. They add up to the run's time exactly: the executor charges every
 * interval of a rank to one of them. */
static json_t *breakdown_json(const sim_records_t *rec)
{
    json_t *b = json_object();
    if (!rec->rank_exposed_ps || rec->n_ranks == 0 || rec->n_iterations == 0)
        return b;
    double per = (double)rec->n_ranks * (double)rec->n_iterations;
    double compute = 0, idle = 0, early = 0, span = sim_time_to_s(rec->end_ps) * rec->n_ranks;
    for (int32_t k = 0; k < rec->n_ranks; k++) {
        compute += sim_time_to_s(rec->rank_compute_ps[k]);
        idle += sim_time_to_s(rec->rank_idle_ps[k]);
        early += sim_time_to_s(rec->end_ps - rec->rank_end_ps[k]);
    }
    json_t *exp_s = json_object(), *exp_share = json_object();
    json_t *wait_s = json_object(), *wait_share = json_object();
    double exposed = by_comm(rec, rec->rank_exposed_ps, per, span, exp_s, exp_share);
    double wait = by_comm(rec, rec->rank_wait_ps, per, span, wait_s, wait_share);
    put_real(b, "time_s", span / per);
    put_real(b, "compute_s", compute / per);
    put_real(b, "exposed_communication_s", exposed / per);
    put_real(b, "waiting_for_peers_s", wait / per);
    put_real(b, "idle_s", idle / per);
    put_real(b, "finished_early_s", early / per);
    put_real(b, "compute_share", span > 0 ? compute / span : 0);
    put_real(b, "exposed_communication_share", span > 0 ? exposed / span : 0);
    put_real(b, "waiting_for_peers_share", span > 0 ? wait / span : 0);
    put_real(b, "idle_share", span > 0 ? idle / span : 0);
    put_real(b, "finished_early_share", span > 0 ? early / span : 0);
    json_object_set_new(b, "exposed_by_communicator_s", exp_s);
    json_object_set_new(b, "exposed_by_communicator_share", exp_share);
    json_object_set_new(b, "waiting_by_communicator_s", wait_s);
    json_object_set_new(b, "waiting_by_communicator_share", wait_share);
    return b;
}

/* Appends " (a x%, b y%, ...)" for the up to 3 largest entries of an
 * object of shares that are at least 0.05%. */
static void top_shares(const json_t *shares, char *buf, size_t n, size_t *len)
{
    const char *key[3] = {0};
    double val[3] = {0};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)shares, k, v) {
        double x = json_real_value(v);
        /* ties keep the earlier key: jansson keeps insertion order */
        for (int i = 0; i < 3; i++)
            if (x >= 0.0005 && (!key[i] || x > val[i])) {
                for (int j = 2; j > i; j--) {
                    key[j] = key[j - 1];
                    val[j] = val[j - 1];
                }
                key[i] = k;
                val[i] = x;
                break;
            }
    }
    for (int i = 0; i < 3 && key[i] && *len < n; i++) {
        int w = snprintf(buf + *len, n - *len, "%s%s %.1f%%%s", i ? ", " : " (", key[i],
                         100 * val[i], i == 2 || !key[i + 1] ? ")" : "");
        *len += w > 0 ? (size_t)w : 0;
    }
}

void res_summary_lines(const json_t *report, char *buf, size_t n)
{
    const json_t *b = json_object_get(report, "breakdown");
    const json_t *v = json_object_get(report, "bottleneck");
    size_t len = 0;
    buf[0] = '\0';
#define SHARE(key) (100 * json_real_value(json_object_get(b, key)))
    len += (size_t)snprintf(buf, n, "time: compute %.1f%%, exposed communication %.1f%%",
                            SHARE("compute_share"), SHARE("exposed_communication_share"));
    top_shares(json_object_get(b, "exposed_by_communicator_share"), buf, n, &len);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len, ", waiting for peers %.1f%%",
                                SHARE("waiting_for_peers_share"));
    top_shares(json_object_get(b, "waiting_by_communicator_share"), buf, n, &len);
    if (len < n)
        len += (size_t)snprintf(buf + len, n - len, ", idle %.1f%%, finished early %.1f%%",
                                SHARE("idle_share"), SHARE("finished_early_share"));
#undef SHARE
    const char *verdict = json_string_value(json_object_get(v, "verdict"));
    const char *evidence = json_string_value(json_object_get(v, "evidence"));
    if (len < n)
        snprintf(buf + len, n - len, "\nbottleneck: %s: %s", verdict ? verdict : "unknown",
                 evidence ? evidence : "");
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
    json_t *breakdown = breakdown_json(rec);
    json_object_set_new(r, "breakdown", breakdown);
    /* tiers: at the top level, where the report contract puts them; {}
     * when the records have no links */
    json_t *tiers = rec->link_src ? tiers_json(rec) : json_object();
    json_object_set_new(r, "bottleneck", res_bottleneck_json(rec, breakdown, tiers));

    /* A sum over links: as a double, as it may pass 2^63 when each
     * counter does not. */
    double bytes = 0;
    for (int32_t e = 0; e < rec->n_links; e++)
        bytes += (double)rec->link_bytes[e];
    json_t *net = json_object();
    put_int(net, "transfers", rec->transfers);
    put_real(net, "link_bytes", bytes);
    json_object_set_new(r, "network", net);
    json_object_set_new(r, "tiers", tiers);
    json_object_set_new(r, "top_links", rec->link_src ? top_links_json(rec, 20) : json_array());

    json_t *m = json_object();
    json_object_set_new(m, "tensim_version", json_string(TENSIM_VERSION));
    put_int(m, "seed", meta->seed);
    char h[32];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)meta->scenario_hash);
    json_object_set_new(m, "scenario_hash", json_string(h));
    json_object_set_new(m, "command_line", json_string(meta->command_line));
    put_int(m, "events", rec->events);
    json_object_set_new(m, "wall_time_s", meta->wall_s >= 0 ? json_real(meta->wall_s) : json_null());
    json_object_set_new(r, "meta", m);
    return r;
}
