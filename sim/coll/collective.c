/* sim/coll/collective.c — what every collective shares (sim/coll/
 * collective.h): checking and building through the algorithms' table
 * (sim/coll/algo.h), the nodes' life cycle, members arriving, starting and
 * finishing, and the send every algorithm's transfers go through. The
 * algorithms themselves are sim/coll/<name>.c; auto is sim/coll/auto.c. */
#include "sim/coll/collective.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/coll/algo.h"
#include "sim/coll/node.h"

uint64_t sim_coll_chunk_bytes(uint64_t bytes, int64_t n, int64_t i)
{
    return bytes / (uint64_t)n + ((uint64_t)i < bytes % (uint64_t)n);
}

wl_coll_t sim_coll_op(const sim_coll_t *c) { return c->spec.op; }
uint64_t sim_coll_bytes(const sim_coll_t *c) { return c->spec.bytes; }
bool sim_coll_finished(const sim_coll_t *c) { return c->n_done == c->n; }

/* ---- structure ---- */

/* Are the members grouped by server, consecutive, the same number in each?
 * Then g per server and s servers. O(n) with a scratch mark per server. */
bool sim_coll_same_gpu_count(const topo_t *t, int32_t n, const int32_t *vertex,
                             int32_t *per_server, int32_t *servers)
{
    int32_t first = t->server[vertex[0]], g = 0;
    for (int32_t i = 0; i < n && t->server[vertex[i]] == first; i++)
        g++;
    if (first < 0 || g == 0 || n % g)
        return false;
    uint8_t *seen = tn_calloc((size_t)t->n_servers + 1, 1);
    bool ok = true;
    for (int32_t i = 0; i < n && ok; i++) {
        int32_t sv = t->server[vertex[i]];
        if (sv < 0 || sv != t->server[vertex[i - i % g]])
            ok = false;
        else if (i % g == 0)
            ok = !seen[sv] ? (seen[sv] = 1) : false; /* a server's GPUs come together */
    }
    free(seen);
    if (!ok)
        return false;
    *per_server = g;
    *servers = n / g;
    return true;
}

/* The NVSwitch that reduces in the network (TOPO_NVSWITCH_SHARP) every
 * member is cabled to, or -1. O(n x degree). */
int32_t sim_coll_sharp_switch(const topo_t *t, int32_t n, const int32_t *vertex)
{
    for (int32_t i = t->out_off[vertex[0]]; n > 1 && i < t->out_off[vertex[0] + 1]; i++) {
        int32_t sw = t->edst[t->out_edge[i]];
        if (t->kind[sw] != TOPO_NVSWITCH_SHARP)
            continue;
        int32_t m = 1;
        for (; m < n; m++) {
            int32_t k = t->out_off[vertex[m]];
            while (k < t->out_off[vertex[m] + 1] && t->edst[t->out_edge[k]] != sw)
                k++;
            if (k == t->out_off[vertex[m] + 1])
                break;
        }
        if (m == n)
            return sw;
    }
    return -1;
}

int sim_coll_allreduce_only(const sim_coll_spec_t *spec, const char *algo, tn_error_t *err)
{
    if (spec->op != WL_COLL_ALLREDUCE)
        return tn_error_set(err, TN_EINPUT, "%s: %s runs all-reduce only",
                            wl_coll_name(spec->op), algo);
    return 0;
}

/* The chunk count every algorithm shares, then the algorithm's own row. */
int sim_coll_check(const sim_net_t *net, const sim_coll_spec_t *in, int32_t n,
                   const int32_t *vertex, tn_error_t *err)
{
    sim_coll_spec_t r;
    sim_coll_resolve(net, in, n, vertex, &r);
    const sim_coll_spec_t *spec = &r;
    if (spec->chunk_bytes) {
        /* the most chunks a node counts: every step of a ring over the whole buffer */
        uint64_t chunks = (spec->bytes + spec->chunk_bytes - 1) / spec->chunk_bytes;
        if (chunks > UINT32_MAX / (2 * (uint64_t)n))
            return tn_error_set(err, TN_EINPUT,
                                "%llu bytes in chunks of %llu on %d ranks is more chunk steps "
                                "than tensim counts; use larger chunks",
                                (unsigned long long)spec->bytes,
                                (unsigned long long)spec->chunk_bytes, n);
    }
    TN_ASSERT((size_t)spec->algo < sim_coll_algos_n);
    const sim_coll_algo_t *a = &sim_coll_algos[spec->algo];
    if (!a->check) /* auto: sim_coll_resolve() always picks one */
        return tn_error_set(err, TN_EINPUT, "no algorithm");
    return a->check(net, spec, n, vertex, err);
}

sim_coll_t *sim_coll_node(sim_net_t *net, const sim_coll_node_ops_t *ops,
                          const sim_coll_spec_t *spec, int32_t n, const int32_t *vertex,
                          sim_coll_t *parent)
{
    sim_coll_t *c = tn_calloc(1, sizeof *c);
    c->ops = ops;
    c->net = net;
    c->n = n;
    c->spec = *spec;
    c->vertex = vertex;
    c->parent = parent;
    c->root = parent ? parent->root : c;
    c->state = tn_calloc((size_t)n, 1);
    return c;
}

void sim_coll_link_child(sim_coll_t *c, sim_coll_t *ch, int32_t k)
{
    c->child[k] = ch;
    ch->to_parent = tn_malloc((size_t)ch->n * sizeof *ch->to_parent);
}

sim_coll_t *sim_coll_build(sim_net_t *net, const sim_coll_spec_t *in, int32_t n,
                           const int32_t *vertex, sim_coll_t *parent)
{
    sim_coll_spec_t r;
    sim_coll_resolve(net, in, n, vertex, &r); /* auto fields as NCCL would set them */
    TN_ASSERT((size_t)r.algo < sim_coll_algos_n && sim_coll_algos[r.algo].build);
    return sim_coll_algos[r.algo].build(net, &r, n, vertex, parent);
}

sim_coll_t *sim_coll_new(sim_net_t *net, const sim_coll_spec_t *spec, int32_t n,
                         const int32_t *vertex, sim_coll_done_t done, void *done_ctx,
                         uint64_t done_tag)
{
    TN_ASSERT(n >= 1 && spec->channels >= 0);
    TN_ASSERT(sim_coll_check(net, spec, n, vertex, NULL) == 0);
    sim_coll_t *c = sim_coll_build(net, spec, n, vertex, NULL);
    c->done = done;
    c->done_ctx = done_ctx;
    c->done_tag = done_tag;
    return c;
}

void sim_coll_set_prefetch(sim_coll_t *c, sim_coll_prefetch_t fn) { c->prefetch = fn; }

void sim_coll_free(sim_coll_t *c)
{
    if (!c)
        return;
    sim_coll_shortcut_free(c);
    for (int32_t k = 0; k < c->n_child; k++)
        sim_coll_free(c->child[k]);
    free(c->child);
    free(c->own_vertex);
    free(c->to_parent);
    free(c->state);
    free(c->sent);
    free(c->recvd);
    free(c->sending);
    free(c->got);
    free(c->left);
    free(c->where);
    free(c->slot);
    free(c->phase);
    free(c->perm);
    free(c->inv);
    free(c->pos_of);
    free(c->member_at);
    free(c->up_got);
    free(c->down_sent);
    free(c->down_got);
    free(c->loaded);
    free(c->stored);
    free(c->load_left);
    free(c->store_left);
    free(c->path_to);
    free(c->path_hops);
    free(c->path_edge);
    free(c);
}

/* ---- progress ---- */

void sim_coll_activate(sim_coll_t *c, int32_t m)
{
    if (c->inv)
        m = c->inv[m]; /* a ring in its own order works by position */
    TN_ASSERT(c->state[m] < SIM_COLL_ACTIVE);
    c->state[m] = SIM_COLL_ACTIVE;
    c->ops->activate(c, m);
}

void sim_coll_member_done(sim_coll_t *c, int32_t m)
{
    TN_ASSERT(c->state[m] == SIM_COLL_ACTIVE);
    c->state[m] = SIM_COLL_DONE;
    c->n_done++;
    int32_t ext = c->perm ? c->perm[m] : m; /* a position -> its member */
    if (c->parent)
        c->parent->ops->child_done(c->parent, c, c->to_parent[ext]);
    else
        c->done(c->done_ctx, ext, c->done_tag);
}

static inline sim_time_t step_delay(const sim_coll_t *c, int32_t a, int32_t b)
{
    const topo_t *t = c->net->topo;
    int32_t sa = t->server[c->vertex[a]], sb = t->server[c->vertex[b]];
    return sa >= 0 && sa == sb ? c->spec.intra_step_ps : c->spec.inter_step_ps;
}

/* A send whose channel (one CUDA block) moves its data more slowly than
 * the network would: done when both the bytes have arrived and the block
 * has pushed them, whichever is later. */
typedef struct {
    sim_handler_t done;
    void *ctx;
    uint64_t tag;
    int left;
} join_t;

static void on_join(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    join_t *j = ctx;
    if (--j->left > 0)
        return;
    sim_handler_t done = j->done;
    void *dctx = j->ctx;
    uint64_t tag = j->tag;
    free(j);
    done(eng, dctx, tag);
}

/* Member a's path to member b on this node's connection, kept from a's
 * last send (a ring member sends to the same neighbour step after step):
 * *path gets it and the hops are returned; -1 when it is too long to
 * keep (then the caller routes it per send). */
static int member_path(sim_coll_t *c, int32_t a, int32_t b, const int32_t **path)
{
    if (!c->path_to) {
        c->path_to = tn_calloc((size_t)c->n, sizeof *c->path_to);
        c->path_hops = tn_calloc((size_t)c->n, sizeof *c->path_hops);
        c->path_edge = tn_malloc((size_t)c->n * SIM_COLL_PATH_HOPS * sizeof *c->path_edge);
    }
    int32_t *edge = c->path_edge + (size_t)a * SIM_COLL_PATH_HOPS;
    if (c->path_to[a] != b + 1) {
        int hops = sim_net_route(c->net, c->vertex[a], c->vertex[b], c->conn, edge,
                                 SIM_COLL_PATH_HOPS);
        if (hops < 0)
            return -1;
        c->path_to[a] = b + 1;
        c->path_hops[a] = (uint8_t)hops;
    }
    *path = edge;
    return c->path_hops[a];
}

/* One send of member a to member b: over a's kept path when it has one. */
static void member_send(sim_coll_t *c, int32_t a, int32_t b, uint64_t wire, uint32_t copies,
                        sim_time_t delay, sim_handler_t done, void *ctx, uint64_t tag)
{
    const int32_t *path;
    int hops = member_path(c, a, b, &path);
    if (hops < 0)
        sim_net_send_bundle(c->net, c->vertex[a], c->vertex[b], wire, copies, delay, c->conn,
                            done, ctx, tag);
    else
        sim_net_send_path(c->net, path, hops, wire, copies, delay, done, ctx, tag);
}

/* The bytes on the wire for `bytes` of one channel's data: the
 * protocol's. */
static uint64_t wire_of(const sim_coll_t *c, uint64_t bytes)
{
    double f = c->spec.wire_per_byte;
    return f > 1 ? (uint64_t)ceil((double)bytes * f) : bytes;
}

/* Whether a send of `bytes` also waits for its channel to push them
 * (channel_gbs), and how long that takes after the software delay. */
static bool paced(const sim_coll_t *c, uint64_t bytes)
{
    return c->spec.channel_gbs > 0 && bytes > 0;
}

static sim_time_t push_ps(const sim_coll_t *c, uint64_t bytes)
{
    return (sim_time_t)llround((double)bytes / (c->spec.channel_gbs * 1e9) * 1e12);
}

void sim_coll_member_send(sim_coll_t *c, int32_t a, int32_t b, uint64_t bytes, sim_handler_t done,
                          uint64_t tag)
{
    /* wire bytes and pace are one channel's: a bundle's channels each
     * send `bytes` (its pace, copies x bytes at copies x channel_gbs, is
     * the same), computed as each would be, so no rounding differs */
    uint64_t wire = wire_of(c, bytes);
    uint32_t copies = c->copies > 1 ? c->copies : 1;
    sim_time_t delay = step_delay(c, a, b);
    if (!paced(c, bytes)) {
        member_send(c, a, b, wire, copies, delay, done, c, tag);
        return;
    }
    /* the channel's own pace: its data at channel_gbs, after the same
     * software delay as the transfer */
    join_t *j = tn_malloc(sizeof *j);
    *j = (join_t){done, c, tag, 2};
    member_send(c, a, b, wire, copies, delay, on_join, j, 0);
    sim_schedule_in(c->net->eng, delay + push_ps(c, bytes), on_join, j, 0);
}

/* ---- sends timed without simulating them (sim/coll/shortcut.c) ---- */

bool sim_coll_lane(sim_coll_t *c, int32_t a, int32_t b, sim_coll_lane_t *l)
{
    const int32_t *path;
    int hops = member_path(c, a, b, &path);
    if (hops < 0)
        return false;
    sim_coll_lane_on(c, a, b, path, hops, l);
    return true;
}

void sim_coll_lane_on(sim_coll_t *c, int32_t a, int32_t b, const int32_t *path, int hops,
                      sim_coll_lane_t *l)
{
    l->path = path;
    l->hops = hops;
    l->copies = c->copies > 1 ? c->copies : 1;
    l->delay = step_delay(c, a, b);
    l->latency = sim_net_path_latency(c->net, l->path, hops, &l->bottleneck);
    l->memo[0].set = l->memo[1].set = false;
}

void sim_coll_lane_times(const sim_coll_t *c, sim_coll_lane_t *l, uint64_t bytes,
                         sim_time_t start, sim_coll_times_t *x)
{
    /* as sim_coll_member_send() and the network's models would time it:
     * the flow model, or the analytic one for a send of no bytes; the
     * durations depend on the bytes alone, and a ring's sizes differ by a
     * byte, so the last size of each parity is kept */
    __typeof__(l->memo[0]) *mm = &l->memo[bytes & 1];
    if (!mm->set || mm->bytes != bytes) {
        uint64_t wire = wire_of(c, bytes);
        mm->set = true;
        mm->bytes = bytes;
        mm->wire = wire;
        /* analytic: one copy over the bottleneck (the copies do not
         * slow each other), the path's latency added below */
        mm->tx = wire == 0                            ? 0
                 : c->net->model == SIM_NET_ANALYTIC ? sim_serialize_ps(wire, l->bottleneck)
                                                     : sim_flows_alone_ps(&c->net->flows, l->path,
                                                                          l->hops,
                                                                          wire * l->copies,
                                                                          l->copies);
        mm->push = paced(c, bytes) ? l->delay + push_ps(c, bytes) : 0;
    }
    x->start = start;
    if (mm->wire == 0) {
        sim_time_t dur = sim_time_add(l->latency, sim_serialize_ps(0, l->bottleneck));
        x->tx_end = start;
        x->net = sim_time_add(start, sim_time_add(dur, l->delay));
    } else {
        x->tx_end = sim_time_add(start, mm->tx);
        x->net = sim_time_add(x->tx_end, sim_time_add(l->latency, l->delay));
    }
    x->push = paced(c, bytes) ? sim_time_add(start, mm->push) : 0;
    x->cb = x->net > x->push ? x->net : x->push;
}

void sim_coll_lane_account(sim_coll_t *c, const sim_coll_lane_t *l, uint64_t bytes,
                           uint32_t sends)
{
    TN_ASSERT((uint64_t)l->copies * sends <= UINT32_MAX);
    sim_net_account(c->net, l->path, l->hops, wire_of(c, bytes), l->copies * sends);
}

void sim_coll_lane_resume(sim_coll_t *c, const sim_coll_lane_t *l, uint64_t bytes,
                          const sim_coll_times_t *x, sim_handler_t done, uint64_t tag)
{
    sim_engine_t *eng = c->net->eng;
    sim_time_t now = sim_now(eng);
    TN_ASSERT(x->start < now && x->cb >= now);
    bool net_left = x->net >= now, push_left = paced(c, bytes) && x->push >= now;
    sim_handler_t h = done;
    void *ctx = c;
    uint64_t arg = tag;
    if (net_left && push_left) {
        join_t *j = tn_malloc(sizeof *j);
        *j = (join_t){done, c, tag, 2};
        h = on_join, ctx = j, arg = 0;
    }
    if (push_left)
        sim_schedule(eng, x->push, h, ctx, arg);
    if (!net_left)
        return;
    uint64_t wire = wire_of(c, bytes);
    if (wire > 0 && x->tx_end >= now)
        sim_net_adopt(c->net, l->path, l->hops, wire, l->copies, l->delay, x->start, h, ctx, arg);
    else
        sim_schedule(eng, x->net, h, ctx, arg);
}

void sim_coll_enter(sim_coll_t *c) { c->root->busy++; }

void sim_coll_leave(sim_coll_t *c)
{
    sim_coll_t *r = c->root;
    if (--r->busy == 0 && sim_coll_finished(r))
        sim_coll_free(r);
}

static void on_base_elapsed(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    sim_coll_t *c = ctx;
    sim_coll_enter(c);
    sim_coll_activate(c, (int32_t)arg);
    sim_coll_leave(c);
}

void sim_coll_activate_at(sim_coll_t *c, int32_t m, sim_time_t at)
{
    TN_ASSERT(!sim_event_is_none(sim_schedule(c->net->eng, at, on_base_elapsed, c, (uint64_t)m)));
}

void sim_coll_arrive(sim_coll_t *c, int32_t m)
{
    TN_ASSERT(!c->parent && m >= 0 && m < c->n && sim_coll_state_of(c, m) == SIM_COLL_ABSENT);
    int32_t pos = c->inv ? c->inv[m] : m;
    c->state[pos] = SIM_COLL_WAITING;
    if (c->spec.base_ps) {
        sim_time_t at = sim_time_add(sim_now(c->net->eng), c->spec.base_ps);
        if (!sim_coll_shortcut_early(c, pos, at))
            sim_coll_activate_at(c, m, at);
        return;
    }
    sim_coll_enter(c);
    sim_coll_activate(c, m);
    sim_coll_leave(c);
}
