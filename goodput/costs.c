/* goodput/costs.c — see goodput/costs.h. */
#include "goodput/costs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goodput/checkpoint.h"
#include "goodput/inventory.h"
#include "sim/job/run.h"
#include "sim/job/transfer.h"
#include "topology/spec.h"
#include "topology/topo.h"

/* The job's fabric and what the checkpoint flows need of it. */
typedef struct {
    const sim_scenario_t *sc;
    const gp_spec_t *ts;
    gp_cache_t *cache;
    gp_costs_progress_fn progress;
    void *ctx;
    topo_t topo;
    int32_t *storage, n_storage;  /* storage vertices, in vertex order */
    int32_t *host, n_hosts;       /* by server: its first CPU socket, or -1 */
    const wl_model_t *model;
    const wl_layout_t *ly;
    uint64_t ranks;
} job_t;

static void say(job_t *j, const char *what)
{
    if (j->progress)
        j->progress(j->ctx, what);
}

/* One run of the scenario with options o: its steady iteration, and when
 * its background transfers ended. rec_out, when given, keeps the records
 * (the caller destroys them). */
static int run_job(job_t *j, const sim_run_opts_t *o, double *iter_s, double *bg_end_s,
                   sim_run_info_t *info, sim_records_t *rec_out, gp_costs_t *c, tn_error_t *err)
{
    sim_records_t rec;
    sim_run_info_t inf;
    int rc = sim_run_scenario_opts(j->sc, o, &rec, &inf, err);
    double bg = rc == 0 ? (double)inf.background_end_ps * 1e-12 : 0;
    c->simulations++;
    if (rc == 0) {
        *iter_s = (double)sim_records_iteration_ps(&rec) * 1e-12;
        if (bg_end_s)
            *bg_end_s = bg;
        if (info)
            *info = inf;
    }
    if (rc == 0 && rec_out)
        *rec_out = rec;
    else
        sim_records_destroy(&rec);
    return rc;
}

static int32_t rank_gpu(const job_t *j, uint64_t r) { return j->topo.gpus[r]; }

/* GPU g's host memory (its server's first CPU socket), or -1 */
static int32_t host_of(const job_t *j, int32_t g)
{
    int32_t s = j->topo.server[g];
    return s >= 0 && s < j->n_hosts ? j->host[s] : -1;
}

static double writer_bytes(const job_t *j, uint64_t r)
{
    uint64_t per_stage = j->ly->dp * j->ly->tp;
    return gp_checkpoint_rank_bytes(j->model, j->ly, r / per_stage, (r % per_stage) / j->ly->tp);
}

/* The checkpoint's flows: from each writer's GPU or its host memory (a
 * server without a CPU socket writes from the GPU, and has no snapshot to
 * take) to storage, or from the GPU to host memory. */
static size_t ckpt_flows(const job_t *j, bool from_host, bool to_storage, sim_transfer_t *x)
{
    size_t n = 0, writer = 0;
    for (uint64_t r = 0; r < j->ranks; r++) {
        double b = writer_bytes(j, r);
        if (b <= 0)
            continue;
        int32_t g = rank_gpu(j, r), h = host_of(j, g);
        size_t i = writer++;
        if (!to_storage && h < 0)
            continue;
        x[n++] = (sim_transfer_t){from_host && h >= 0 ? h : g,
                                  to_storage ? j->storage[i % (size_t)j->n_storage] : h,
                                  (uint64_t)b};
    }
    return n;
}

static int phase(job_t *j, const sim_transfer_t *x, size_t n, const char *what, double *s,
                 gp_costs_t *c, tn_error_t *err)
{
    say(j, what);
    c->simulations++;
    if (sim_transfer_phase(&j->topo, j->sc->net_model, x, n, s, err)) {
        tn_error_prefix(err, "%s: %s", j->sc->src, what);
        return -1;
    }
    return 0;
}

static int checkpoint_costs(job_t *j, gp_costs_t *c, tn_error_t *err)
{
    gp_cache_entry_t e = {2, {"snapshot_s", "write_s"}, {0}};
    if (gp_cache_get(j->cache, "checkpoint", &e)) {
        c->snapshot_s = e.value[0];
        c->write_s = e.value[1];
        c->cached++;
        return 0;
    }
    sim_transfer_t *x = tn_malloc((j->ranks + 1) * sizeof *x);
    size_t n = ckpt_flows(j, false, false, x);
    int rc = phase(j, x, n, "checkpoint snapshot: GPU to host memory", &c->snapshot_s, c, err);
    if (rc == 0) {
        n = ckpt_flows(j, true, true, x);
        rc = phase(j, x, n, "checkpoint write: host memory to storage", &c->write_s, c, err);
    }
    free(x);
    e.value[0] = c->snapshot_s;
    e.value[1] = c->write_s;
    return rc ? rc : gp_cache_put(j->cache, "checkpoint", &e, err);
}

static int drain_costs(job_t *j, gp_costs_t *c, tn_error_t *err)
{
    gp_cache_entry_t e = {2, {"iteration_s", "drain_end_s"}, {0}};
    if (gp_cache_get(j->cache, "async drain", &e)) {
        c->drain_iteration_s = e.value[0];
        c->drain_end_s = e.value[1];
        c->cached++;
        return 0;
    }
    sim_transfer_t *x = tn_malloc((j->ranks + 1) * sizeof *x);
    sim_run_opts_t o = {0};
    o.background = x;
    o.n_background = ckpt_flows(j, true, true, x);
    say(j, "iteration with the checkpoint draining to storage");
    int rc = run_job(j, &o, &c->drain_iteration_s, &c->drain_end_s, NULL, NULL, c, err);
    free(x);
    e.value[0] = c->drain_iteration_s;
    e.value[1] = c->drain_end_s;
    return rc ? rc : gp_cache_put(j->cache, "async drain", &e, err);
}

static int restore_costs(job_t *j, gp_costs_t *c, tn_error_t *err)
{
    bool one = j->ts->restore == GP_RESTORE_ONE_PER_DP_GROUP;
    const char *what = one ? "restore one_per_dp_group" : "restore every_rank";
    gp_cache_entry_t e = {1, {"restore_s"}, {0}};
    if (gp_cache_get(j->cache, what, &e)) {
        c->restore_s = e.value[0];
        c->cached++;
        return 0;
    }
    uint64_t tp = j->ly->tp, per_stage = j->ly->dp * tp;
    sim_transfer_t *x = tn_malloc((j->ranks + 1) * sizeof *x);
    size_t n = 0;
    int rc;
    if (!one) {
        for (uint64_t r = 0; r < j->ranks; r++)
            x[n++] = (sim_transfer_t){j->storage[r % (uint64_t)j->n_storage], rank_gpu(j, r),
                                      (uint64_t)gp_checkpoint_rank_read_bytes(j->model, j->ly,
                                                                              r / per_stage)};
        rc = phase(j, x, n, "restore: every rank reads its states", &c->restore_s, c, err);
    } else {
        /* data-parallel rank 0 of each (stage, t) reads the group's whole
         * checkpoint, then it goes down the chain d -> d + 1 */
        double read_s = 0, bcast_s = 0;
        for (uint64_t k = 0; k < j->ly->pp; k++)
            for (uint64_t t = 0; t < tp; t++) {
                double b = 0;
                for (uint64_t d = 0; d < j->ly->dp; d++)
                    b += gp_checkpoint_rank_bytes(j->model, j->ly, k, d);
                x[n] = (sim_transfer_t){j->storage[n % (size_t)j->n_storage],
                                        rank_gpu(j, k * per_stage + t), (uint64_t)b};
                n++;
            }
        rc = phase(j, x, n, "restore: one reader per data-parallel group", &read_s, c, err);
        if (rc == 0 && j->ly->dp > 1) {
            size_t m = 0;
            for (uint64_t k = 0; k < j->ly->pp; k++)
                for (uint64_t t = 0; t < tp; t++)
                    for (uint64_t d = 0; d + 1 < j->ly->dp; d++)
                        x[m++] = (sim_transfer_t){rank_gpu(j, k * per_stage + d * tp + t),
                                                  rank_gpu(j, k * per_stage + (d + 1) * tp + t),
                                                  x[k * tp + t].bytes};
            rc = phase(j, x, m, "restore: chain broadcast over the data-parallel group",
                       &bcast_s, c, err);
        }
        c->restore_s = read_s + bcast_s;
    }
    free(x);
    e.value[0] = c->restore_s;
    return rc ? rc : gp_cache_put(j->cache, what, &e, err);
}

/* ---- failure shapes ---- */

static const char *const tier_shape[TOPO_TIER_COUNT] = {
    [TOPO_TIER_LEAF] = "leaf-spine cable",   [TOPO_TIER_SPINE] = "spine-core cable",
    [TOPO_TIER_LOCAL] = "local cable",       [TOPO_TIER_GLOBAL] = "global cable",
    [TOPO_TIER_TORUS] = "torus cable"};
static const char *const kind_shape[TOPO_KIND_COUNT] = {
    [TOPO_SPINE] = "spine switch", [TOPO_CORE] = "core switch", [TOPO_ROUTER] = "router"};

/* The shapes of this fabric with their member counts (no traffic needed). */
static void list_shapes(const topo_t *t, gp_costs_t *c, uint8_t *is_fab_switch)
{
    uint64_t tier_n[TOPO_TIER_COUNT] = {0}, kind_n[TOPO_KIND_COUNT] = {0};
    for (int32_t e = 0; e < t->n_edges; e += 2)
        if (gp_inventory_fabric_tier(t->tier[e]))
            tier_n[t->tier[e]]++;
    /* a failed switch above the leaves degrades; the inventory's failure
     * classes count the same switches */
    gp_inventory_fabric_switches(t, is_fab_switch);
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (is_fab_switch[v])
            kind_n[t->kind[v]]++;
    c->n_shapes = 0;
    for (int k = 0; k < TOPO_TIER_COUNT; k++)
        if (tier_n[k] && tier_shape[k])
            c->shape[c->n_shapes++] = (gp_shape_t){tier_shape[k], true, tier_n[k], 0, -1, 0, 1};
    for (int k = 0; k < TOPO_KIND_COUNT; k++)
        if (kind_n[k] && kind_shape[k])
            c->shape[c->n_shapes++] = (gp_shape_t){kind_shape[k], false, kind_n[k], 0, -1, 0, 1};
}

typedef struct {
    uint64_t load;
    int32_t id;
} loaded_t;

static int by_load(const void *a, const void *b)
{
    const loaded_t *x = a, *y = b;
    if (x->load != y->load)
        return x->load < y->load ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The shape's loaded members and its median one, from the intact run. */
static void pick_representative(const topo_t *t, const uint64_t *link_bytes,
                                const uint8_t *is_fab_switch, gp_shape_t *s)
{
    size_t cap = s->cable ? (size_t)t->n_edges / 2 : (size_t)t->n_vertices, n = 0;
    loaded_t *l = tn_malloc((cap + 1) * sizeof *l);
    if (s->cable) {
        for (int32_t e = 0; e < t->n_edges; e += 2)
            if (gp_inventory_fabric_tier(t->tier[e]) && !strcmp(tier_shape[t->tier[e]], s->name) &&
                link_bytes[e] + link_bytes[e + 1] > 0)
                l[n++] = (loaded_t){link_bytes[e] + link_bytes[e + 1], e / 2};
    } else {
        for (int32_t v = 0; v < t->n_vertices; v++) {
            if (!is_fab_switch[v] || !kind_shape[t->kind[v]] ||
                strcmp(kind_shape[t->kind[v]], s->name))
                continue;
            uint64_t b = 0;
            for (int32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++)
                b += link_bytes[t->out_edge[i]];
            if (b > 0)
                l[n++] = (loaded_t){b, v};
        }
    }
    qsort(l, n, sizeof *l, by_load);
    s->loaded = n;
    s->representative = n ? l[n / 2].id : -1;
    free(l);
}

static int degraded_run(job_t *j, gp_shape_t *s, gp_costs_t *c, tn_error_t *err)
{
    const topo_t *t = &j->topo;
    uint8_t *drop = tn_calloc(s->cable ? (size_t)t->n_edges / 2 : (size_t)t->n_vertices, 1);
    drop[s->representative] = 1;
    sim_run_opts_t o = {0};
    if (s->cable)
        o.drop_cable = drop;
    else
        o.drop_vertex = drop;
    char what[96];
    snprintf(what, sizeof what, "iteration without one %s", s->name);
    say(j, what);
    int rc = run_job(j, &o, &s->iteration_s, NULL, NULL, NULL, c, err);
    free(drop);
    return rc;
}

/* ---- the whole ---- */

static int job_init(job_t *j, const sim_scenario_t *sc, tn_error_t *err)
{
    const wl_spec_t *w = &j->sc->workload;
    if (!w->source->has_layout)
        return tn_error_set(err, TN_EINPUT, "%s: training: a goodput study needs a megatron "
                            "workload (its checkpoint is read from the model and layout)",
                            sc->src);
    j->model = &w->model;
    j->ly = &w->layout;
    j->ranks = wl_spec_ranks(w);
    if (topo_spec_build(&sc->topo, &j->topo, err)) {
        tn_error_prefix(err, "%s: topology", sc->src);
        return -1;
    }
    const topo_t *t = &j->topo;
    if (j->ranks > (uint64_t)t->n_gpus)
        return tn_error_set(err, TN_EINPUT, "%s: the workload has %llu ranks but the fabric has "
                            "only %d gpus", sc->src, (unsigned long long)j->ranks, t->n_gpus);
    j->storage = tn_malloc(((size_t)t->n_vertices + 1) * sizeof *j->storage);
    for (int32_t v = 0; v < t->n_vertices; v++)
        if (t->kind[v] == TOPO_STORAGE)
            j->storage[j->n_storage++] = v;
    if (j->n_storage == 0)
        return tn_error_set(err, TN_EINPUT, "%s: topology: the fabric has no storage tier to "
                            "checkpoint to (docs/topology.md, \"storage\")", sc->src);
    j->n_hosts = t->n_servers;
    j->host = tn_malloc(((size_t)j->n_hosts + 1) * sizeof *j->host);
    for (int32_t s = 0; s < j->n_hosts; s++)
        j->host[s] = -1;
    for (int32_t v = t->n_vertices - 1; v >= 0; v--)
        if (t->kind[v] == TOPO_CPU && t->server[v] >= 0)
            j->host[t->server[v]] = v;
    return 0;
}

static void job_destroy(job_t *j)
{
    topo_destroy(&j->topo);
    free(j->storage);
    free(j->host);
}

/* The intact iteration and every shape, from the cache or simulated. */
static int iteration_costs(job_t *j, gp_costs_t *c, tn_error_t *err)
{
    const topo_t *t = &j->topo;
    uint8_t *fab = tn_malloc((size_t)t->n_vertices + 1);
    list_shapes(t, c, fab);
    gp_cache_entry_t it = {6, {"iteration_s", "tokens", "gpus", "ranks", "gpu_busy_s", "run_s"},
                           {0}};
    bool hit = gp_cache_get(j->cache, "iteration", &it);
    gp_cache_entry_t se[GP_MAX_SHAPES];
    char what[GP_MAX_SHAPES][64];
    for (int i = 0; i < c->n_shapes; i++) {
        se[i] = (gp_cache_entry_t){3, {"loaded", "representative", "iteration_s"}, {0}};
        snprintf(what[i], sizeof what[i], "shape %s", c->shape[i].name);
        hit = gp_cache_get(j->cache, what[i], &se[i]) && hit;
    }
    int rc = 0;
    if (hit) {
        c->cached += 1 + (uint32_t)c->n_shapes;
        c->iteration_s = it.value[0];
        c->tokens_per_iteration = it.value[1];
        c->gpu_busy_s = it.value[4];
        c->run_s = it.value[5];
        for (int i = 0; i < c->n_shapes; i++) {
            c->shape[i].loaded = (uint64_t)se[i].value[0];
            c->shape[i].representative = (int32_t)se[i].value[1];
            c->shape[i].iteration_s = se[i].value[2];
        }
        goto out;
    }
    /* a miss anywhere: the intact run gives the links' loads the shapes
     * are chosen by, so it runs again */
    sim_records_t rec;
    sim_run_info_t info;
    say(j, "iteration on the intact fabric");
    sim_run_opts_t o = {0};
    if ((rc = run_job(j, &o, &c->iteration_s, NULL, &info, &rec, c, err)))
        goto out;
    c->tokens_per_iteration = info.tokens;
    /* the GPUs' compute time, for the energy (energy/account.h) */
    c->gpu_busy_s = 0;
    for (int32_t r = 0; r < rec.n_ranks; r++)
        c->gpu_busy_s += sim_time_to_s(rec.rank_compute_ps[r]);
    c->run_s = sim_time_to_s(rec.end_ps);
    it.value[0] = c->iteration_s;
    it.value[1] = info.tokens;
    it.value[2] = info.gpus;
    it.value[3] = info.ranks;
    it.value[4] = c->gpu_busy_s;
    it.value[5] = c->run_s;
    for (int i = 0; i < c->n_shapes; i++) {
        gp_shape_t *s = &c->shape[i];
        pick_representative(t, rec.link_bytes, fab, s);
        s->iteration_s = c->iteration_s;
        if (s->loaded && (rc = degraded_run(j, s, c, err)))
            break;
        se[i].value[0] = (double)s->loaded;
        se[i].value[1] = s->representative;
        se[i].value[2] = s->iteration_s;
        if ((rc = gp_cache_put(j->cache, what[i], &se[i], err)))
            break;
    }
    sim_records_destroy(&rec);
    if (rc == 0)
        rc = gp_cache_put(j->cache, "iteration", &it, err);
out:
    free(fab);
    if (rc == 0 && c->tokens_per_iteration <= 0)
        rc = tn_error_set(err, TN_EINPUT, "%s: workload: it does not say how many tokens an "
                          "iteration trains, so no token target can be reached", j->sc->src);
    return rc;
}

int gp_costs_compute(gp_costs_t *c, const sim_scenario_t *sc, const gp_spec_t *ts,
                     gp_cache_t *cache, gp_costs_progress_fn progress, void *ctx,
                     tn_error_t *err)
{
    memset(c, 0, sizeof *c);
    job_t j = {.sc = sc, .ts = ts, .cache = cache, .progress = progress, .ctx = ctx};
    topo_init(&j.topo);
    int rc = job_init(&j, sc, err);
    if (rc)
        goto out;
    const topo_t *t = &j.topo;
    c->gpus = t->n_gpus;
    c->ranks = (int32_t)j.ranks;
    gp_inventory_count(t, &c->inv);
    en_machine_count(&c->machine, t->n_vertices, t->kind, t->server, t->n_edges, t->esrc,
                     t->edst, t->bps);
    c->idle_servers = gp_inventory_idle_servers(t, c->ranks);
    c->storage_servers = j.n_storage;
    for (int32_t i = 0; i < j.n_storage; i++)
        for (int32_t k = t->in_off[j.storage[i]]; k < t->in_off[j.storage[i] + 1]; k++)
            c->storage_bps += (double)t->bps[t->in_edge[k]];
    for (int32_t i = 0; i < j.n_storage; i++)
        c->storage_bytes += (double)t->store_bytes[j.storage[i]];
    c->ckpt_bytes = gp_checkpoint_bytes(j.model, j.ly);
    /* the checkpoint being written and the last committed one coexist */
    if (c->storage_bytes > 0 && 2 * c->ckpt_bytes > c->storage_bytes) {
        rc = tn_error_set(err, TN_EINPUT, "%s: topology: the storage tier holds %.4g TB, less "
                          "than two checkpoints of %.4g TB (the one being written and the last "
                          "committed one)", sc->src, c->storage_bytes / 1e12, c->ckpt_bytes / 1e12);
        goto out;
    }
    if ((rc = iteration_costs(&j, c, err)) || (rc = checkpoint_costs(&j, c, err)) ||
        (rc = restore_costs(&j, c, err)))
        goto out;
    if (ts->mode == GP_CKPT_ASYNC && (rc = drain_costs(&j, c, err)))
        goto out;
    double cable_sum = 0, switch_sum = 0;
    uint64_t cables = 0, switches = 0;
    for (int i = 0; i < c->n_shapes; i++) {
        gp_shape_t *s = &c->shape[i];
        s->slowdown = s->loaded ? s->iteration_s / c->iteration_s : 1;
        double sum = (double)s->loaded * s->slowdown + (double)(s->members - s->loaded);
        if (s->cable) {
            cable_sum += sum;
            cables += s->members;
        } else {
            switch_sum += sum;
            switches += s->members;
        }
    }
    c->cable_slowdown = cables ? cable_sum / (double)cables : 1;
    c->switch_slowdown = switches ? switch_sum / (double)switches : 1;
    if (ts->mode == GP_CKPT_BLOCKING) {
        c->pause_s = c->snapshot_s + c->write_s;
    } else {
        double t0 = c->iteration_s, t1 = c->drain_iteration_s, d = c->drain_end_s;
        c->pause_s = c->snapshot_s + (d <= t1 ? t1 - t0 : d * (1 - t0 / t1));
    }
out:
    job_destroy(&j);
    return rc;
}
