#include "plan/plan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan/layouts.h"
#include "sim/coll/algo.h"
#include "sim/job/run.h"
#include "topology/topo.h"
#include "workloads/spec.h"

int plan_layout_sets(const wl_layout_t *ly, char buf[10][64], const char *out[10])
{
    int n = 0;
#define SET(...) (snprintf(buf[n], 64, "workload.layout." __VA_ARGS__), out[n] = buf[n], n++)
    SET("tp=%llu", (unsigned long long)ly->tp);
    SET("pp=%llu", (unsigned long long)ly->pp);
    SET("dp=%llu", (unsigned long long)ly->dp);
    SET("global_batch=%llu", (unsigned long long)ly->global_batch);
    SET("microbatch=%llu", (unsigned long long)ly->microbatch);
    SET("schedule=%s", wl_schedule_names[ly->schedule]);
    SET("virtual_stages=%llu", (unsigned long long)ly->virtual_stages);
    SET("recompute=%s", wl_recompute_names[ly->recompute]);
    SET("sequence_parallel=%s", ly->sequence_parallel ? "true" : "false");
    SET("zero_stage=%llu", (unsigned long long)ly->zero_stage);
#undef SET
    return n;
}

/* Ranked by a key (the bound, the estimate or the simulated iteration),
 * then by memory (as fast: the one with room to spare), then by the
 * enumeration order, so the ranking never depends on qsort's choices. */
typedef struct {
    plan_layout_t l;
    size_t order;
} ranked_t;

static int tie(const ranked_t *x, const ranked_t *y)
{
    if (x->l.memory.total != y->l.memory.total)
        return x->l.memory.total < y->l.memory.total ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

#define BY(name, field)                                                                       \
    static int name(const void *a, const void *b)                                             \
    {                                                                                         \
        const ranked_t *x = a, *y = b;                                                        \
        if (x->l.field != y->l.field)                                                         \
            return x->l.field < y->l.field ? -1 : 1;                                          \
        return tie(x, y);                                                                     \
    }
BY(by_bound, bound.iter_s)
BY(by_estimate, est.iter_s)
BY(by_simulation, sim_iter_s)
#undef BY

/* Whether two layouts make the same trace: ZeRO 1 and 2 differ only in
 * memory (workloads/megatron.h), so one simulation serves both. */
static bool same_trace(const wl_layout_t *a, const wl_layout_t *b)
{
    wl_layout_t x = *a, y = *b;
    x.zero_stage = x.zero_stage == 2 ? 1 : x.zero_stage;
    y.zero_stage = y.zero_stage == 2 ? 1 : y.zero_stage;
    return x.tp == y.tp && x.pp == y.pp && x.dp == y.dp && x.global_batch == y.global_batch &&
           x.microbatch == y.microbatch && x.virtual_stages == y.virtual_stages &&
           x.zero_stage == y.zero_stage && x.schedule == y.schedule &&
           x.recompute == y.recompute && x.sequence_parallel == y.sequence_parallel &&
           x.activation_traffic == y.activation_traffic;
}

/* The index of a layout of r[0..n) with k's trace, or n. O(n). */
static size_t twin_of(const ranked_t *r, size_t n, size_t k)
{
    for (size_t j = 0; j < n; j++)
        if (same_trace(&r[j].l.layout, &r[k].l.layout))
            return j;
    return n;
}

/* The best `keep` flow estimates of distinct traces so far, ascending. */
typedef struct {
    double *v;
    const wl_layout_t **who;
    size_t n, keep;
} best_t;

static void best_offer(best_t *b, double s, const wl_layout_t *ly)
{
    for (size_t i = 0; i < b->n; i++)
        if (same_trace(b->who[i], ly))
            return; /* its twin holds the place: same trace, same estimate */
    if (b->n == b->keep && s >= b->v[b->n - 1])
        return;
    size_t i = b->n < b->keep ? b->n++ : b->n - 1; /* when full, the last drops out */
    for (; i > 0 && b->v[i - 1] > s; i--) {
        b->v[i] = b->v[i - 1];
        b->who[i] = b->who[i - 1];
    }
    b->v[i] = s;
    b->who[i] = ly;
}

static int simulate(const sim_scenario_t *sc, plan_layout_t *l, tn_error_t *err)
{
    sim_scenario_t one = *sc; /* a shallow copy: only the layout differs */
    one.workload.layout = l->layout;
    sim_records_t rec;
    int rc = sim_run_scenario(&one, &rec, NULL, err);
    if (rc == 0) {
        l->sim_iter_s = sim_time_to_s(sim_records_iteration_ps(&rec));
        l->sim_events = rec.events;
    }
    sim_records_destroy(&rec);
    return rc;
}

/* The layouts of all[0..n_all) that fit in memory and can run, with
 * their bounds, into r; returns how many. Counts the unrunnable in p. */
static size_t fitting(plan_t *p, const wl_model_t *m, const wl_layout_t *all, size_t n_all,
                      plan_costs_t *lower, const plan_opts_t *o, ranked_t *r)
{
    size_t n = 0;
    for (size_t i = 0; i < n_all; i++) {
        wl_memory_t mem = wl_memory_per_gpu(m, &all[i]);
        if (mem.total + o->reserve_bytes > p->gpu_memory)
            continue;
        plan_estimate_t e = plan_estimate(lower, m, &all[i]);
        if (!isfinite(e.iter_s)) {
            p->unrunnable++;
            continue;
        }
        r[n++] = (ranked_t){{.layout = all[i], .memory = mem, .bound = e}, i};
    }
    return n;
}

/* Flow estimates in the order of the bounds, until no layout left can
 * enter the best max(top, 1); a pruned layout whose twin was estimated
 * takes its estimate. Leaves the estimated first, by estimate, the rest
 * by bound; returns how many were estimated. */
static size_t estimate_best(ranked_t *r, size_t n, plan_costs_t *costs, const wl_model_t *m,
                            uint64_t top)
{
    qsort(r, n, sizeof *r, by_bound);
    size_t keep = top ? (size_t)top : 1, ne = 0;
    best_t best = {tn_malloc(keep * sizeof *best.v), tn_malloc(keep * sizeof *best.who), 0, keep};
    for (; ne < n; ne++) {
        if (best.n == keep && r[ne].l.bound.iter_s >= best.v[keep - 1])
            break;
        r[ne].l.est = plan_estimate(costs, m, &r[ne].l.layout);
        best_offer(&best, r[ne].l.est.iter_s, &r[ne].l.layout);
    }
    free(best.v);
    free(best.who);
    for (size_t i = ne; i < n; i++) {
        size_t twin = twin_of(r, ne, i);
        if (twin < ne) {
            r[i].l.est = r[twin].l.est;
            ranked_t x = r[i];
            r[i] = r[ne];
            r[ne++] = x;
        }
    }
    qsort(r + ne, n - ne, sizeof *r, by_bound); /* the swaps stirred them */
    qsort(r, ne, sizeof *r, by_estimate);
    return ne;
}

/* What a simulation of plan -j N's child reports through its pipe. */
typedef struct {
    int rc;
    double iter_s;
    uint64_t events;
    tn_error_t err;
} child_result_t;

/* Simulates r[todo[i]] for every i, jobs at a time: one after another in
 * this process with jobs 1, else each in a child process (fork: the
 * scenario and the fabric are shared copy-on-write) that sends its result
 * back through a pipe. The results land by index, so the plan is the same
 * whatever the number of jobs. The first error (by index) is returned. */
static int simulate_all(const sim_scenario_t *sc, ranked_t *r, const size_t *todo, size_t nt,
                        const plan_opts_t *o, tn_error_t *err)
{
    if (o->jobs <= 1) {
        for (size_t i = 0; i < nt; i++) {
            if (o->progress)
                o->progress(o->progress_ctx, i, nt, &r[todo[i]].l.layout);
            if (simulate(sc, &r[todo[i]].l, err))
                return -1;
        }
        return 0;
    }
    pid_t *pid = tn_calloc(nt + 1, sizeof *pid);
    int *fd = tn_calloc(nt + 1, sizeof *fd);
    child_result_t *res = tn_calloc(nt + 1, sizeof *res);
    size_t next = 0, running = 0;
    int rc = 0;
    fflush(NULL); /* a child must not write the parent's buffered output again */
    while (next < nt || running > 0) {
        while (rc == 0 && running < o->jobs && next < nt) {
            size_t i = next++;
            int p[2];
            if (pipe(p)) {
                rc = tn_error_set(err, TN_EIO, "plan: cannot make a pipe: %s", strerror(errno));
                break;
            }
            if (o->progress)
                o->progress(o->progress_ctx, i, nt, &r[todo[i]].l.layout);
            fflush(NULL);
            pid[i] = fork();
            if (pid[i] == 0) {
                close(p[0]);
                child_result_t c = {0};
                c.rc = simulate(sc, &r[todo[i]].l, &c.err);
                c.iter_s = r[todo[i]].l.sim_iter_s;
                c.events = r[todo[i]].l.sim_events;
                ssize_t w = write(p[1], &c, sizeof c);
                _exit(w == (ssize_t)sizeof c ? 0 : 1);
            }
            close(p[1]);
            if (pid[i] < 0) {
                close(p[0]);
                rc = tn_error_set(err, TN_EIO, "plan: cannot start a simulation: %s",
                                  strerror(errno));
                break;
            }
            fd[i] = p[0];
            running++;
        }
        if (running == 0)
            break;
        int status;
        pid_t done = waitpid(-1, &status, 0);
        if (done < 0)
            break;
        for (size_t i = 0; i < next; i++) {
            if (pid[i] != done)
                continue;
            /* the child wrote its whole result before it exited */
            ssize_t got = read(fd[i], &res[i], sizeof res[i]);
            close(fd[i]);
            if (got != (ssize_t)sizeof res[i] || !WIFEXITED(status) || WEXITSTATUS(status)) {
                res[i].rc = -1;
                tn_error_set(&res[i].err, TN_EIO, "plan: a simulation process ended without "
                             "its result (status %d)", status);
            }
            pid[i] = 0;
            running--;
            break;
        }
    }
    for (size_t i = 0; i < next && rc == 0; i++) {
        if (res[i].rc) {
            *err = res[i].err;
            rc = -1;
            break;
        }
        r[todo[i]].l.sim_iter_s = res[i].iter_s;
        r[todo[i]].l.sim_events = res[i].events;
    }
    free(res);
    free(fd);
    free(pid);
    return rc;
}

#ifdef TN_MPI
#include <mpi.h>

/* Under mpirun (o->size ranks, each running the same plan up to here):
 * rank k simulates todo[i] for the i with i mod size = k (o->jobs at a
 * time), then every rank gets every result; when any failed, every rank
 * returns the error of the lowest rank that failed. */
static int simulate_ranks(const sim_scenario_t *sc, ranked_t *r, const size_t *todo, size_t nt,
                          const plan_opts_t *o, tn_error_t *err)
{
    size_t *mine = tn_malloc((nt ? nt : 1) * sizeof *mine), nm = 0;
    for (size_t i = (size_t)o->rank; i < nt; i += (size_t)o->size)
        mine[nm++] = todo[i];
    tn_error_t my_err = {0};
    int rc = simulate_all(sc, r, mine, nm, o, &my_err);
    free(mine);
    int me = rc ? o->rank : o->size, failed = o->size;
    MPI_Allreduce(&me, &failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (failed < o->size) {
        if (o->rank == failed)
            *err = my_err;
        MPI_Bcast(err, (int)sizeof *err, MPI_BYTE, failed, MPI_COMM_WORLD);
        return -1;
    }
    double *v = tn_calloc(2 * nt + 1, sizeof *v), *all = tn_calloc(2 * nt + 1, sizeof *all);
    for (size_t i = (size_t)o->rank; i < nt; i += (size_t)o->size) {
        v[2 * i] = r[todo[i]].l.sim_iter_s;
        v[2 * i + 1] = (double)r[todo[i]].l.sim_events; /* exact below 2^53 */
    }
    MPI_Allreduce(v, all, (int)(2 * nt), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (size_t i = 0; i < nt; i++) {
        r[todo[i]].l.sim_iter_s = all[2 * i];
        r[todo[i]].l.sim_events = (uint64_t)all[2 * i + 1];
    }
    free(v);
    free(all);
    return 0;
}
#else
static int simulate_ranks(const sim_scenario_t *sc, ranked_t *r, const size_t *todo, size_t nt,
                          const plan_opts_t *o, tn_error_t *err)
{
    (void)sc, (void)r, (void)todo, (void)nt, (void)o, (void)err;
    TN_ASSERT(!"a build without MPI has one rank");
    return -1;
}
#endif

/* The best `top` distinct traces of r[0..ne) by estimate, each simulated
 * once; a twin takes its twin's result. Sorts the simulated by simulated
 * iteration and counts the runs in p. */
static int simulate_best(plan_t *p, const sim_scenario_t *sc, ranked_t *r, size_t ne,
                         const plan_opts_t *o, tn_error_t *err)
{
    size_t *todo = tn_malloc((ne ? ne : 1) * sizeof *todo), nt = 0, k = 0;
    for (; k < ne; k++) {
        if (twin_of(r, k, k) < k)
            continue;
        if (nt == o->top)
            break;
        todo[nt++] = k;
    }
    int rc = o->size > 1 ? simulate_ranks(sc, r, todo, nt, o, err)
                         : simulate_all(sc, r, todo, nt, o, err);
    free(todo);
    if (rc)
        return -1;
    for (size_t i = 0; i < k; i++) {
        size_t twin = twin_of(r, i, i);
        if (twin < i) {
            r[i].l.sim_iter_s = r[twin].l.sim_iter_s;
            r[i].l.sim_events = r[twin].l.sim_events;
        }
    }
    qsort(r, k, sizeof *r, by_simulation);
    p->simulated = nt;
    return 0;
}

/* What tensim plan refuses before building anything. */
static int plannable(const sim_scenario_t *sc, tn_error_t *err)
{
    if (!sc->workload.source->has_layout)
        return tn_error_set(err, TN_EINPUT,
                            "%s: workload: tensim plan lays out a megatron workload (generator "
                            "\"megatron\"), not this one",
                            sc->src);
    if (sc->n_stragglers)
        return tn_error_set(err, TN_EINPUT,
                            "%s: stragglers: name ranks of one layout, and tensim plan tries "
                            "many; plan without them (--set stragglers=[])",
                            sc->src);
    return 0;
}

int plan_run(plan_t *p, const sim_scenario_t *sc, const plan_opts_t *o, tn_error_t *err)
{
    memset(p, 0, sizeof *p);
    const wl_spec_t *w = &sc->workload;
    if (plannable(sc, err))
        return -1;
    topo_t topo;
    topo_init(&topo);
    plan_costs_t lower = {0}, costs = {0};
    wl_layout_t *all = NULL;
    ranked_t *r = NULL;
    int rc = -1;
    if (topo_spec_build(&sc->topo, &topo, err)) {
        tn_error_prefix(err, "%s: topology", sc->src);
        goto out;
    }
    if (plan_costs_init(&lower, &topo, sc, SIM_NET_ANALYTIC, err) ||
        plan_costs_init(&costs, &topo, sc, SIM_NET_FLOW, err))
        goto out;
    p->fabric_gpus = topo.n_gpus;
    p->server_gpus = costs.server_gpus;
    p->gpus = o->gpus ? o->gpus : (uint64_t)topo.n_gpus;
    p->gpu_memory = costs.gpu.memory_bytes;
    p->tokens = (double)w->layout.global_batch * (double)w->model.seq_len;
    if (p->gpus > (uint64_t)topo.n_gpus) {
        tn_error_set(err, TN_EINPUT, "%s: the fabric has %d gpus, fewer than the %llu to plan for",
                     sc->src, topo.n_gpus, (unsigned long long)p->gpus);
        goto out;
    }
    size_t n_all;
    all = plan_layouts(&w->model, &w->layout, p->gpus, (uint64_t)costs.server_gpus, &n_all);
    p->enumerated = n_all;
    r = tn_malloc((n_all ? n_all : 1) * sizeof *r);
    size_t n = fitting(p, &w->model, all, n_all, &lower, o, r);
    p->measured_bound = lower.n_costs;
    if (n == 0) {
        tn_error_set(err, TN_EINPUT,
                     "%s: workload.model: no layout of %llu gpus both fits in %g GiB per gpu "
                     "(%g GiB reserved) and runs with collectives.algorithm \"%s\"; of %llu "
                     "layouts, %llu do not fit, %llu cannot run",
                     sc->src, (unsigned long long)p->gpus, p->gpu_memory / 1073741824.0,
                     o->reserve_bytes / 1073741824.0, sim_coll_algo_name((sim_algo_t)sc->algorithm),
                     (unsigned long long)n_all,
                     (unsigned long long)(n_all - p->unrunnable - n),
                     (unsigned long long)p->unrunnable);
        goto out;
    }
    size_t ne = estimate_best(r, n, &costs, &w->model, o->top);
    p->estimated = ne;
    p->measured_est = costs.n_costs;
    if (simulate_best(p, sc, r, ne, o, err))
        goto out;
    p->n = n;
    p->layouts = tn_malloc(n * sizeof *p->layouts);
    for (size_t i = 0; i < n; i++)
        p->layouts[i] = r[i].l;
    rc = 0;
out:
    free(r);
    free(all);
    plan_costs_destroy(&lower);
    plan_costs_destroy(&costs);
    topo_destroy(&topo);
    return rc;
}

void plan_destroy(plan_t *p)
{
    free(p->layouts);
    memset(p, 0, sizeof *p);
}
