#include "sim/collective.h"

#include <stdlib.h>

int sim_coll_supported(wl_coll_t op) { return op == WL_COLL_ALLREDUCE; }

uint64_t sim_coll_chunk_bytes(uint64_t bytes, int32_t n, int32_t i)
{
    return bytes / (uint64_t)n + ((uint64_t)i < bytes % (uint64_t)n);
}

sim_coll_t *sim_coll_new(sim_net_t *net, wl_coll_t op, uint64_t bytes, int32_t n,
                         const int32_t *vertex, sim_coll_done_t done, void *done_ctx,
                         uint64_t done_tag)
{
    TN_ASSERT(sim_coll_supported(op) && n >= 1);
    sim_coll_t *c = tn_calloc(1, sizeof *c);
    c->net = net;
    c->vertex = vertex;
    c->n = n;
    c->op = op;
    c->bytes = bytes;
    c->steps = 2 * (uint32_t)(n - 1);
    c->arrived = tn_calloc((size_t)n, 1);
    c->sending = tn_calloc((size_t)n, 1);
    c->sent = tn_calloc((size_t)n, sizeof *c->sent);
    c->recvd = tn_calloc((size_t)n, sizeof *c->recvd);
    c->done = done;
    c->done_ctx = done_ctx;
    c->done_tag = done_tag;
    return c;
}

void sim_coll_free(sim_coll_t *c)
{
    if (!c)
        return;
    free(c->arrived);
    free(c->sending);
    free(c->sent);
    free(c->recvd);
    free(c);
}

static void on_step_done(sim_engine_t *eng, void *ctx, uint64_t arg);

static void check_done(sim_coll_t *c, int32_t m)
{
    if (c->sent[m] == c->steps && c->recvd[m] == c->steps && c->arrived[m] == 1) {
        c->arrived[m] = 2; /* finished: report once */
        c->n_done++;
        c->done(c->done_ctx, m, c->done_tag);
    }
}

/* Starts member m's next send if everything it waits for is there. */
static void progress(sim_coll_t *c, int32_t m)
{
    int32_t next = (m + 1) % c->n;
    uint32_t k = c->sent[m];
    if (!c->arrived[m] || c->sending[m] || k == c->steps || c->recvd[m] < k || !c->arrived[next])
        return;
    int32_t chunk = (int32_t)(((int64_t)m - (int64_t)k % c->n + c->n) % c->n);
    c->sending[m] = 1;
    sim_net_send(c->net, c->vertex[m], c->vertex[next], sim_coll_chunk_bytes(c->bytes, c->n, chunk),
                 0, on_step_done, c, (uint64_t)m);
}

static void on_step_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    int32_t m = (int32_t)arg, next = (m + 1) % c->n;
    c->sending[m] = 0;
    c->sent[m]++;
    c->recvd[next]++;
    progress(c, m);
    progress(c, next);
    check_done(c, next);
    check_done(c, m);
    if (c->n_done == c->n)
        sim_coll_free(c);
}

void sim_coll_arrive(sim_coll_t *c, int32_t m)
{
    TN_ASSERT(m >= 0 && m < c->n && !c->arrived[m]);
    c->arrived[m] = 1;
    int32_t prev = (m + c->n - 1) % c->n;
    progress(c, m);
    if (prev != m)
        progress(c, prev);
    check_done(c, m);
    if (c->n_done == c->n)
        sim_coll_free(c);
}
