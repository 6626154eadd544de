#include "plan/layouts.h"

#include <stdlib.h>

#include "common/tn_error.h"

#define MAX_MICROBATCH 16
#define MAX_VIRTUAL 4

/* The largest divisor of b that is at most cap (1 divides everything). */
static uint64_t largest_divisor(uint64_t b, uint64_t cap)
{
    for (uint64_t d = cap < b ? cap : b; d > 1; d--)
        if (b % d == 0)
            return d;
    return 1;
}

typedef struct {
    wl_layout_t *v;
    size_t n, cap;
} list_t;

static void push(list_t *l, const wl_layout_t *ly)
{
    TN_GROW(l->v, l->cap, l->n + 1);
    l->v[l->n++] = *ly;
}

/* The options that change neither the ranks nor the batch split. */
static void add_options(list_t *l, wl_layout_t ly)
{
    for (int sp = 0; sp <= (ly.tp > 1); sp++)
        for (int rc = WL_RECOMPUTE_FULL; rc <= WL_RECOMPUTE_NONE; rc++)
            for (uint64_t z = 0; z <= (ly.dp > 1 ? 3u : 0u); z++) {
                ly.sequence_parallel = sp;
                ly.recompute = (wl_recompute_t)rc;
                ly.zero_stage = z;
                push(l, &ly);
            }
}

wl_layout_t *plan_layouts(const wl_model_t *m, const wl_layout_t *base, uint64_t gpus,
                          uint64_t server_gpus, size_t *n)
{
    list_t l = {0};
    uint64_t B = base->global_batch;
    for (uint64_t tp = 1; tp <= server_gpus; tp++) {
        if (m->heads % tp || server_gpus % tp)
            continue;
        for (uint64_t pp = 1; pp <= m->layers && tp * pp <= gpus; pp++) {
            if (m->layers % pp)
                continue;
            uint64_t dp = largest_divisor(B, gpus / (tp * pp));
            for (uint64_t mb = 1; mb <= MAX_MICROBATCH && mb <= B / dp; mb *= 2) {
                if ((B / dp) % mb)
                    continue;
                wl_layout_t ly = {.tp = tp, .pp = pp, .dp = dp, .global_batch = B,
                                  .microbatch = mb, .virtual_stages = 1,
                                  .schedule = WL_SCHED_1F1B,
                                  .activation_traffic = base->activation_traffic,
                                  .mech_flip = base->mech_flip};
                add_options(&l, ly);
                uint64_t mbs = B / (dp * mb);
                if (pp == 1 || mbs % pp)
                    continue;
                for (uint64_t v = 2; v <= MAX_VIRTUAL; v++) {
                    if ((m->layers / pp) % v)
                        continue;
                    ly.schedule = WL_SCHED_INTERLEAVED;
                    ly.virtual_stages = v;
                    add_options(&l, ly);
                }
            }
        }
    }
    *n = l.n;
    return l.v;
}
