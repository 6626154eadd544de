/* sim/net/flow.c — max-min fair sharing of links among flows; see sim/net/flow.h.
 *
 * A recomputation runs in three passes:
 *  1. gather: breadth-first from the dirty links, link -> the flows on it ->
 *     their links, listing the links reached (or, past half of the busy
 *     links, all busy links; see gather());
 *  2. water-fill: progressive filling on those links only (flows elsewhere
 *     share no link with flows there, so their rates stand), listing the
 *     flows as they freeze;
 *  3. apply: each flow whose rate changed brings its remaining bits up to
 *     date and moves its completion event.
 *
 * Why it is built this way (bench/bench_flow.c: 10,000 flows in one
 * component over 6,144 links; a first plain version took 1.7 ms per
 * recomputation, this one about 0.6):
 *  - The lazy heap spent most of its time on stale keys; rebuilding it
 *    outright when many went stale, with 4-ary nodes compared as 128-bit
 *    integers (common/tn_heap.h), cut it to about a third (see
 *    water_fill()).
 *  - Taking all busy links once the search has reached half of them cut
 *    the search, a third of the time, to a tenth, in that case.
 *  - Prefetching the paths of a full link's flows before freezing them,
 *    and writing new rates in freezing order, gained another ten percent.
 * What a recomputation reads is kept in small dense arrays by flow id and
 * by link id, apart from the rest of a flow's record, with "reached" and
 * "frozen" as bits; the search appends without branching (whether a flow
 * or link is new is a coin toss to the branch predictor). What remains is
 * the heap (about 45%) and freezing flows (about 40%), mostly waiting on
 * memory.
 */
#include "sim/net/flow.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

#define HOPS SIM_FLOWS_INLINE_HOPS

/* The active flows crossing a link, in no particular order: flow ids, and
 * for each which hop of its path this link is. */
struct sim_flow_link {
    uint32_t *id, *hop;
    uint32_t n, cap;
    uint32_t wsum; /* the weights of the crossings */
};

struct sim_flow_fill {
    double rem;    /* capacity not yet given to frozen flows */
    uint32_t left; /* weights of the crossings by flows not frozen yet */
};

/* What a recomputation reads only for flows whose rate changed. The
 * fields a completion reads (live, latency, the callback, the first
 * positions) come first: a completion's first touch of a record is a
 * cache miss, and this keeps it to the first line or two. */
struct sim_flow {
    int live;
    uint32_t next_free; /* free list, while not live */
    sim_time_t latency;
    sim_handler_t done;
    void *ctx;
    uint64_t arg;
    uint32_t pos[HOPS]; /* index in link[path[h]].id */
    double remaining;  /* bits still to send, as of `updated` */
    sim_time_t updated;
    sim_event_id_t ev; /* completion of the transmission */
    int32_t *xpath;     /* paths longer than HOPS: hops entries each */
    uint32_t *xpos;
};


static inline int32_t *flow_path(const sim_flows_t *f, uint32_t id)
{
    return f->hops[id] <= HOPS ? f->path + (size_t)id * HOPS : f->flow[id].xpath;
}

static inline uint32_t *flow_pos(sim_flow_t *fl, int32_t hops)
{
    return hops <= HOPS ? fl->pos : fl->xpos;
}

static inline int bit_get(const uint64_t *b, uint32_t i)
{
    return (int)(b[i >> 6] >> (i & 63) & 1);
}

/* 64-byte aligned storage for n elements of `size` bytes, with the first
 * `keep` bytes of old copied over and old freed. */
static void *realloc_aligned(void *old, size_t keep, size_t n, size_t size)
{
    void *p;
    size_t bytes = n * size > 0 ? n * size : 64;
    if (posix_memalign(&p, 64, bytes) != 0)
        TN_ASSERT(!"out of memory");
    if (keep)
        memcpy(p, old, keep);
    free(old);
    return p;
}

void sim_flows_init(sim_flows_t *f, sim_engine_t *eng, const topo_t *t)
{
    memset(f, 0, sizeof *f);
    f->eng = eng;
    f->topo = t;
    f->rate_tol = 1e-12;
    f->free_head = SIM_FLOWS_NONE;
    size_t ne = t->n_edges > 0 ? (size_t)t->n_edges : 1;
    f->link = tn_calloc(ne, sizeof *f->link);
    f->fill = tn_calloc(ne, sizeof *f->fill);
    f->link_seen = tn_calloc(ne / 64 + 1, sizeof *f->link_seen);
    f->link_dirty = tn_calloc(ne, sizeof *f->link_dirty);
    f->busy = tn_malloc(ne * sizeof *f->busy);
    f->busy_pos = tn_malloc(ne * sizeof *f->busy_pos);
    f->dirty = tn_malloc(ne * sizeof *f->dirty);
    f->comp_links = tn_malloc((ne + 1) * sizeof *f->comp_links);
    tn_heap_init(&f->heap);
    tn_heap_reserve(&f->heap, ne); /* a link is in the heap once at most */
}

void sim_flows_destroy(sim_flows_t *f)
{
    if (!f || !f->topo)
        return;
    for (uint32_t i = 0; i < f->flow_cap; i++) {
        sim_flow_t *fl = &f->flow[i];
        if (!fl->live)
            continue;
        sim_cancel(f->eng, fl->ev);
        free(fl->xpath);
        free(fl->xpos);
    }
    if (f->recompute_pending)
        sim_cancel(f->eng, f->recompute_ev);
    for (int32_t e = 0; e < f->topo->n_edges; e++) {
        free(f->link[e].id);
        free(f->link[e].hop);
    }
    free(f->hops);
    free(f->path);
    free(f->rate);
    free(f->weight);
    free(f->new_rate);
    free(f->seen);
    free(f->frozen);
    free(f->flow);
    free(f->link);
    free(f->fill);
    free(f->link_seen);
    free(f->link_dirty);
    free(f->busy);
    free(f->busy_pos);
    free(f->dirty);
    free(f->comp_links);
    free(f->comp_flows);
    tn_heap_destroy(&f->heap);
    memset(f, 0, sizeof *f);
}

double sim_flows_rate(const sim_flows_t *f, uint32_t id)
{
    if (id >= f->flow_cap || !f->flow[id].live)
        return 0.0;
    return f->rate[id];
}

bool sim_flows_link_busy(const sim_flows_t *f, int32_t e) { return f->link[e].n > 0; }

/* ---- pool and link lists ---- */

/* Takes a record from the free list, doubling the pool when it is empty
 * (lowest ids first, so ids depend on nothing but the history).
 * O(1) amortised. */
static uint32_t flow_alloc(sim_flows_t *f)
{
    if (f->free_head == SIM_FLOWS_NONE) {
        size_t old = f->flow_cap, cap = old < 64 ? 64 : 2 * old;
        TN_ASSERT(cap < SIM_FLOWS_NONE);
        f->flow = tn_realloc(f->flow, cap * sizeof *f->flow);
        memset(f->flow + old, 0, (cap - old) * sizeof *f->flow);
        f->hops = tn_realloc(f->hops, cap * sizeof *f->hops);
        f->rate = tn_realloc(f->rate, cap * sizeof *f->rate);
        f->weight = tn_realloc(f->weight, cap * sizeof *f->weight);
        f->new_rate = tn_realloc(f->new_rate, cap * sizeof *f->new_rate);
        f->path = realloc_aligned(f->path, old * HOPS * sizeof *f->path, cap * HOPS,
                                  sizeof *f->path);
        /* cap is a multiple of 64 */
        f->seen = tn_realloc(f->seen, cap / 64 * sizeof *f->seen);
        memset(f->seen + old / 64, 0, (cap - old) / 64 * sizeof *f->seen);
        f->frozen = tn_realloc(f->frozen, cap / 64 * sizeof *f->frozen);
        memset(f->frozen + old / 64, 0, (cap - old) / 64 * sizeof *f->frozen);
        f->comp_flows = tn_realloc(f->comp_flows, (cap + 1) * sizeof *f->comp_flows);
        for (size_t i = cap; i-- > old;) {
            f->flow[i].next_free = f->free_head;
            f->free_head = (uint32_t)i;
        }
        f->flow_cap = (uint32_t)cap;
    }
    uint32_t id = f->free_head;
    f->free_head = f->flow[id].next_free;
    return id;
}

static void flow_release(sim_flows_t *f, uint32_t id)
{
    sim_flow_t *fl = &f->flow[id];
    free(fl->xpath);
    free(fl->xpos);
    fl->xpath = NULL;
    fl->xpos = NULL;
    fl->live = 0;
    fl->next_free = f->free_head;
    f->free_head = id;
}

/* Appends (id, hop) to link e's list; returns its position. O(1) amortised. */
static uint32_t link_add(sim_flows_t *f, int32_t e, uint32_t id, uint32_t hop)
{
    sim_flow_link_t *l = &f->link[e];
    if (l->n == l->cap) {
        size_t cap = l->cap < 8 ? 8 : 2 * (size_t)l->cap;
        TN_ASSERT(cap <= UINT32_MAX);
        l->id = tn_realloc(l->id, cap * sizeof *l->id);
        l->hop = tn_realloc(l->hop, cap * sizeof *l->hop);
        l->cap = (uint32_t)cap;
    }
    l->id[l->n] = id;
    l->hop[l->n] = hop;
    TN_ASSERT(l->wsum <= UINT32_MAX - f->weight[id]);
    l->wsum += f->weight[id];
    if (l->n == 0) {
        f->busy_pos[e] = (int32_t)f->n_busy;
        f->busy[f->n_busy++] = e;
    }
    return l->n++;
}

/* Removes the entry at `pos` of link e's list, a crossing by a flow of
 * weight w, by moving the last one into its place (and telling that flow
 * its new position). O(1). */
static void link_remove(sim_flows_t *f, int32_t e, uint32_t pos, uint32_t w)
{
    sim_flow_link_t *l = &f->link[e];
    TN_ASSERT(pos < l->n && f->weight[l->id[pos]] == w);
    l->wsum -= w;
    uint32_t last = --l->n;
    if (pos != last) {
        uint32_t id = l->id[last], hop = l->hop[last];
        l->id[pos] = id;
        l->hop[pos] = hop;
        flow_pos(&f->flow[id], f->hops[id])[hop] = pos;
    }
    if (last == 0) {
        int32_t moved = f->busy[--f->n_busy];
        f->busy[f->busy_pos[e]] = moved;
        f->busy_pos[moved] = f->busy_pos[e];
    }
}

/* ---- scheduling ---- */

static void on_recompute(sim_engine_t *eng, void *ctx, uint64_t arg);
static void on_complete(sim_engine_t *eng, void *ctx, uint64_t arg);

/* Marks link e dirty and makes sure a recomputation is pending at this
 * instant. O(1). */
static void mark_dirty(sim_flows_t *f, int32_t e)
{
    if (!f->link_dirty[e]) {
        f->link_dirty[e] = 1;
        f->dirty[f->n_dirty++] = e;
    }
    if (!f->recompute_pending) {
        f->recompute_pending = 1;
        f->recompute_deferred = 0;
        f->recompute_ev = sim_schedule(f->eng, sim_now(f->eng), on_recompute, f, 0);
    }
}

/* Picoseconds to send `bits` at `rate` bits/s, rounded up. The quotient of
 * two exact doubles whose true value is an integer can come out a few ulps
 * high; taking 4 ulps off before rounding up keeps it that integer (the
 * shift is below the double's own precision). <= 1e-6 bits left is done:
 * rounding leaves crumbs of that size, never real data. Saturates at
 * SIM_TIME_MAX. O(1). */
static sim_time_t send_ps(double bits, double rate)
{
    if (bits <= 1e-6)
        return 0;
    double d = bits * 1e12 / rate;
    d -= d * (4 * DBL_EPSILON);
    if (!(d < 18446744073709551616.0)) /* 2^64 */
        return SIM_TIME_MAX;
    return (sim_time_t)ceil(d);
}

uint32_t sim_flows_start(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                         sim_time_t latency_ps, sim_handler_t done, void *ctx, uint64_t arg)
{
    return sim_flows_start_w(f, path, hops, bytes, 1, latency_ps, done, ctx, arg);
}

/* A live flow record for path, not yet rated: the part start and adopt
 * share. O(hops), amortised. */
static uint32_t flow_insert(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                            uint32_t weight, sim_time_t latency_ps, sim_handler_t done, void *ctx,
                            uint64_t arg)
{
    for (int h = 0; h < hops; h++)
        TN_ASSERT(path[h] >= 0 && path[h] < f->topo->n_edges);
    uint32_t id = flow_alloc(f);
    sim_flow_t *fl = &f->flow[id];
    f->hops[id] = hops;
    f->rate[id] = 0.0;
    f->weight[id] = weight;
    fl->remaining = (double)bytes * 8.0;
    fl->updated = sim_now(f->eng);
    fl->latency = latency_ps;
    fl->ev = SIM_EVENT_NONE;
    fl->done = done;
    fl->ctx = ctx;
    fl->arg = arg;
    fl->live = 1;
    if (hops > HOPS) {
        fl->xpath = tn_malloc((size_t)hops * sizeof *fl->xpath);
        fl->xpos = tn_malloc((size_t)hops * sizeof *fl->xpos);
    }
    int32_t *p = flow_path(f, id);
    uint32_t *q = flow_pos(fl, hops);
    for (int h = 0; h < hops; h++) /* as in on_complete(): misses overlap */
        __builtin_prefetch(&f->link[path[h]], 1);
    for (int h = 0; h < hops; h++) {
        p[h] = path[h];
        q[h] = link_add(f, p[h], id, (uint32_t)h);
    }
    f->started++;
    f->active++;
    return id;
}

uint32_t sim_flows_start_w(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                           uint32_t weight, sim_time_t latency_ps, sim_handler_t done, void *ctx,
                           uint64_t arg)
{
    TN_ASSERT(done != NULL && hops >= 0 && weight >= 1);
    if (bytes == 0 || hops == 0) {
        sim_schedule_in(f->eng, latency_ps, done, ctx, arg);
        return SIM_FLOWS_NONE;
    }
    uint32_t id = flow_insert(f, path, hops, bytes, weight, latency_ps, done, ctx, arg);
    /* One dirty link is enough: the gathering reaches the others through
     * the flow itself. */
    mark_dirty(f, flow_path(f, id)[0]);
    return id;
}

double sim_flows_alone_rate(const sim_flows_t *f, const int32_t *path, int hops, uint32_t weight)
{
    /* as gather() keys and water_fill() freezes it: the least of capacity
     * over weight, times the weight */
    double s = DBL_MAX;
    for (int h = 0; h < hops; h++) {
        double share = (double)f->topo->bps[path[h]] / (double)weight;
        if (share < s)
            s = share;
    }
    return s * (double)weight;
}

sim_time_t sim_flows_alone_ps(const sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                              uint32_t weight)
{
    return send_ps((double)bytes * 8.0, sim_flows_alone_rate(f, path, hops, weight));
}

uint32_t sim_flows_adopt(sim_flows_t *f, const int32_t *path, int hops, uint64_t bytes,
                         uint32_t weight, sim_time_t latency_ps, sim_time_t started,
                         sim_handler_t done, void *ctx, uint64_t arg)
{
    TN_ASSERT(done != NULL && hops > 0 && bytes > 0 && weight >= 1 && started <= sim_now(f->eng));
    uint32_t id = flow_insert(f, path, hops, bytes, weight, latency_ps, done, ctx, arg);
    sim_flow_t *fl = &f->flow[id];
    double rate = sim_flows_alone_rate(f, path, hops, weight);
    f->rate[id] = rate;
    fl->updated = started;
    fl->ev = sim_schedule(f->eng, sim_time_add(started, send_ps(fl->remaining, rate)), on_complete,
                          f, id);
    TN_ASSERT(!sim_event_is_none(fl->ev)); /* the caller's flow is still transmitting */
    return id;
}

/* The last bit of flow `arg` has left: take it off its links, mark them
 * dirty (its component may speed up, or split), and schedule its callback
 * after its latency. */
static void on_complete(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    sim_flows_t *f = ctx;
    uint32_t id = (uint32_t)arg;
    TN_ASSERT(id < f->flow_cap && f->flow[id].live);
    sim_flow_t *fl = &f->flow[id];
    /* The callback first: with no latency it then runs before the
     * recomputation, and flows it starts join it. */
    sim_schedule_in(eng, fl->latency, fl->done, fl->ctx, fl->arg);
    int32_t hops = f->hops[id];
    const int32_t *p = flow_path(f, id);
    const uint32_t *q = flow_pos(fl, hops);
    uint32_t w = f->weight[id];
    /* the links' lists are far apart in a large fabric: fetch them all
     * before the first is needed, so their misses overlap */
    for (int32_t h = 0; h < hops; h++)
        __builtin_prefetch(&f->link[p[h]], 1);
    for (int32_t h = 0; h < hops; h++) {
        link_remove(f, p[h], q[h], w);
        mark_dirty(f, p[h]);
    }
    flow_release(f, id);
    f->finished++;
    f->active--;
}

/* ---- the keys of link shares ---- */

/* A heap key: the bits of a link's share (a double >= +0.0, whose bit
 * patterns order like its values) above the link id, so keys compare as
 * one integer in (share, link) order. */
static inline tn_heap_key_t key_of(double share, int32_t e)
{
    uint64_t bits;
    memcpy(&bits, &share, sizeof bits);
    return tn_heap_key(bits, (uint32_t)e);
}

static inline double key_share(tn_heap_key_t k)
{
    uint64_t bits = tn_heap_key_hi(k);
    double share;
    memcpy(&share, &bits, sizeof share);
    return share;
}

static inline int32_t key_link(tn_heap_key_t k) { return (int32_t)(uint32_t)tn_heap_key_lo(k); }

/* A link's share: capacity left over the weights of its crossings by
 * unfrozen flows (a rate per unit of weight). */
static inline double share_of(const sim_flow_fill_t *l)
{
    return l->rem > 0 ? l->rem / l->left : 0.0;
}

/* ---- the recomputation ---- */

/* Gathers the links reachable from the dirty links (link -> the flows on
 * it -> their links), sets their water-filling state and puts them in the
 * heap, keyed by their share, not yet in heap order.
 * Once more than half of the links carrying flows are reached, it takes
 * them all instead of finishing the search: water-filling a union of
 * components gives each component its own max-min rates, so this is exact;
 * it takes at most twice the component's links, and saves most of the
 * search when one component spans the fabric (the common case of traffic
 * between random pairs on a fabric with ECMP, or of collectives over a
 * whole cluster). Returns the number of links.
 * O(links + sum of the visited flows' hops). */
static size_t gather(sim_flows_t *f)
{
    const sim_flow_link_t *link = f->link;
    uint64_t *lseen = f->link_seen, *seen = f->seen;
    const int32_t *hops = f->hops;
    int32_t *cl = f->comp_links;
    uint32_t *cf = f->comp_flows; /* scratch here: the flows visited */
    size_t nl = 0, n = 0, half = f->n_busy / 2;
    for (size_t i = 0; i < f->n_dirty; i++) {
        int32_t e = f->dirty[i];
        f->link_dirty[e] = 0;
        if (link[e].n && !bit_get(lseen, (uint32_t)e)) {
            lseen[e >> 6] |= 1ull << (e & 63);
            cl[nl++] = e;
        }
    }
    f->n_dirty = 0;
    /* Without branches: each candidate is written at the end of its list,
     * and the list grows by one only when the candidate is new. A flow
     * crossing this link twice is new once: its bit is set at the first. */
    for (size_t qi = 0; qi < nl && nl <= half; qi++) {
        const sim_flow_link_t *l = &link[cl[qi]];
        const uint32_t *ids = l->id;
        size_t first = n;
        for (uint32_t k = 0, nk = l->n; k < nk; k++) {
            uint32_t id = ids[k];
            uint64_t w = seen[id >> 6], b = 1ull << (id & 63);
            cf[n] = id;
            n += !(w & b);
            seen[id >> 6] = w | b;
        }
        for (size_t i = first; i < n; i++) {
            uint32_t id = cf[i];
            const int32_t *p = flow_path(f, id);
            for (int32_t h = 0, nh = hops[id]; h < nh; h++) {
                uint32_t m = (uint32_t)p[h];
                uint64_t w = lseen[m >> 6], b = 1ull << (m & 63);
                cl[nl] = (int32_t)m;
                nl += !(w & b);
                lseen[m >> 6] = w | b;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        seen[cf[i] >> 6] = 0;
    for (size_t i = 0; i < nl; i++)
        lseen[cl[i] >> 6] = 0;
    const int32_t *take = cl;
    if (nl > half) {
        nl = f->n_busy;
        take = f->busy;
    }
    /* the water-filling state, and the heap's keys while at it */
    sim_flow_fill_t *fill = f->fill;
    tn_heap_key_t *heap = f->heap.h;
    const uint64_t *bps = f->topo->bps;
    for (size_t i = 0; i < nl; i++) {
        int32_t e = take[i];
        double c = (double)bps[e];
        uint32_t w_e = link[e].wsum;
        fill[e].rem = c;
        fill[e].left = w_e;
        heap[i] = key_of(c / w_e, e);
    }
    return nl;
}

/* Progressive filling over the gathered links: the link with the least
 * share (capacity left / the weights of the crossings by unfrozen flows;
 * ties to the lower link id) is full first; its unfrozen flows freeze at
 * their weight times that share, which is taken from every link they
 * cross; repeat until every flow is frozen. (A flow of weight w stands for
 * w flows along one path: each of those would freeze at the share.)
 * Lists the flows in comp_flows[] as they freeze, and returns their number.
 *
 * The heap of shares is lazy: an entry keeps the share its link had when it
 * was keyed, and is brought up to date only when it reaches the top. That
 * is right because shares never decrease as flows freeze. A flow of weight
 * w frozen at s per unit crosses link e whose share is r/n >= s (s is the
 * least share of all; n counts weights). Freezing it (m crossings of e)
 * leaves
 *     (r - m w s) / (n - m w) >= (r - m w r/n) / (n - m w) = r/n.
 * So an entry's key is at most its link's true share: when the top entry is
 * current it is the least true share, and its link is full; when stale, it
 * is raised to the true share and moved down. (Rounding can leave a current
 * share an ulp below its key; that share is used as it is.) Links all of
 * whose flows froze elsewhere stay in the heap, dead, until they reach the
 * top. The heap is rebuilt, with every key current and without the dead,
 * when the dead are more than half of it or stale keys were raised more
 * than n/8 times since the last build (both measured to pay).
 * O((L + H) log L) for L links crossed H times. */
static size_t water_fill(sim_flows_t *f, size_t nl)
{
    const sim_flow_link_t *link = f->link;
    sim_flow_fill_t *fill = f->fill;
    tn_heap_t *hp = &f->heap;
    tn_heap_key_t *h = hp->h;
    uint64_t *frozen = f->frozen;
    const int32_t *hops = f->hops;
    const uint32_t *weight = f->weight;
    double *new_rate = f->new_rate;
    uint32_t *cf = f->comp_flows;
    size_t dead = 0, raised = 0, nf = 0;
    hp->n = nl;
    tn_heap_heapify(hp);
    while (hp->n) {
        size_t n = hp->n;
        if (dead > n / 2 || raised > n / 8) {
            size_t j = 0;
            for (size_t i = 0; i < n; i++) {
                int32_t e = key_link(h[i]);
                if (fill[e].left)
                    h[j++] = key_of(share_of(&fill[e]), e);
            }
            hp->n = j;
            dead = raised = 0;
            tn_heap_heapify(hp);
            continue;
        }
        tn_heap_key_t top = tn_heap_top(hp);
        int32_t e = key_link(top);
        sim_flow_fill_t *l = &fill[e];
        if (l->left == 0) {
            dead--;
            tn_heap_pop(hp);
            continue;
        }
        double s = share_of(l);
        if (s > key_share(top)) {
            tn_heap_replace_top(hp, key_of(s, e));
            raised++;
            continue;
        }
        TN_ASSERT(s > 0);
        tn_heap_pop(hp);
        const uint32_t *ids = link[e].id;
        for (uint32_t k = 0, nk = link[e].n; k < nk; k++) /* measured: pays */
            __builtin_prefetch(f->path + (size_t)ids[k] * HOPS);
        for (uint32_t k = 0, nk = link[e].n; k < nk && l->left; k++) {
            uint32_t id = ids[k];
            if (bit_get(frozen, id))
                continue;
            frozen[id >> 6] |= 1ull << (id & 63);
            /* s x 1 is s: with every weight 1, this is unweighted
             * filling to the bit */
            uint32_t w = weight[id];
            double r = s * (double)w;
            cf[nf] = id;
            new_rate[nf++] = r;
            const int32_t *p = flow_path(f, id);
            for (int32_t j = 0, nh = hops[id]; j < nh; j++) {
                sim_flow_fill_t *m = &fill[p[j]];
                m->rem -= r;
                m->left -= w;
                dead += m->left == 0;
            }
        }
        TN_ASSERT(l->left == 0);
        dead--; /* e itself, no longer in the heap */
    }
    return nf;
}

/* Moves the completion of every frozen flow whose rate changed beyond
 * rate_tol, and clears their frozen bits. O(flows + changes x log(pending
 * events)). */
static void apply(sim_flows_t *f, size_t nf)
{
    sim_engine_t *eng = f->eng;
    sim_time_t now = sim_now(eng);
    double tol = f->rate_tol;
    for (size_t i = 0; i < nf; i++) {
        uint32_t id = f->comp_flows[i];
        f->frozen[id >> 6] = 0;
        double nr = f->new_rate[i], r = f->rate[id];
        if (fabs(nr - r) <= tol * nr)
            continue;
        sim_flow_t *fl = &f->flow[id];
        if (r > 0)
            fl->remaining -= r * (double)(now - fl->updated) * 1e-12;
        fl->updated = now;
        f->rate[id] = nr;
        sim_cancel(eng, fl->ev);
        fl->ev = sim_schedule(eng, sim_time_add(now, send_ps(fl->remaining, nr)), on_complete,
                              f, id);
        f->rescheduled++;
    }
}

/* The recomputation event. It runs once more, at the same instant, if other
 * events are pending there (once only: two models on one engine must not
 * keep deferring to each other), so that flows those events start or end
 * join this recomputation. */
static void on_recompute(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    sim_flows_t *f = ctx;
    if (!f->recompute_deferred && sim_next_time(eng) == sim_now(eng)) {
        f->recompute_deferred = 1;
        f->recompute_ev = sim_schedule(eng, sim_now(eng), on_recompute, f, 0);
        return;
    }
    f->recompute_pending = 0;
    size_t nl = gather(f);
    size_t nf = water_fill(f, nl);
    apply(f, nf);
    f->recomputes++;
    f->touched += nf;
}
