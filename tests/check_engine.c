/* tests/check_engine.c — the event engine and its pending-event set. */
#include <check.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "common/tn_rng.h"
#include "sim/engine/engine.h"
#include "tests/tests.h"

/* ---- the queue against a brute-force reference ---- */

typedef struct {
    sim_time_t time;
    uint64_t order; /* push order: the reference's tie-break */
    uint32_t slot;
    int alive;
} ref_t;

/* Index of the least live reference entry, or -1. O(n). */
static int ref_min(const ref_t *r, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (r[i].alive && (best < 0 || r[i].time < r[best].time ||
                           (r[i].time == r[best].time && r[i].order < r[best].order)))
            best = i;
    return best;
}

/* Random pushes, pops and cancels; every pop must equal the reference's
 * least (time, push order), with times drawn from a small range so ties are
 * frequent. `seq_near_limit` starts the sequence counter just below its
 * limit, so the renumbering runs in the middle of the sequence. */
static void random_ops(unsigned long seed, int seq_near_limit)
{
    enum { OPS = 6000 };
    gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 1);
    sim_evq_t q;
    sim_evq_init(&q);
    if (seq_near_limit)
        q.next_seq = (1ull << (64 - SIM_EVQ_SLOT_BITS)) - 50;
    ref_t *ref = calloc(OPS, sizeof *ref);
    int n = 0, live = 0;
    sim_time_t now = 0;
    for (int op = 0; op < OPS; op++) {
        unsigned long what = gsl_rng_uniform_int(rng, 10);
        if (what < 5 || live == 0) {
            sim_time_t t = now + gsl_rng_uniform_int(rng, 20);
            uint32_t s = sim_evq_push(&q, t);
            ref[n] = (ref_t){t, (uint64_t)op, s, 1};
            n++;
            live++;
        } else if (what < 8) {
            sim_evq_entry_t e;
            ck_assert(sim_evq_pop(&q, &e));
            int m = ref_min(ref, n);
            ck_assert_int_ge(m, 0);
            ck_assert_uint_eq(e.time, ref[m].time);
            ck_assert_uint_eq(sim_evq_slot(&e), ref[m].slot);
            ck_assert_uint_ge(e.time, now);
            now = e.time;
            ref[m].alive = 0;
            live--;
        } else {
            /* cancel a random live entry */
            int k = (int)gsl_rng_uniform_int(rng, (unsigned long)live), i = 0;
            for (;; i++)
                if (ref[i].alive && k-- == 0)
                    break;
            sim_evq_cancel(&q, ref[i].slot);
            ref[i].alive = 0;
            live--;
        }
        ck_assert_uint_eq(sim_evq_size(&q), (unsigned)live);
    }
    /* drain */
    sim_evq_entry_t e;
    while (sim_evq_pop(&q, &e)) {
        int m = ref_min(ref, n);
        ck_assert_int_ge(m, 0);
        ck_assert_uint_eq(sim_evq_slot(&e), ref[m].slot);
        ref[m].alive = 0;
    }
    ck_assert_int_lt(ref_min(ref, n), 0);
    free(ref);
    sim_evq_destroy(&q);
    gsl_rng_free(rng);
}

START_TEST(evq_matches_sorted_reference)
{
    random_ops((unsigned long)_i + 1, 0);
}
END_TEST

START_TEST(evq_order_survives_seq_renumbering)
{
    random_ops((unsigned long)_i + 100, 1);
}
END_TEST

START_TEST(evq_peek_skips_cancelled)
{
    sim_evq_t q;
    sim_evq_init(&q);
    uint32_t a = sim_evq_push(&q, 5);
    uint32_t b = sim_evq_push(&q, 7);
    sim_evq_entry_t e;
    ck_assert(sim_evq_peek(&q, &e));
    ck_assert_uint_eq(sim_evq_slot(&e), a);
    sim_evq_cancel(&q, a);
    ck_assert_uint_eq(sim_evq_size(&q), 1);
    ck_assert(sim_evq_peek(&q, &e));
    ck_assert_uint_eq(sim_evq_slot(&e), b);
    ck_assert_uint_eq(e.time, 7);
    sim_evq_cancel(&q, b);
    ck_assert(!sim_evq_peek(&q, &e));
    sim_evq_destroy(&q);
}
END_TEST

/* Cancel more than half of a large queue: the purge must run (no dead
 * entries left), and what remains must pop in reference order. */
START_TEST(evq_purge_keeps_order)
{
    enum { N = 400 };
    sim_evq_t q;
    sim_evq_init(&q);
    uint32_t slot[N];
    for (int i = 0; i < N; i++)
        slot[i] = sim_evq_push(&q, (sim_time_t)((i * 7919) % 101)); /* many ties */
    for (int i = 0; i < N; i++)
        if (i % 4 != 0)
            sim_evq_cancel(&q, slot[i]);
    ck_assert_uint_lt(q.dead, N / 4); /* a purge ran (300 cancels, threshold n/2) */
    ck_assert_uint_eq(sim_evq_size(&q), N / 4);
    /* survivors: i = 0, 4, 8, ...; expected order (time, push order) */
    sim_time_t last_t = 0;
    int last_i = -1, popped = 0;
    sim_evq_entry_t e;
    while (sim_evq_pop(&q, &e)) {
        int i = -1;
        for (int k = 0; k < N; k += 4)
            if (slot[k] == sim_evq_slot(&e) && (sim_time_t)((k * 7919) % 101) == e.time)
                i = k;
        ck_assert_int_ge(i, 0);
        ck_assert(e.time > last_t || (e.time == last_t && i > last_i));
        last_t = e.time;
        last_i = i;
        popped++;
    }
    ck_assert_int_eq(popped, N / 4);
    sim_evq_destroy(&q);
}
END_TEST

/* ---- the ladder's rungs against the reference ----
 *
 * The queue above moves entries between its FIFO, its bottom heap, its
 * rungs of buckets and its top (sim/engine/evq.h) only when it holds more
 * than SIM_EVQ_SPLIT entries, so these runs grow the queue to thousands of
 * entries, with times drawn to hurt bucketing: ties, spreads of 2^62 ps,
 * bursts at a few instants, saturation at SIM_TIME_MAX. The reference is
 * a plain array of live entries scanned for the least (time, push order). */

enum { SPREAD_TIES, SPREAD_FAR, SPREAD_BURSTS, SPREAD_HOLD, SPREAD_MODES };

/* A time at or after `now`, drawn as `mode` says. */
static sim_time_t draw_time(gsl_rng *rng, int mode, sim_time_t now)
{
    switch (mode) {
    case SPREAD_TIES:
        return now + gsl_rng_uniform_int(rng, 20);
    case SPREAD_FAR: {
        /* 0, 1, 2^40 and 2^62 ps ahead, plus 0..2: ties, and spans no
         * bucket width of a rung built for the rest can cover; the clock
         * reaches SIM_TIME_MAX and piles entries there. */
        static const sim_time_t ahead[] = {0, 1, 1ull << 40, 1ull << 62};
        return sim_time_add(now, ahead[gsl_rng_uniform_int(rng, 4)] + gsl_rng_uniform_int(rng, 3));
    }
    case SPREAD_BURSTS:
        /* half at one of four instants (a collective's many completions),
         * the rest log-uniform up to 2^50 ps ahead */
        if (gsl_rng_uniform_int(rng, 2))
            return now - now % 1000 + 1000 * (1 + gsl_rng_uniform_int(rng, 4));
        return now + (((uint64_t)gsl_rng_get(rng) << 32 | gsl_rng_get(rng)) >>
                      (14 + gsl_rng_uniform_int(rng, 50)));
    default: /* exponential, mean 1 us, as the hold benchmark */
        return now + (sim_time_t)(-1e6 * log(1.0 - gsl_rng_uniform(rng)));
    }
}

/* `ops` random operations in three phases (mostly pushes, mixed, mostly
 * pops and cancels), then a drain; each pop, peek and size is checked
 * against the reference. */
static void spread_ops(unsigned long seed, int mode, int ops)
{
    gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 2 + (uint64_t)mode);
    sim_evq_t q;
    sim_evq_init(&q);
    ref_t *ref = calloc((size_t)ops, sizeof *ref); /* the live entries */
    int live = 0;
    sim_time_t now = 0;
    for (int op = 0; op < ops; op++) {
        unsigned long push_pct = op < ops / 3 ? 80 : op < 2 * ops / 3 ? 50 : 25;
        unsigned long what = gsl_rng_uniform_int(rng, 100);
        if (what < push_pct || live == 0) {
            sim_time_t t = draw_time(rng, mode, now);
            uint32_t s = sim_evq_push(&q, t);
            ref[live++] = (ref_t){t, (uint64_t)op, s, 1};
        } else if (what < push_pct + (100 - push_pct) * 3 / 4) {
            int m = ref_min(ref, live);
            sim_evq_entry_t e;
            if (gsl_rng_uniform_int(rng, 4) == 0) {
                ck_assert(sim_evq_peek(&q, &e));
                ck_assert_uint_eq(e.time, ref[m].time);
                ck_assert_uint_eq(sim_evq_slot(&e), ref[m].slot);
                ck_assert_uint_eq(sim_evq_top_slot(&q), ref[m].slot);
            }
            ck_assert(sim_evq_pop(&q, &e));
            ck_assert_uint_eq(e.time, ref[m].time);
            ck_assert_uint_eq(sim_evq_slot(&e), ref[m].slot);
            now = e.time;
            ref[m] = ref[--live];
        } else {
            int i = (int)gsl_rng_uniform_int(rng, (unsigned long)live);
            sim_evq_cancel(&q, ref[i].slot);
            ref[i] = ref[--live];
        }
        ck_assert_uint_eq(sim_evq_size(&q), (unsigned)live);
        ck_assert(sim_evq_any(&q) || live == 0);
    }
    sim_evq_entry_t e;
    while (live > 0) {
        int m = ref_min(ref, live);
        ck_assert(sim_evq_pop(&q, &e));
        ck_assert_uint_eq(e.time, ref[m].time);
        ck_assert_uint_eq(sim_evq_slot(&e), ref[m].slot);
        ref[m] = ref[--live];
    }
    ck_assert(!sim_evq_pop(&q, &e));
    ck_assert(!sim_evq_any(&q));
    free(ref);
    sim_evq_destroy(&q);
    gsl_rng_free(rng);
}

START_TEST(evq_ladder_matches_reference_on_adversarial_spreads)
{
    spread_ops((unsigned long)_i / SPREAD_MODES + 1, _i % SPREAD_MODES, 30000);
}
END_TEST

/* One entry at 2^62 ps and the rest near now, then at 2^40 and 2^40 + 1,
 * then a burst of 5,000 at one time: every entry must come out in (time,
 * push order), the burst in push order. */
START_TEST(evq_ladder_far_outlier_and_burst)
{
    sim_evq_t q;
    sim_evq_init(&q);
    enum { N = 5000 };
    static uint32_t slot[3 * N + 3];
    static sim_time_t when[3 * N + 3];
    int n = 0;
    when[n] = 1ull << 62;
    slot[n] = sim_evq_push(&q, when[n]);
    n++;
    for (int i = 0; i < N; i++, n++) {
        when[n] = 1 + (sim_time_t)(i * 7) % 1000;
        slot[n] = sim_evq_push(&q, when[n]);
    }
    when[n] = 1ull << 40;
    slot[n] = sim_evq_push(&q, when[n]);
    n++;
    when[n] = (1ull << 40) + 1;
    slot[n] = sim_evq_push(&q, when[n]);
    n++;
    for (int i = 0; i < 2 * N; i++, n++) {
        when[n] = 12345;
        slot[n] = sim_evq_push(&q, when[n]);
    }
    /* the expected order: by time, then by push order (a stable sort of
     * the indices) */
    static int order[3 * N + 3];
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = 1; i < n; i++) { /* insertion sort, stable */
        int x = order[i], j = i;
        for (; j > 0 && when[order[j - 1]] > when[x]; j--)
            order[j] = order[j - 1];
        order[j] = x;
    }
    sim_evq_entry_t e;
    for (int i = 0; i < n; i++) {
        ck_assert(sim_evq_pop(&q, &e));
        ck_assert_uint_eq(e.time, when[order[i]]);
        ck_assert_uint_eq(sim_evq_slot(&e), slot[order[i]]);
        /* released slots are reused by later pushes: none here */
    }
    ck_assert(!sim_evq_pop(&q, &e));
    sim_evq_destroy(&q);
}
END_TEST

/* A queue of a few entries is a heap (the bottom) until pushes grow it
 * past SIM_EVQ_BOTTOM_MIN; then it becomes a rung, unless all its entries
 * have one time. 1,000 pushes at t = 9, then 1,000 at t = 3, then 1,000 at
 * t = 9 again: the 3s first in push order, then the 9s in push order. */
START_TEST(evq_bottom_burst_then_earlier_times)
{
    enum { N = 1000 };
    sim_evq_t q;
    sim_evq_init(&q);
    uint32_t slot[3 * N];
    for (int i = 0; i < 3 * N; i++)
        slot[i] = sim_evq_push(&q, i >= N && i < 2 * N ? 3 : 9);
    ck_assert_uint_eq(sim_evq_size(&q), 3 * N);
    sim_evq_entry_t e;
    for (int i = 0; i < 3 * N; i++) {
        /* the i-th pop: the 3s (pushes N .. 2N), then the 9s (0 .. N, 2N .. 3N) */
        int want = i < N ? N + i : i < 2 * N ? i - N : i;
        ck_assert(sim_evq_pop(&q, &e));
        ck_assert_uint_eq(e.time, want >= N && want < 2 * N ? 3 : 9);
        ck_assert_uint_eq(sim_evq_slot(&e), slot[want]);
    }
    ck_assert(!sim_evq_pop(&q, &e));
    sim_evq_destroy(&q);
}
END_TEST

/* ---- the engine ---- */

typedef struct {
    uint64_t log[64];
    int n;
    sim_time_t last;
    int backwards;
} trace_t;

static void record(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    trace_t *t = ctx;
    if (sim_now(eng) < t->last)
        t->backwards = 1;
    t->last = sim_now(eng);
    t->log[t->n++] = arg;
}

START_TEST(engine_equal_times_run_in_scheduling_order)
{
    sim_engine_t eng;
    sim_engine_init(&eng);
    trace_t t = {0};
    /* Interleave two times so the heap must reorder: 10 at t=100, 10 at t=50. */
    for (uint64_t i = 0; i < 20; i++)
        sim_schedule(&eng, i % 2 ? 50 : 100, record, &t, i);
    ck_assert_uint_eq(sim_run(&eng, SIM_TIME_MAX), 20);
    int k = 0;
    for (uint64_t i = 1; i < 20; i += 2)
        ck_assert_uint_eq(t.log[k++], i);
    for (uint64_t i = 0; i < 20; i += 2)
        ck_assert_uint_eq(t.log[k++], i);
    ck_assert_uint_eq(sim_now(&eng), 100);
    sim_engine_destroy(&eng);
}
END_TEST

static void reschedule_past(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)arg;
    int *refused = ctx;
    *refused = sim_event_is_none(sim_schedule(eng, sim_now(eng) - 1, reschedule_past, ctx, 0));
    /* the present is allowed, and runs after this event */
    ck_assert(!sim_event_is_none(sim_schedule(eng, sim_now(eng), record, NULL, 0)));
    sim_stop(eng);
}

START_TEST(engine_refuses_the_past)
{
    sim_engine_t eng;
    sim_engine_init(&eng);
    int refused = 0;
    sim_schedule(&eng, 1000, reschedule_past, &refused, 0);
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_int_eq(refused, 1);
    ck_assert_uint_eq(sim_pending(&eng), 1);
    ck_assert_uint_eq(sim_next_time(&eng), 1000);
    sim_engine_destroy(&eng);
}
END_TEST

/* A handler that schedules children at random delays, some of them zero, and
 * cancels random pending ones: the clock must never go backwards and every
 * uncancelled event must run exactly once. */
typedef struct {
    gsl_rng *rng;
    sim_event_id_t ids[4096];
    int ran[4096];
    int cancelled[4096];
    int n;
    sim_time_t last;
    int backwards;
} storm_t;

static void storm(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    storm_t *s = ctx;
    if (sim_now(eng) < s->last)
        s->backwards = 1;
    s->last = sim_now(eng);
    s->ran[arg]++;
    for (int k = 0; k < 2 && s->n < 4096; k++) {
        sim_time_t d = gsl_rng_uniform_int(s->rng, 3) == 0 ? 0 : gsl_rng_uniform_int(s->rng, 1000);
        int id = s->n++;
        s->ids[id] = sim_schedule_in(eng, d, storm, s, (uint64_t)id);
    }
    if (s->n > 10) {
        int victim = (int)gsl_rng_uniform_int(s->rng, (unsigned long)s->n);
        if (sim_cancel(eng, s->ids[victim]))
            s->cancelled[victim]++;
    }
}

START_TEST(engine_clock_monotone_and_cancel_exact)
{
    sim_engine_t eng;
    sim_engine_init(&eng);
    storm_t *s = calloc(1, sizeof *s);
    s->rng = tn_rng_stream((uint64_t)_i, TN_RNG_TEST, 2);
    s->ids[0] = sim_schedule(&eng, 0, storm, s, 0);
    s->n = 1;
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_int_eq(s->backwards, 0);
    int ran = 0;
    for (int i = 0; i < s->n; i++) {
        ck_assert_int_eq(s->ran[i] + s->cancelled[i], 1);
        /* an event that ran can no longer be cancelled */
        ck_assert(!sim_cancel(&eng, s->ids[i]));
        ran += s->ran[i];
    }
    ck_assert_uint_eq(eng.processed, (uint64_t)ran);
    gsl_rng_free(s->rng);
    free(s);
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(engine_two_engines_are_independent)
{
    sim_engine_t a, b;
    sim_engine_init(&a);
    sim_engine_init(&b);
    trace_t ta = {0}, tb = {0};
    sim_schedule(&a, 30, record, &ta, 1);
    sim_schedule(&b, 10, record, &tb, 2);
    sim_schedule(&b, 20, record, &tb, 3);
    ck_assert_uint_eq(sim_run(&a, SIM_TIME_MAX), 1);
    ck_assert_uint_eq(sim_now(&a), 30);
    ck_assert_uint_eq(sim_now(&b), 0);
    ck_assert_uint_eq(sim_pending(&b), 2);
    ck_assert_uint_eq(sim_run(&b, 15), 1);
    ck_assert_uint_eq(sim_now(&b), 10);
    ck_assert_uint_eq(sim_run(&b, SIM_TIME_MAX), 1);
    ck_assert_int_eq(ta.n, 1);
    ck_assert_int_eq(tb.n, 2);
    sim_engine_destroy(&a);
    sim_engine_destroy(&b);
    sim_engine_destroy(NULL);
}
END_TEST

static void noop(sim_engine_t *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    (*(int *)ctx)++;
    (void)arg;
}

/* An id goes stale when its event runs, even once its slot is reused: it
 * can never cancel the newer event in that slot. */
START_TEST(engine_stale_ids_never_match)
{
    sim_engine_t eng;
    sim_engine_init(&eng);
    int ran = 0;
    sim_event_id_t old = sim_schedule(&eng, 1, noop, &ran, 0);
    sim_run(&eng, SIM_TIME_MAX);
    sim_event_id_t now = sim_schedule(&eng, 2, noop, &ran, 0);
    ck_assert_uint_eq(now.slot, old.slot); /* the slot was reused */
    ck_assert(!sim_cancel(&eng, old));
    ck_assert(!sim_cancel(&eng, SIM_EVENT_NONE));
    sim_run(&eng, SIM_TIME_MAX);
    ck_assert_int_eq(ran, 2);
    ck_assert(!eng.overflowed);
    /* the end of time is kept, but marks the run */
    sim_schedule_in(&eng, SIM_TIME_MAX, noop, &ran, 0);
    ck_assert(eng.overflowed);
    sim_engine_destroy(&eng);
}
END_TEST

START_TEST(serialize_time_is_exact)
{
    /* 1 MiB at 100 Gbps: 8388608 bits / 1e11 bit/s = 83.88608 us */
    ck_assert_uint_eq(sim_serialize_ps(1u << 20, 100000000000ull), 83886080ull);
    /* 1 byte at 3 bps: 8/3 s = 2.666...e12 ps, rounded to nearest */
    ck_assert_uint_eq(sim_serialize_ps(1, 3), 2666666666667ull);
    /* saturates rather than wrapping */
    ck_assert_uint_eq(sim_serialize_ps(UINT64_MAX, 1), SIM_TIME_MAX);
    ck_assert_uint_eq(sim_time_add(SIM_TIME_MAX - 1, 5), SIM_TIME_MAX);
    /* the fast path (a quotient in doubles, corrected) against the plain
     * 128-bit division, on sizes and rates of every magnitude, and on
     * both sides of its 1e15 ps bound */
    gsl_rng *rng = tn_rng_stream(7, TN_RNG_TEST, 0);
    for (int i = 0; i < 200000; i++) {
        uint64_t bytes = ((uint64_t)gsl_rng_get(rng) << 32 | gsl_rng_get(rng)) >>
                         gsl_rng_uniform_int(rng, 64);
        uint64_t bps = (((uint64_t)gsl_rng_get(rng) << 32 | gsl_rng_get(rng)) >>
                        gsl_rng_uniform_int(rng, 64)) | 1;
        unsigned __int128 num = (unsigned __int128)bytes * 8u * SIM_PS_PER_S + bps / 2;
        unsigned __int128 q = num / bps;
        sim_time_t want = q > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)q;
        ck_assert_msg(sim_serialize_ps(bytes, bps) == want, "%llu bytes at %llu bps",
                      (unsigned long long)bytes, (unsigned long long)bps);
    }
    gsl_rng_free(rng);
}
END_TEST

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("evq");
    tcase_add_loop_test(tc, evq_matches_sorted_reference, 0, 5);
    tcase_add_loop_test(tc, evq_order_survives_seq_renumbering, 0, 3);
    tcase_add_test(tc, evq_peek_skips_cancelled);
    tcase_add_test(tc, evq_purge_keeps_order);
    tcase_add_loop_test(tc, evq_ladder_matches_reference_on_adversarial_spreads, 0,
                        3 * SPREAD_MODES);
    tcase_add_test(tc, evq_ladder_far_outlier_and_burst);
    tcase_add_test(tc, evq_bottom_burst_then_earlier_times);
    suite_add_tcase(s, tc);
    tc = tcase_create("engine");
    tcase_add_test(tc, engine_equal_times_run_in_scheduling_order);
    tcase_add_test(tc, engine_refuses_the_past);
    tcase_add_loop_test(tc, engine_clock_monotone_and_cancel_exact, 1, 5);
    tcase_add_test(tc, engine_two_engines_are_independent);
    tcase_add_test(tc, engine_stale_ids_never_match);
    tcase_add_test(tc, serialize_time_is_exact);
    suite_add_tcase(s, tc);
    return s;
}
