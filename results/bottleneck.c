#include "results/bottleneck.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/tn_error.h"

static double num(const json_t *o, const char *key)
{
    return json_real_value(json_object_get(o, key));
}

static int by_time(const void *a, const void *b)
{
    sim_time_t x = *(const sim_time_t *)a, y = *(const sim_time_t *)b;
    return (x > y) - (x < y);
}

/* The rank whose compute most exceeds the median of the ranks running its
 * program; *ratio is that excess (1 when every rank is alike). Ties: the
 * lower rank. O(ranks log ranks). */
static int32_t slowest_rank(const sim_records_t *rec, double *ratio, sim_time_t *median_out)
{
    int32_t n = rec->n_ranks, worst = -1, n_progs = 0;
    *ratio = 1;
    *median_out = 0;
    for (int32_t k = 0; k < n; k++)
        n_progs = rec->rank_prog[k] + 1 > n_progs ? rec->rank_prog[k] + 1 : n_progs;
    sim_time_t *med = tn_calloc((size_t)n_progs + 1, sizeof *med);
    sim_time_t *buf = tn_malloc(((size_t)n + 1) * sizeof *buf);
    for (int32_t p = 0; p < n_progs; p++) {
        size_t m = 0;
        for (int32_t k = 0; k < n; k++)
            if (rec->rank_prog[k] == p)
                buf[m++] = rec->rank_compute_ps[k];
        if (!m)
            continue;
        qsort(buf, m, sizeof *buf, by_time);
        med[p] = buf[(m - 1) / 2]; /* the lower median: a slowed half stands out */
    }
    for (int32_t k = 0; k < n; k++) {
        sim_time_t m = med[rec->rank_prog[k]];
        double r = m ? (double)rec->rank_compute_ps[k] / (double)m : 1;
        if (r > *ratio) {
            *ratio = r;
            worst = k;
            *median_out = m;
        }
    }
    free(buf);
    free(med);
    return worst;
}

/* The key of the largest value in an object of shares ("" when empty). */
static const char *largest(const json_t *o, double *val)
{
    const char *best = "", *k;
    json_t *v;
    *val = 0;
    json_object_foreach((json_t *)o, k, v) {
        if (json_real_value(v) > *val) {
            *val = json_real_value(v);
            best = k;
        }
    }
    return best;
}

/* The shares of the run the verdict weighs. */
typedef struct {
    double compute, idle, exposed, bubble, skew;
} shares_t;

/* Splits the waiting for peers (and the time ranks had finished) into the
 * pipeline bubble and skew. */
static void split_waiting(const sim_records_t *rec, const json_t *breakdown, shares_t *s)
{
    double early = num(breakdown, "finished_early_share");
    bool pipeline = false;
    const json_t *wait = json_object_get(breakdown, "waiting_by_communicator_share");
    for (int32_t c = 0; c < rec->n_comms; c++)
        pipeline = pipeline || rec->comm_p2p[c];
    for (int32_t c = 0; c < rec->n_comms; c++) {
        double w = num(wait, rec->comm_names[c]);
        /* in a pipeline, waiting at a collective whose members run
         * different programs (stages: Megatron's grad-norm and
         * embedding all-reduces) is waiting for the other stages to
         * drain, the bubble; among ranks alike in work it is skew */
        if (rec->comm_p2p[c] || (pipeline && rec->comm_cross_prog && rec->comm_cross_prog[c]))
            s->bubble += w;
        else
            s->skew += w;
    }
    /* ranks done early: the pipeline's drain, else the skew of the end */
    if (pipeline)
        s->bubble += early;
    else
        s->skew += early;
}

/* The straggler verdict into b when one rank computes well above its
 * peers while they wait; false otherwise. */
static bool straggler(const sim_records_t *rec, const shares_t *s, json_t *b)
{
    double ratio;
    sim_time_t median;
    int32_t slow = slowest_rank(rec, &ratio, &median);
    if (slow < 0 || ratio < RES_STRAGGLER_RATIO || s->bubble + s->skew < 0.01)
        return false;
    char ev[512];
    snprintf(ev, sizeof ev,
             "rank %d computes %.3g s, %.2f x the median %.3g s of the ranks running its "
             "program; the others wait for peers or have finished %.1f%% of the run",
             slow, sim_time_to_s(rec->rank_compute_ps[slow]), ratio, sim_time_to_s(median),
             100 * (s->bubble + s->skew));
    json_object_set_new(b, "verdict", json_string("straggler"));
    json_object_set_new(b, "rank", json_integer(slow));
    json_object_set_new(b, "share", json_real(s->bubble + s->skew));
    json_object_set_new(b, "evidence", json_string(ev));
    return true;
}

/* The evidence of `verdict` into ev; a network verdict also names its
 * communicator and tier in b. */
static void evidence(const char *verdict, const shares_t *s, const json_t *breakdown,
                     const json_t *tiers, json_t *b, char *ev, size_t n)
{
    double cshare;
    const char *comm = largest(json_object_get(breakdown, "exposed_by_communicator_share"), &cshare);
    if (verdict[0] == 'n') {
        /* the tier most loaded on average: where added capacity pays */
        const char *tier = "", *k;
        double tmean = 0;
        json_t *v;
        json_object_foreach((json_t *)tiers, k, v) {
            if (num(v, "mean_utilization") > tmean) {
                tmean = num(v, "mean_utilization");
                tier = k;
            }
        }
        json_object_set_new(b, "communicator", json_string(comm));
        json_object_set_new(b, "tier", json_string(tier));
        snprintf(ev, n,
                 "communication left exposed %.1f%% of the run (%s %.1f%%), more than compute "
                 "(%.1f%%); the most used tier is %s at %.1f%% mean utilization",
                 100 * s->exposed, comm, 100 * cshare, 100 * s->compute, tier, 100 * tmean);
    } else if (verdict[0] == 'p') {
        snprintf(ev, n,
                 "ranks wait on pipeline transfers or on other stages, or have finished, %.1f%% of the run, more "
                 "than they compute (%.1f%%) or expose communication (%.1f%%)",
                 100 * s->bubble, 100 * s->compute, 100 * s->exposed);
    } else if (verdict[0] == 's') {
        snprintf(ev, n,
                 "ranks wait for peers at collectives %.1f%% of the run, more than they "
                 "compute (%.1f%%); no rank is %.0f%% slower than its peers",
                 100 * s->skew, 100 * s->compute, 100 * (RES_STRAGGLER_RATIO - 1));
    } else if (verdict[0] == 'd') {
        snprintf(ev, n, "ranks have nothing ready to run %.1f%% of the run", 100 * s->idle);
    } else {
        snprintf(ev, n,
                 "ranks compute %.1f%% of the run; exposed communication %.1f%% (most: %s), "
                 "pipeline bubble %.1f%%, waiting at collectives %.1f%%",
                 100 * s->compute, 100 * s->exposed, comm[0] ? comm : "none", 100 * s->bubble,
                 100 * s->skew);
    }
}

json_t *res_bottleneck_json(const sim_records_t *rec, const json_t *breakdown, const json_t *tiers)
{
    json_t *b = json_object();
    if (!rec->rank_prog || !rec->comm_p2p || !json_object_size(breakdown)) {
        json_object_set_new(b, "verdict", json_string("unknown"));
        json_object_set_new(b, "evidence", json_string("the run recorded no time breakdown"));
        return b;
    }
    shares_t s = {num(breakdown, "compute_share"), num(breakdown, "idle_share"),
                  num(breakdown, "exposed_communication_share"), 0, 0};
    split_waiting(rec, breakdown, &s);
    if (straggler(rec, &s, b))
        return b;
    /* the largest share wins; ties keep the earlier */
    const char *verdict = "compute";
    double share = s.compute;
    if (s.bubble > share)
        verdict = "pipeline_bubble", share = s.bubble;
    if (s.exposed > share)
        verdict = "network", share = s.exposed;
    if (s.skew > share)
        verdict = "skew", share = s.skew;
    if (s.idle > share)
        verdict = "dependencies", share = s.idle;
    json_object_set_new(b, "verdict", json_string(verdict));
    json_object_set_new(b, "share", json_real(share));
    char ev[512];
    evidence(verdict, &s, breakdown, tiers, b, ev, sizeof ev);
    json_object_set_new(b, "evidence", json_string(ev));
    return b;
}
