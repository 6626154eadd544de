/* sim/coll/shortcut.c — the exact shortcut of a ring (sim/coll/node.h):
 * a ring whose sends cross links that nothing else crosses is timed in
 * one pass of arithmetic instead of an event per send. With the analytic
 * network model every ring is: a send there takes its path's latency and
 * its bytes over the bottleneck whatever else crosses its links, so the
 * recurrence below holds with that time, without claims or yields.
 *
 * Why it is exact. Step by step, member m sends sub-step j once it has
 * arrived, its next member has arrived, its send of sub-step j - 1 has
 * called back, and the send of sub-step j - chunks of the member before
 * it has called back (sim/coll/ring.c). With each member's path to the
 * next its own (no two share a link) and claimed (nothing else may cross
 * it), each send is alone on its links for its whole life: the flow model
 * gives it the rate sim_flows_alone_rate() computes, from its first
 * recomputation to its end, and its callback comes at the time
 * sim_coll_lane_times() computes with the same arithmetic. So the time of
 * every send follows from the arrivals by the recurrence
 *     start(m, j) = max(arrive(m), arrive(m + 1), cb(m, j - 1),
 *                       cb(m - 1, j - chunks)),
 *     cb(m, j) = the lane's callback for a send started then,
 * and member m is done at max(cb(m, last), cb(m - 1, last)): one event
 * per member instead of steps x chunks sends, each a flow, its
 * completion, its callback and its share of a recomputation.
 *
 * A member reaching the collective is taken when it reaches it, with the
 * per-call latency it waits before it starts: the time it becomes active
 * is part of the recurrence, not an event. Members done at one instant
 * are done in one event, in position order.
 *
 * The links are claimed at the first arrival (sim_net_claim()), until the
 * ring's last bit has left. If any other transfer is about to cross one
 * before that, the claim yields: the recurrence, with the members not yet arrived never
 * arriving, gives the state the step-by-step run would be in at that
 * instant (sends called back, sends in flight with the bits they have
 * left, callbacks pending), which is put into the ring and the network
 * (sim_coll_lane_resume()); the ring then runs step by step. A send that
 * would call back at that very instant is left pending at it, as are
 * sends due then, so the newcomer joins the same recomputation either
 * way.
 *
 * The links' counters are added when the ring finishes (or, for the sends
 * begun, when it yields): they are read only at the end of a run.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/coll/node.h"

struct sim_coll_shortcut {
    sim_net_claim_t claim; /* first: the claim is the shortcut */
    sim_coll_t *c;
    bool claims;           /* its lanes claimed (the flow model; the
                            * analytic one has no contention to claim
                            * against, so nothing ever makes it yield) */
    bool early;            /* members taken on arrival (their activation
                            * at arrive[m] is not an event) */
    sim_coll_lane_t *lane; /* by position: to the next */
    sim_time_t *arrive;    /* by position: when it becomes active;
                            * SIM_TIME_MAX until it has arrived */
    int32_t arrived, finished;
    /* once timed: positions by (done time, position), their done times,
     * and an event for each run of equal times (at its first index) */
    int32_t *order;
    sim_time_t *when;
    sim_event_id_t *ev;
    /* the recurrence's state: by position, the callbacks of its last
     * `chunks` sub-steps (sub-step j at j mod chunks) and of the round
     * being timed, the sub-steps called back before the walk's instant,
     * and the first not called back if it has begun (open, at j =
     * done[m]); the sub-steps timed; the latest end of a transmission */
    sim_time_t *win, *cur, tx_max;
    uint32_t walked;
    uint32_t *done;
    sim_coll_times_t *open;
    uint8_t *has_open;
    uint64_t *q;           /* by position: the walk's chunk size this step */
    uint32_t *r;           /* and how many chunks are one byte more */
    uint64_t *size;        /* by (position, 4): its sends' sizes, and */
    uint32_t *sends;       /* how many of each, once timed */
};

typedef struct sim_coll_shortcut shortcut_t;

static void sc_yield(sim_net_claim_t *claim);

static void sc_release(shortcut_t *sc)
{
    sim_coll_t *c = sc->c;
    for (int32_t m = 0; m < c->n; m++) {
        if (sc->claims)
            sim_net_unclaim(c->net, sc->lane[m].path, sc->lane[m].hops, &sc->claim);
        if (!sim_event_is_none(sc->ev[m]))
            sim_cancel(c->net->eng, sc->ev[m]);
    }
    c->sc = NULL;
    free(sc);
}

void sim_coll_shortcut_free(sim_coll_t *c)
{
    if (c->sc)
        sc_release(c->sc);
}

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* The shortcut's arrays for n members and `chunks` laid out after it:
 * with sc NULL only the bytes it takes; else its pointers set. O(1). */
static size_t sc_layout(shortcut_t *sc, size_t n, size_t chunks)
{
    size_t off = align8(sizeof(shortcut_t));
#define CARVE(field, count)                                                                    \
    do {                                                                                       \
        if (sc)                                                                                \
            sc->field = (void *)((char *)sc + off);                                            \
        off += align8((count) * sizeof *((shortcut_t *)0)->field);                             \
    } while (0)
    CARVE(lane, n);
    CARVE(arrive, n);
    CARVE(when, n);
    CARVE(order, n);
    CARVE(ev, n);
    CARVE(win, n * chunks);
    CARVE(cur, n);
    CARVE(done, n);
    CARVE(open, n);
    CARVE(has_open, n);
    CARVE(q, n);
    CARVE(r, n);
    CARVE(size, 4 * n);
    CARVE(sends, 4 * n);
#undef CARVE
    return off;
}

/* The shortcut of c, if its lanes make one: every path kept, at least
 * one hop, and with the flow model all claimable, no link in two (found
 * by claiming them one by one). With the analytic model a send's time
 * depends on nothing else on its links, so any ring qualifies and
 * nothing is claimed. The shortcut and its arrays are one allocation.
 * O(n x hops). */
static shortcut_t *sc_new(sim_coll_t *c)
{
    int32_t n = c->n;
    shortcut_t *sc = tn_malloc(sc_layout(NULL, (size_t)n, c->chunks));
    memset(sc, 0, sizeof *sc);
    sc_layout(sc, (size_t)n, c->chunks);
    sc->claim.yield = sc_yield;
    sc->claim.until = SIM_TIME_MAX;
    sc->c = c;
    sc->claims = c->net->model == SIM_NET_FLOW;
    for (int32_t m = 0; m < n; m++) {
        sc->arrive[m] = SIM_TIME_MAX;
        sc->ev[m] = SIM_EVENT_NONE;
    }
    int32_t m = 0;
    if (!sim_coll_ring_lanes(c, sc->lane))
        m = -1;
    for (; m >= 0 && m < n; m++) {
        sim_coll_lane_t *l = &sc->lane[m];
        /* claimable after the lanes before it are claimed: a link of
         * theirs makes it not */
        if (l->hops == 0)
            break;
        if (!sc->claims)
            continue;
        if (!sim_net_claimable(c->net, l->path, l->hops))
            break;
        sim_net_claim(c->net, l->path, l->hops, &sc->claim);
    }
    if (m != n) {
        for (int32_t k = 0; k < m && sc->claims; k++)
            sim_net_unclaim(c->net, sc->lane[k].path, sc->lane[k].hops, &sc->claim);
        free(sc);
        return NULL;
    }
    c->net->shortcuts_taken++;
    return sc;
}

static inline sim_time_t tmax(sim_time_t a, sim_time_t b) { return a > b ? a : b; }

/* Runs the recurrence (file comment) as far as instant t: done[m] counts
 * m's sub-steps called back before t, open[m] is the next one when it
 * began before t, walked the sub-steps timed (each member's latest
 * callback is in window slot (walked - 1) mod chunks), tx_max the
 * latest end of a transmission. Members not arrived block
 * what waits on them (SIM_TIME_MAX). With t = SIM_TIME_MAX and every
 * member arrived it times every sub-step. O(n x sub-steps timed), plus
 * O(hops) per distinct size. */
static void sc_walk(shortcut_t *sc, sim_time_t t)
{
    sim_coll_t *c = sc->c;
    int32_t n = c->n;
    uint32_t chunks = c->chunks;
    for (int32_t m = 0; m < n; m++) {
        sc->done[m] = 0;
        sc->has_open[m] = 0;
    }
    sc->tx_max = 0;
    sc->walked = 0;
    bool begun = true;
    for (uint32_t k = 0; k < c->steps && begun; k++) {
        /* this step's block of each member, cut into chunks: q or q + 1
         * bytes (the first r), as sim_coll_ring_bytes() gives them */
        for (int32_t m = 0; m < n; m++) {
            uint64_t block = sim_coll_ring_block(c, m, k);
            sc->q[m] = block / chunks;
            sc->r[m] = (uint32_t)(block % chunks);
        }
        for (uint32_t ch = 0; ch < chunks && begun; ch++) {
            uint32_t j = k * chunks + ch;
            begun = false;
            for (int32_t m = 0; m < n; m++) {
                int32_t prev = m > 0 ? m - 1 : n - 1;
                sim_time_t s = tmax(sc->arrive[m], sc->arrive[m + 1 < n ? m + 1 : 0]);
                if (j > 0)
                    s = tmax(s, sc->win[(size_t)m * chunks + (ch + chunks - 1) % chunks]);
                if (j >= chunks)
                    s = tmax(s, sc->win[(size_t)prev * chunks + ch]);
                if (s == SIM_TIME_MAX) {
                    sc->cur[m] = SIM_TIME_MAX;
                    continue;
                }
                sim_coll_times_t x;
                sim_coll_lane_times(c, &sc->lane[m], sc->q[m] + (ch < sc->r[m]), s, &x);
                sc->cur[m] = x.cb;
                sc->tx_max = tmax(sc->tx_max, x.tx_end);
                if (x.cb < t) {
                    sc->done[m]++;
                } else if (s < t && !sc->has_open[m]) {
                    sc->open[m] = x;
                    sc->has_open[m] = 1;
                }
                begun = begun || s < t;
            }
            /* the window is written after the round: member m reads m - 1's
             * sub-step j - chunks, which m - 1 overwrites in this round */
            for (int32_t m = 0; m < n; m++)
                sc->win[(size_t)m * chunks + ch] = sc->cur[m];
            sc->walked = j + 1;
            /* starts only grow: once none begins before t, none later does */
        }
    }
}

/* Counts member m's first `count` sends in the links' counters: the
 * sends of each size at once (the counters are sums of integers, so this
 * is the same as one by one). A step's block is one of two sizes and its
 * chunks one of two sizes each. O(steps + chunks). */
static void tally(uint64_t *size, uint32_t *sends, uint64_t bytes, uint32_t count)
{
    for (int i = 0; count && i < 4; i++)
        if (sends[i] == 0 || size[i] == bytes) {
            size[i] = bytes;
            sends[i] += count;
            return;
        }
    TN_ASSERT(count == 0); /* two block sizes, two chunk sizes each */
}

/* Member m's first `count` sends by size: at most four sizes. */
static void sc_sizes(shortcut_t *sc, int32_t m, uint32_t count, uint64_t *size, uint32_t *sends)
{
    sim_coll_t *c = sc->c;
    uint32_t chunks = c->chunks, full = count / chunks, part = count % chunks;
    memset(size, 0, 4 * sizeof *size);
    memset(sends, 0, 4 * sizeof *sends);
    for (uint32_t k = 0; k <= full && k < c->steps; k++) {
        uint64_t block = sim_coll_ring_block(c, m, k);
        uint32_t r = (uint32_t)(block % chunks), upto = k < full ? chunks : part;
        uint32_t big = upto < r ? upto : r; /* the first r chunks are one byte more */
        tally(size, sends, block / chunks + 1, big);
        tally(size, sends, block / chunks, upto - big);
    }
}

static void sc_apply(shortcut_t *sc, int32_t m, const uint64_t *size, const uint32_t *sends)
{
    for (int i = 0; i < 4; i++)
        if (sends[i])
            sim_coll_lane_account(sc->c, &sc->lane[m], size[i], sends[i]);
}

static void sc_account(shortcut_t *sc, int32_t m, uint32_t count)
{
    uint64_t size[4];
    uint32_t sends[4];
    sc_sizes(sc, m, count, size, sends);
    sc_apply(sc, m, size, sends);
}

/* The members done at one instant: order[arg ..] while their time is
 * this event's, in position order. A member's continuation may make the
 * ring yield (a transfer over a link not yet free): the members left are
 * then finished by the ring's own callbacks, and this stops. */
static void on_sc_done(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    sim_coll_t *c = ctx;
    shortcut_t *sc = c->sc;
    int32_t i = (int32_t)arg, n = c->n;
    sim_time_t now = sim_now(eng);
    sc->ev[i] = SIM_EVENT_NONE;
    if (!c->parent && c->prefetch)
        for (int phase = 0; phase < 2; phase++)
            for (int32_t k = i; k < n && sc->when[sc->order[k]] == now; k++)
                c->prefetch(c->done_ctx, c->perm ? c->perm[sc->order[k]] : sc->order[k], phase);
    sim_coll_enter(c);
    for (; c->sc == sc && i < n && sc->when[sc->order[i]] == now; i++) {
        int32_t m = sc->order[i];
        if (sc->early)
            c->state[m] = SIM_COLL_ACTIVE; /* as its activation event would have */
        if (++sc->finished == n) {
            for (int32_t k = 0; k < n; k++)
                sc_apply(sc, k, sc->size + 4 * k, sc->sends + 4 * k);
            sc_release(sc);
        }
        sim_coll_member_done(c, m);
    }
    sim_coll_leave(c);
}

/* Whether template t was made for c's sizes and latencies. */
static bool template_fits(const sim_coll_template_t *t, const sim_coll_t *c, uint32_t copies)
{
    return t->set && t->data == c->data && t->steps == c->steps && t->chunks == c->chunks &&
           t->copies == copies && t->wire_per_byte == c->spec.wire_per_byte &&
           t->channel_gbs == c->spec.channel_gbs && t->intra_step_ps == c->spec.intra_step_ps &&
           t->inter_step_ps == c->spec.inter_step_ps;
}

/* Every member has arrived: each one's done time (when[]), the last
 * bit's end (tx_max) and its sends by size, from the recurrence, or from
 * the template of the last ring of these members and lanes when it fits
 * and all arrived at one instant (the same times moved by that instant).
 * O(1) per member with the template, else the walk's. */
static void sc_time(shortcut_t *sc)
{
    sim_coll_t *c = sc->c;
    int32_t n = c->n;
    bool together = true;
    for (int32_t k = 1; k < n; k++)
        together = together && sc->arrive[k] == sc->arrive[0];
    sim_time_t t0 = sc->arrive[0];
    sim_coll_template_t *t = together ? sim_coll_ring_template(c) : NULL;
    uint32_t copies = sc->lane[0].copies;
    if (t && template_fits(t, c, copies)) {
        for (int32_t k = 0; k < n; k++) {
            sc->when[k] = sim_time_add(t0, t->when[k]);
            memcpy(sc->size + 4 * k, t->size[k], sizeof t->size[k]);
            memcpy(sc->sends + 4 * k, t->sends[k], sizeof t->sends[k]);
        }
        sc->tx_max = sim_time_add(t0, t->tx_max);
        return;
    }
    sc_walk(sc, SIM_TIME_MAX);
    size_t at = (sc->walked - 1) % c->chunks; /* every member's latest callback */
    for (int32_t k = 0; k < n; k++) {
        sc->when[k] = tmax(sc->win[(size_t)k * c->chunks + at],
                           sc->win[(size_t)((k + n - 1) % n) * c->chunks + at]);
        sc_sizes(sc, k, c->steps * c->chunks, sc->size + 4 * k, sc->sends + 4 * k);
    }
    if (!t || sc->tx_max == SIM_TIME_MAX)
        return; /* not kept: arrivals apart, no cache, or times saturated */
    *t = (sim_coll_template_t){.set = true,
                               .data = c->data,
                               .steps = c->steps,
                               .chunks = c->chunks,
                               .copies = copies,
                               .wire_per_byte = c->spec.wire_per_byte,
                               .channel_gbs = c->spec.channel_gbs,
                               .intra_step_ps = c->spec.intra_step_ps,
                               .inter_step_ps = c->spec.inter_step_ps};
    for (int32_t k = 0; k < n; k++) {
        if (sc->when[k] == SIM_TIME_MAX) {
            t->set = false;
            return;
        }
        t->when[k] = sc->when[k] - t0;
        memcpy(t->size[k], sc->size + 4 * k, sizeof t->size[k]);
        memcpy(t->sends[k], sc->sends + 4 * k, sizeof t->sends[k]);
    }
    t->tx_max = sc->tx_max - t0;
}

/* Member m arrives (active at `at`). The last one times the ring. */
static bool sc_arrive(sim_coll_t *c, int32_t m, sim_time_t at, bool early)
{
    if (!c->sc) {
        if (c->sc_tried || !c->net->shortcuts)
            return false;
        c->sc_tried = true;
        if (!(c->sc = sc_new(c)))
            return false;
        c->sc->early = early;
    }
    shortcut_t *sc = c->sc;
    int32_t n = c->n;
    TN_ASSERT(sc->early == early && sc->arrive[m] == SIM_TIME_MAX);
    sc->arrive[m] = at;
    if (++sc->arrived < n)
        return true;
    sc_time(sc);
    sc->claim.until = sc->tx_max;
    /* by done time, then position: an insertion sort (n is a ring's
     * members, and the times come nearly sorted) */
    for (int32_t k = 0; k < n; k++) {
        sim_time_t w = sc->when[k];
        int32_t p = k;
        for (; p > 0 && sc->when[sc->order[p - 1]] > w; p--)
            sc->order[p] = sc->order[p - 1];
        sc->order[p] = k;
    }
    sim_engine_t *eng = c->net->eng;
    for (int32_t k = 0; k < n; k++) {
        if (k > 0 && sc->when[sc->order[k]] == sc->when[sc->order[k - 1]])
            continue;
        sc->ev[k] = sim_schedule(eng, sc->when[sc->order[k]], on_sc_done, c, (uint64_t)k);
        TN_ASSERT(!sim_event_is_none(sc->ev[k])); /* every member's end waits on the last */
    }
    return true;
}

bool sim_coll_shortcut_arrive(sim_coll_t *c, int32_t m)
{
    return sc_arrive(c, m, sim_now(c->net->eng), false);
}

bool sim_coll_shortcut_early(sim_coll_t *c, int32_t m, sim_time_t at)
{
    return sim_coll_is_ring(c) && c->n > 1 && sc_arrive(c, m, at, true);
}

/* Another transfer is about to cross a claimed link at instant t: the
 * ring's state at t, put into the ring and the network; the ring then
 * runs step by step. O(n x sub-steps begun before t x hops). */
static void sc_yield(sim_net_claim_t *claim)
{
    shortcut_t *sc = (shortcut_t *)claim;
    sim_coll_t *c = sc->c;
    int32_t n = c->n;
    sim_time_t t = sim_now(c->net->eng);
    c->net->shortcuts_yielded++;
    sc_walk(sc, t);
    for (int32_t m = 0; m < n; m++) {
        sc_account(sc, m, sc->done[m] + sc->has_open[m]);
        c->sent[m] = sc->done[m];
        c->recvd[(m + 1) % n] = sc->done[m];
        c->sending[m] = sc->has_open[m];
        /* taken early: active if its latency has passed, else it will be */
        if (sc->early && c->state[m] == SIM_COLL_WAITING) {
            if (sc->arrive[m] < t)
                c->state[m] = SIM_COLL_ACTIVE;
            else if (sc->arrive[m] != SIM_TIME_MAX)
                sim_coll_activate_at(c, c->perm ? c->perm[m] : m, sc->arrive[m]);
        }
    }
    for (int32_t m = 0; m < n; m++)
        if (sc->has_open[m])
            sim_coll_lane_resume(c, &sc->lane[m], sim_coll_ring_bytes(c, m, sc->done[m]),
                                 &sc->open[m], sim_coll_ring_sent, (uint64_t)m);
    sc_release(sc); /* the ring's own from here; its done events cancelled */
    /* sends due at t on what has happened before it */
    for (int32_t m = 0; m < n; m++)
        sim_coll_ring_progress(c, m);
}
