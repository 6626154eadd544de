#include "results/report.h"

#include <math.h>
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

/* What each tier's links join, for a reader who does not know the names
 * (topology/topo.h's topo_tier_t): by topo_tier_t. */
static const char *const tier_meaning[TOPO_TIER_COUNT] = {
    "inside a server: GPU to NVSwitch or GPU over NVLink",
    "inside a server: PCIe (GPU, NIC or CPU to a PCIe switch)",
    "GPU server NIC (or GPU) to its first switch",
    "leaf to spine",
    "spine to core",
    "dragonfly: router to router within a group",
    "dragonfly: router to router between groups",
    "torus: node to neighbouring node",
};

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
        json_object_set_new(t, "meaning", json_string(tier_meaning[k]));
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

/* One class of links: alike in tier, endpoint kinds, capacity and
 * utilization to the 0.1% the pages show. */
typedef struct {
    uint8_t tier, from, to;
    uint64_t bps;
    int64_t permille; /* utilization x 1000, rounded */
    int64_t links;
    double bytes;
} lclass_t;

static int lclass_cmp(const void *a, const void *b)
{
    const lclass_t *x = a, *y = b;
    if (x->permille != y->permille)
        return x->permille > y->permille ? -1 : 1;
    if (x->links != y->links)
        return x->links > y->links ? -1 : 1;
    if (x->tier != y->tier)
        return x->tier < y->tier ? -1 : 1;
    if (x->bps != y->bps)
        return x->bps > y->bps ? -1 : 1;
    return x->from != y->from ? (x->from < y->from ? -1 : 1) : (x->to > y->to) - (x->to < y->to);
}

/* The used links (busy at all) grouped into classes, the busiest class
 * first (ties: more links first), at most k of them, each with how many
 * links it holds: the busiest links said once per figure instead of 20
 * identical rows. O(links x classes + classes log classes). */
static json_t *link_classes_json(const sim_records_t *r, int k)
{
    lclass_t *c = NULL;
    size_t n = 0, cap = 0;
    for (int32_t e = 0; e < r->n_links; e++) {
        if (!r->link_busy_ps[e])
            continue;
        lclass_t key = {r->link_tier[e], r->vertex_kind[r->link_src[e]],
                        r->vertex_kind[r->link_dst[e]], r->link_bps[e],
                        (int64_t)floor(res_link_utilization(r, e) * 1000 + 0.5), 0, 0};
        size_t i = 0;
        while (i < n && !(c[i].tier == key.tier && c[i].from == key.from && c[i].to == key.to &&
                          c[i].bps == key.bps && c[i].permille == key.permille))
            i++;
        if (i == n) {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                c = tn_realloc(c, cap * sizeof *c);
            }
            c[n++] = key;
        }
        c[i].links++;
        c[i].bytes += (double)r->link_bytes[e];
    }
    if (n)
        qsort(c, n, sizeof *c, lclass_cmp);
    json_t *a = json_array();
    for (size_t i = 0; i < n && i < (size_t)k; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "tier", json_string(topo_tier_name((topo_tier_t)c[i].tier)));
        json_object_set_new(l, "from", json_string(topo_kind_name((topo_kind_t)c[i].from)));
        json_object_set_new(l, "to", json_string(topo_kind_name((topo_kind_t)c[i].to)));
        put_real(l, "capacity_gbps", (double)c[i].bps / 1e9);
        put_real(l, "utilization", (double)c[i].permille / 1000);
        json_object_set_new(l, "links", json_integer(c[i].links));
        put_real(l, "bytes_per_link", c[i].bytes / (double)c[i].links);
        json_array_append_new(a, l);
    }
    free(c);
    return a;
}

/* Where a vertex sits in the drawing of the fabric: 0 inside a server,
 * 1 the first switches (leaf, router), 2 spine, 3 core. */
static int level_of(const sim_records_t *r, int32_t v)
{
    if (r->vertex_server[v] >= 0)
        return 0;
    switch ((topo_kind_t)r->vertex_kind[v]) {
    case TOPO_SPINE:
        return 2;
    case TOPO_CORE:
        return 3;
    default:
        return 1;
    }
}

/* A group of the drawing: "gpu_server", "cpu_server", or a switch kind. */
static const char *group_of(const sim_records_t *r, const uint8_t *gpu_server, int32_t v)
{
    int32_t s = r->vertex_server[v];
    if (s >= 0)
        return gpu_server[s] ? "gpu_server" : "cpu_server";
    return topo_kind_name((topo_kind_t)r->vertex_kind[v]);
}

typedef struct {
    const char *from, *to;   /* groups */
    uint8_t from_kind, to_kind, tier;
    uint64_t bps;
    int64_t cables;
} conn_t;

/* The fabric as its structure, read off the records' vertices and links
 * (so a degraded run shows what it ran on): servers and what they hold,
 * switches by kind with their radix (the most ports of one) and
 * oversubscription (capacity down over capacity up, all switches of the
 * kind together), cables by tier, and the connections between groups
 * (cables alike in groups, endpoint kinds, tier and rate, each counted
 * once, from the lower level up). O(|V| + links x connections). */
static json_t *fabric_json(const sim_records_t *r, const res_run_t *run)
{
    json_t *f = json_object();
    json_object_set_new(f, "kind", run && run->fabric_kind ? json_string(run->fabric_kind)
                                                           : json_null());
    json_object_set_new(f, "preset", run && run->fabric_preset ? json_string(run->fabric_preset)
                                                               : json_null());
    json_object_set_new(f, "bisection_gbps", run && run->bisection_gbps >= 0
                                                 ? json_real(run->bisection_gbps)
                                                 : json_null());
    if (!r->link_src)
        return f;
    int32_t ns = 0;
    for (int32_t v = 0; v < r->n_vertices; v++)
        ns = r->vertex_server[v] + 1 > ns ? r->vertex_server[v] + 1 : ns;
    uint8_t *gpu_server = tn_calloc((size_t)ns + 1, 1);
    int64_t kinds[TOPO_KIND_COUNT] = {0}, in_gpu_servers[TOPO_KIND_COUNT] = {0};
    for (int32_t v = 0; v < r->n_vertices; v++)
        if (r->vertex_kind[v] == TOPO_GPU && r->vertex_server[v] >= 0)
            gpu_server[r->vertex_server[v]] = 1;
    int64_t n_gpu_servers = 0;
    for (int32_t s = 0; s < ns; s++)
        n_gpu_servers += gpu_server[s];
    for (int32_t v = 0; v < r->n_vertices; v++) {
        kinds[r->vertex_kind[v]]++;
        if (r->vertex_server[v] >= 0 && gpu_server[r->vertex_server[v]])
            in_gpu_servers[r->vertex_kind[v]]++;
    }
    put_int(f, "servers", (uint64_t)ns);
    put_int(f, "gpu_servers", (uint64_t)n_gpu_servers);
    put_int(f, "gpus", (uint64_t)kinds[TOPO_GPU]);
    json_t *per = json_object();
    for (int k = 0; k < TOPO_KIND_COUNT; k++)
        if (in_gpu_servers[k] && n_gpu_servers)
            put_real(per, topo_kind_name((topo_kind_t)k),
                     (double)in_gpu_servers[k] / (double)n_gpu_servers);
    json_object_set_new(f, "per_gpu_server", per);

    /* ports and capacity of each switch, by direction of the far end */
    int32_t *ports = tn_calloc((size_t)r->n_vertices + 1, sizeof *ports);
    double down[TOPO_KIND_COUNT] = {0}, up[TOPO_KIND_COUNT] = {0};
    int64_t cables[TOPO_TIER_COUNT] = {0};
    conn_t *c = NULL;
    size_t nc = 0, cap = 0;
    for (int32_t e = 0; e < r->n_links; e++) {
        int32_t a = r->link_src[e], b = r->link_dst[e];
        ports[a]++;
        int la = level_of(r, a), lb = level_of(r, b);
        if (r->vertex_server[a] < 0) {
            if (lb < la)
                down[r->vertex_kind[a]] += (double)r->link_bps[e];
            else if (lb > la)
                up[r->vertex_kind[a]] += (double)r->link_bps[e];
        }
        /* each cable once: its upward direction, or the lower id */
        if (la > lb || (la == lb && a > b))
            continue;
        cables[r->link_tier[e]]++;
        const char *ga = group_of(r, gpu_server, a), *gb = group_of(r, gpu_server, b);
        if (r->vertex_server[a] >= 0 && r->vertex_server[a] == r->vertex_server[b])
            continue; /* inside one server: not drawn */
        conn_t key = {ga, gb, r->vertex_kind[a], r->vertex_kind[b], r->link_tier[e],
                      r->link_bps[e], 0};
        size_t i = 0;
        while (i < nc && !(c[i].from == key.from && c[i].to == key.to &&
                           c[i].from_kind == key.from_kind && c[i].to_kind == key.to_kind &&
                           c[i].tier == key.tier && c[i].bps == key.bps))
            i++;
        if (i == nc) {
            if (nc == cap) {
                cap = cap ? 2 * cap : 8;
                c = tn_realloc(c, cap * sizeof *c);
            }
            c[nc++] = key;
        }
        c[i].cables++;
    }
    json_t *sw = json_object(), *radix = json_object(), *over = json_object();
    for (int k = 0; k < TOPO_KIND_COUNT; k++) {
        int64_t n = 0;
        int32_t most = 0;
        for (int32_t v = 0; v < r->n_vertices; v++)
            if (r->vertex_server[v] < 0 && r->vertex_kind[v] == k) {
                n++;
                most = ports[v] > most ? ports[v] : most;
            }
        if (!n)
            continue;
        const char *name = topo_kind_name((topo_kind_t)k);
        json_object_set_new(sw, name, json_integer(n));
        json_object_set_new(radix, name, json_integer(most));
        if (down[k] > 0 && up[k] > 0)
            put_real(over, name, down[k] / up[k]);
    }
    json_object_set_new(f, "switches", sw);
    json_object_set_new(f, "radix", radix);
    json_object_set_new(f, "oversubscription", over);
    json_t *ct = json_object();
    for (int k = 0; k < TOPO_TIER_COUNT; k++)
        if (cables[k])
            json_object_set_new(ct, topo_tier_name((topo_tier_t)k), json_integer(cables[k]));
    json_object_set_new(f, "cables", ct);
    json_t *ca = json_array();
    for (size_t i = 0; i < nc; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "from", json_string(c[i].from));
        json_object_set_new(o, "from_kind", json_string(topo_kind_name((topo_kind_t)c[i].from_kind)));
        json_object_set_new(o, "to", json_string(c[i].to));
        json_object_set_new(o, "to_kind", json_string(topo_kind_name((topo_kind_t)c[i].to_kind)));
        json_object_set_new(o, "tier", json_string(topo_tier_name((topo_tier_t)c[i].tier)));
        put_real(o, "gbps", (double)c[i].bps / 1e9);
        json_object_set_new(o, "cables", json_integer(c[i].cables));
        json_array_append_new(ca, o);
    }
    json_object_set_new(f, "connections", ca);
    free(c);
    free(ports);
    free(gpu_server);
    return f;
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

/* The "run" object: what was run, for the identity block of the pages. */
static json_t *run_json(const sim_records_t *rec, const res_meta_t *meta)
{
    const res_run_t *run = meta->run;
    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(meta->scenario));
    json_object_set_new(o, "description", str_or_null(run->description));
    json_t *w = json_object();
    json_object_set_new(w, "source", str_or_null(run->workload));
    json_object_set_new(w, "model", str_or_null(run->model));
    json_object_set_new(w, "gpu", str_or_null(run->gpu));
    json_object_set_new(w, "gpu_memory_bytes",
                        run->gpu_memory_bytes > 0 ? json_real(run->gpu_memory_bytes) : json_null());
    put_int(w, "ranks", (uint64_t)meta->ranks);
    if (run->sizes) {
        const wl_model_t *m = run->sizes;
        put_int(w, "layers", m->layers);
        put_int(w, "hidden", m->hidden);
        put_int(w, "heads", m->heads);
        put_int(w, "seq_len", m->seq_len);
        put_int(w, "vocab", m->vocab);
        /* Megatron's count (workloads/memory.h): 12 h^2 + 13 h a layer,
         * the word and position embeddings */
        double h = (double)m->hidden;
        put_real(w, "parameters", (double)m->layers * (12 * h * h + 13 * h) +
                                      (double)m->vocab * h + (double)m->seq_len * h);
    }
    json_object_set_new(o, "workload", w);
    if (run->layout) {
        const wl_layout_t *ly = run->layout;
        json_t *l = json_object();
        put_int(l, "tp", ly->tp);
        put_int(l, "pp", ly->pp);
        put_int(l, "dp", ly->dp);
        put_int(l, "microbatch", ly->microbatch);
        put_int(l, "global_batch", ly->global_batch);
        put_int(l, "microbatches_per_replica",
                ly->dp && ly->microbatch ? ly->global_batch / (ly->dp * ly->microbatch) : 0);
        json_object_set_new(l, "schedule", str_or_null(run->schedule));
        put_int(l, "virtual_stages", ly->virtual_stages);
        json_object_set_new(l, "recompute", str_or_null(run->recompute));
        json_object_set_new(l, "sequence_parallel", json_boolean(ly->sequence_parallel));
        put_int(l, "zero_stage", ly->zero_stage);
        json_object_set_new(o, "layout", l);
    } else {
        json_object_set_new(o, "layout", json_null());
    }
    json_object_set_new(o, "fabric", fabric_json(rec, run));
    json_object_set_new(o, "network_model", json_string(meta->network_model));
    json_t *c = json_object();
    json_object_set_new(c, "algorithm", str_or_null(run->algorithm));
    json_object_set_new(c, "protocol", str_or_null(run->protocol));
    put_int(c, "chunk_bytes", run->chunk_bytes);
    put_int(c, "channels", run->channels);
    json_object_set_new(o, "collectives", c);
    json_t *sets = json_array();
    for (int i = 0; i < run->n_sets; i++)
        json_array_append_new(sets, json_string(run->sets[i]));
    json_object_set_new(o, "overrides", sets);
    put_int(o, "iterations", run->iterations);
    json_object_set_new(o, "command_line", json_string(meta->command_line));
    json_object_set_new(o, "tensim_version", json_string(TENSIM_VERSION));
    put_int(o, "seed", meta->seed);
    char h[32];
    snprintf(h, sizeof h, "%016llx", (unsigned long long)meta->scenario_hash);
    json_object_set_new(o, "scenario_hash", json_string(h));
    return o;
}

/* The memory model's figure per GPU (the stage that needs the most). */
static json_t *memory_json(const res_run_t *run)
{
    if (!run || !run->memory)
        return json_null();
    const wl_memory_t *m = run->memory;
    json_t *o = json_object();
    put_real(o, "weights_bytes", m->weights);
    put_real(o, "gradients_bytes", m->grads);
    put_real(o, "optimizer_bytes", m->optimizer);
    put_real(o, "activations_bytes", m->activations);
    put_real(o, "total_bytes", m->total);
    put_int(o, "stage", m->stage);
    json_object_set_new(o, "gpu_memory_bytes", run->gpu_memory_bytes > 0
                                                   ? json_real(run->gpu_memory_bytes)
                                                   : json_null());
    return o;
}

/* The other files of the output directory, as res_write_outputs() writes
 * them (results/outputs.c: links.csv and ranks.csv need the described
 * links, timeline.json sampled ranks too). */
static json_t *files_json(const sim_records_t *r)
{
    json_t *a = json_array();
    static const char *const always[] = {"report.json", "report.md", "report.html"};
    for (size_t i = 0; i < 3; i++)
        json_array_append_new(a, json_string(always[i]));
    if (r->link_src) {
        json_array_append_new(a, json_string("links.csv"));
        json_array_append_new(a, json_string("ranks.csv"));
        if (r->rank_sampled)
            json_array_append_new(a, json_string("timeline.json"));
    }
    return a;
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
    json_object_set_new(r, "link_classes",
                        rec->link_src ? link_classes_json(rec, 20) : json_array());
    if (meta->run) {
        json_object_set_new(r, "run", run_json(rec, meta));
        json_object_set_new(r, "memory_per_gpu", memory_json(meta->run));
    }
    if (meta->energy)
        json_object_set_new(r, "energy", json_deep_copy(meta->energy));
    json_object_set_new(r, "files", files_json(rec));

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
