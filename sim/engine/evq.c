/* sim/engine/evq.c — the pending-event set; see sim/engine/evq.h. */
#include "sim/engine/evq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

#define SEQ_LIMIT (1ull << (64 - SIM_EVQ_SLOT_BITS))

static inline uint32_t key_slot(tn_heap_key_t k)
{
    return (uint32_t)(tn_heap_key_lo(k) & (SIM_EVQ_MAX_SLOTS - 1));
}

static inline bool is_dead(const sim_evq_t *q, uint32_t s)
{
    return (q->dead_bits[s >> 6] >> (s & 63)) & 1;
}

void sim_evq_init(sim_evq_t *q)
{
    memset(q, 0, sizeof *q);
    tn_heap_init(&q->bottom);
}

void sim_evq_destroy(sim_evq_t *q)
{
    if (!q)
        return;
    tn_heap_destroy(&q->bottom);
    for (unsigned i = 0; i < SIM_EVQ_MAX_RUNGS; i++)
        free(q->rung[i].b);
    free(q->run);
    free(q->fifo);
    free(q->top);
    free(q->chunk);
    free(q->free_chunks);
    free(q->dead_bits);
    free(q->free_slots);
    memset(q, 0, sizeof *q);
}

/* A new slot number, growing the arrays by slot. O(1) amortised. */
static __attribute__((noinline)) uint32_t slot_new(sim_evq_t *q)
{
    if (q->slot_cap == SIM_EVQ_MAX_SLOTS) {
        fprintf(stderr, "tensim: more than %u events pending at once\n", SIM_EVQ_MAX_SLOTS);
        abort();
    }
    uint32_t s = q->slot_cap++;
    if ((s & 63) == 0) {
        size_t n = (size_t)s + 64;
        q->dead_bits = tn_realloc(q->dead_bits, (n / 64) * sizeof *q->dead_bits);
        q->dead_bits[s / 64] = 0;
        q->free_slots = tn_realloc(q->free_slots, n * sizeof *q->free_slots);
    }
    return s;
}

static inline uint32_t slot_take(sim_evq_t *q)
{
    return q->n_free ? q->free_slots[--q->n_free] : slot_new(q);
}

/* Drops a dead entry as it leaves the queue: forgets that slot s was
 * cancelled, and releases it. */
static inline void bury(sim_evq_t *q, uint32_t s)
{
    q->dead_bits[s >> 6] &= ~(1ull << (s & 63));
    q->free_slots[q->n_free++] = s;
    q->dead--;
    q->count--;
}

/* Whether a moving entry is dead; if so it is dropped. */
static inline bool drop_if_dead(sim_evq_t *q, tn_heap_key_t k)
{
    uint32_t s = key_slot(k);
    if (!is_dead(q, s))
        return false;
    bury(q, s);
    return true;
}

static inline sim_time_t min_t(sim_time_t a, sim_time_t b) { return a < b ? a : b; }
static inline sim_time_t max_t(sim_time_t a, sim_time_t b) { return a > b ? a : b; }

/* ---- rungs ---- */

/* A free chunk's number, growing the pool (doubling) when none is free.
 * O(1) amortised. */
static __attribute__((noinline)) uint32_t chunk_take(sim_evq_t *q)
{
    if (q->n_free_chunks)
        return q->free_chunks[--q->n_free_chunks];
    size_t old = q->chunk_cap, cap = old ? 2 * old : 1024;
    TN_ASSERT(cap <= UINT32_MAX);
    void *p = NULL;
    if (posix_memalign(&p, sizeof(sim_evq_chunk_t), cap * sizeof(sim_evq_chunk_t)) != 0)
        TN_ASSERT(!"out of memory");
    if (old)
        memcpy(p, q->chunk, old * sizeof(sim_evq_chunk_t));
    free(q->chunk);
    q->chunk = p;
    q->chunk_cap = cap;
    q->free_chunks = tn_realloc(q->free_chunks, cap * sizeof *q->free_chunks);
    for (size_t c = cap; c-- > old + 1;) /* the lowest numbers on top */
        q->free_chunks[q->n_free_chunks++] = (uint32_t)c;
    return (uint32_t)old;
}

static inline void bucket_add(sim_evq_t *q, sim_evq_bucket_t *b, tn_heap_key_t k)
{
    uint32_t j = b->n % SIM_EVQ_CHUNK_KEYS;
    if (j == 0) {
        uint32_t c = chunk_take(q);
        q->chunk[c].next = b->head;
        b->head = c;
    }
    q->chunk[b->head].k[j] = k;
    b->n++;
}

/* Copies bucket b's live keys to dst[] (room for b.n), drops its dead ones
 * and frees its chunks; returns the number copied, and their least and
 * greatest times in *min and *max. O(b.n). */
static size_t bucket_drain(sim_evq_t *q, sim_evq_bucket_t b, tn_heap_key_t *dst,
                           sim_time_t *min, sim_time_t *max)
{
    sim_time_t lo = SIM_TIME_MAX, hi = 0;
    size_t w = 0;
    uint32_t c = b.head, m = (b.n - 1) % SIM_EVQ_CHUNK_KEYS + 1;
    for (uint32_t left = b.n; left; left -= m, m = SIM_EVQ_CHUNK_KEYS) {
        const sim_evq_chunk_t *ch = &q->chunk[c];
        if (left > m)
            __builtin_prefetch(&q->chunk[ch->next]);
        for (uint32_t j = 0; j < m; j++) {
            tn_heap_key_t k = ch->k[j];
            if (drop_if_dead(q, k))
                continue;
            sim_time_t t = tn_heap_key_hi(k);
            lo = min_t(lo, t);
            hi = max_t(hi, t);
            dst[w++] = k;
        }
        q->free_chunks[q->n_free_chunks++] = c;
        c = ch->next;
    }
    *min = lo;
    *max = hi;
    return w;
}

static inline unsigned bit_length(uint64_t x) { return x ? 64 - (unsigned)__builtin_clzll(x) : 0; }

/* Makes rung i an empty rung for entries from min to max: the least
 * power-of-two width that spreads them over at most max(2, want) buckets.
 * O(buckets). */
static sim_evq_rung_t *rung_make(sim_evq_t *q, unsigned i, uint64_t want, sim_time_t min,
                                 sim_time_t max)
{
    sim_evq_rung_t *r = &q->rung[i];
    uint64_t span = max - min;
    if (want < 2)
        want = 2;
    unsigned shift = 0;
    if (span > want - 1) {
        shift = bit_length(span) - bit_length(want - 1);
        while ((span >> shift) > want - 1)
            shift++;
    }
    uint32_t nb = (uint32_t)(span >> shift) + 1;
    if (nb > r->cap) {
        free(r->b);
        r->b = tn_malloc((size_t)nb * sizeof *r->b);
        r->cap = nb;
    }
    memset(r->b, 0, (size_t)nb * sizeof *r->b);
    r->start = r->lo = min;
    r->shift = shift;
    r->nb = nb;
    r->cur = 0;
    return r;
}

static inline uint32_t rung_index(const sim_evq_rung_t *r, sim_time_t t)
{
    uint64_t i = (t - r->start) >> r->shift;
    return i < r->nb ? (uint32_t)i : r->nb - 1;
}

/* Builds rung i of about `buckets` buckets from the n keys a[] (from min
 * to max), dropping the dead. O(n + buckets). */
static void rung_from_array(sim_evq_t *q, unsigned i, uint64_t buckets,
                            const tn_heap_key_t *a, size_t n, sim_time_t min, sim_time_t max)
{
    sim_evq_rung_t *r = rung_make(q, i, buckets, min, max);
    for (size_t j = 0; j < n; j++)
        if (!drop_if_dead(q, a[j]))
            bucket_add(q, &r->b[(tn_heap_key_hi(a[j]) - r->start) >> r->shift], a[j]);
}

/* Writes the staged pushes into their rungs' buckets: first the buckets'
 * lines are fetched, all of them, then their chunks', then the keys are
 * written, so that the cache misses of a stage overlap instead of each
 * push waiting for its own. Every reader of the rungs calls this first;
 * the rungs' bounds have not moved since the keys were staged. O(staged). */
static void stage_flush(sim_evq_t *q)
{
    unsigned n = q->n_stage;
    sim_evq_bucket_t *bk[SIM_EVQ_STAGE];
    for (unsigned i = 0; i < n; i++) {
        sim_time_t t = tn_heap_key_hi(q->stage[i]);
        sim_evq_rung_t *r = q->rung;
        while (t < r->lo)
            r++;
        bk[i] = &r->b[rung_index(r, t)];
        __builtin_prefetch(bk[i], 1);
    }
    for (unsigned i = 0; i < n; i++) {
        uint32_t j = bk[i]->n % SIM_EVQ_CHUNK_KEYS;
        if (j)
            __builtin_prefetch(&q->chunk[bk[i]->head].k[j], 1);
    }
    for (unsigned i = 0; i < n; i++)
        bucket_add(q, bk[i], q->stage[i]);
    q->n_stage = 0;
}

/* ---- the run and the bottom ---- */

/* Room for n keys in the run, and its sentinel. */
static void run_reserve(sim_evq_t *q, size_t n)
{
    if (n + 1 > q->run_cap) {
        q->run_cap = 2 * (n + 1);
        free(q->run);
        q->run = tn_malloc(q->run_cap * sizeof *q->run);
    }
}

static int by_key(const void *a, const void *b)
{
    tn_heap_key_t ka = *(const tn_heap_key_t *)a, kb = *(const tn_heap_key_t *)b;
    return ka < kb ? -1 : ka > kb;
}

/* Sorts the n keys written to the run, makes them the run, and fetches
 * their payloads ahead. Up to 16 keys (a bucket of rung 0 holds about ten
 * in the hold model) by rank, n^2 comparisons without a branch that
 * depends on the keys: an insertion sort mispredicted about once a key,
 * and cost 6% of the benchmark's throughput. O(n^2) up to 32 keys, then
 * O(n log n). */
static void run_settle(sim_evq_t *q, size_t n)
{
    tn_heap_key_t *a = q->run;
    if (n <= 16) {
        tn_heap_key_t t[16];
        memcpy(t, a, n * sizeof *a);
        for (size_t i = 0; i < n; i++) {
            size_t r = 0;
            for (size_t j = 0; j < n; j++)
                r += t[j] < t[i];
            a[r] = t[i];
        }
    } else if (n <= 32) {
        for (size_t i = 1; i < n; i++) {
            tn_heap_key_t x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > x; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
    } else {
        qsort(a, n, sizeof *a, by_key);
    }
    a[n] = TN_HEAP_KEY_NONE;
    q->run_head = 0;
    q->run_n = n;
    if (q->pf_base)
        for (size_t j = 0; j < n; j++)
            __builtin_prefetch(q->pf_base + (size_t)key_slot(a[j]) * q->pf_stride);
}

/* Moves bucket b (taken out of its rung) down: into the empty run, or,
 * when it is large and spans more than one time, into a new lowest rung.
 * O(entries + buckets), O(n log n) for a large bucket at one time. */
static void bucket_down(sim_evq_t *q, sim_evq_bucket_t b)
{
    run_reserve(q, b.n);
    sim_time_t min, max;
    size_t n = bucket_drain(q, b, q->run, &min, &max);
    if (n > SIM_EVQ_SPLIT && min < max && q->n_rungs < SIM_EVQ_MAX_RUNGS)
        rung_from_array(q, q->n_rungs++, n / SIM_EVQ_OCCUPANCY, q->run, n, min, max);
    else
        run_settle(q, n);
}

/* Refills the run, when it and the bottom are empty, from the lowest
 * rung, or from the top when no rung is left, until it holds a live entry
 * or nothing else is queued outside the FIFO. Amortised O(1) per entry
 * moved. */
static __attribute__((noinline)) void refill(sim_evq_t *q)
{
    stage_flush(q);
    while (q->run_head == q->run_n && q->bottom.n == 0) {
        if (q->n_rungs == 0) {
            if (q->top_n == 0)
                return;
            size_t n = q->top_n;
            q->top_n = 0;
            if (n <= SIM_EVQ_SPLIT || q->top_min == q->top_max) {
                /* Few: they are the run, and pushes go to the bottom
                 * until it outgrows SIM_EVQ_BOTTOM_MIN. */
                run_reserve(q, n);
                size_t w = 0;
                for (size_t j = 0; j < n; j++)
                    if (!drop_if_dead(q, q->top[j]))
                        q->run[w++] = q->top[j];
                run_settle(q, w);
                q->top_start = SIM_TIME_MAX;
            } else {
                rung_from_array(q, 0, n * SIM_EVQ_TOP_BUCKETS, q->top, n, q->top_min,
                                q->top_max);
                q->n_rungs = 1;
                q->top_start = sim_time_add(q->top_max, 1);
            }
            continue;
        }
        sim_evq_rung_t *r = &q->rung[q->n_rungs - 1];
        while (r->cur < r->nb && r->b[r->cur].n == 0)
            r->cur++;
        if (r->cur == r->nb) {
            q->n_rungs--;
            continue;
        }
        sim_evq_bucket_t b = r->b[r->cur++];
        if (r->cur == r->nb) {
            q->n_rungs--; /* its range goes to the bottom */
        } else {
            r->lo = r->start + ((sim_time_t)r->cur << r->shift);
            /* the next bucket's newest keys, for the next refill */
            if (r->b[r->cur].n)
                __builtin_prefetch(&q->chunk[r->b[r->cur].head]);
        }
        bucket_down(q, b);
    }
}

/* The bottom outgrew its limit by pushes: it and the run become the
 * lowest rung (unless their entries have one time, or no rung is left).
 * O(n). */
static __attribute__((noinline)) void bottom_to_rung(sim_evq_t *q)
{
    size_t n = q->bottom.n + (q->run_n - q->run_head);
    sim_time_t min = SIM_TIME_MAX, max = 0;
    for (size_t j = 0; j < q->bottom.n; j++) {
        sim_time_t t = tn_heap_key_hi(q->bottom.h[j]);
        min = min_t(min, t);
        max = max_t(max, t);
    }
    if (q->run_head < q->run_n) {
        min = min_t(min, tn_heap_key_hi(q->run[q->run_head]));
        max = max_t(max, tn_heap_key_hi(q->run[q->run_n - 1]));
    }
    if (min == max || q->n_rungs == SIM_EVQ_MAX_RUNGS) {
        q->bottom_limit = 2 * n;
        return;
    }
    if (q->n_rungs == 0)
        q->top_start = sim_time_add(max, 1);
    sim_evq_rung_t *r = rung_make(q, q->n_rungs++, n / SIM_EVQ_OCCUPANCY, min, max);
    for (size_t j = 0; j < q->bottom.n; j++)
        if (!drop_if_dead(q, q->bottom.h[j]))
            bucket_add(q, &r->b[(tn_heap_key_hi(q->bottom.h[j]) - r->start) >> r->shift],
                       q->bottom.h[j]);
    for (size_t j = q->run_head; j < q->run_n; j++)
        if (!drop_if_dead(q, q->run[j]))
            bucket_add(q, &r->b[(tn_heap_key_hi(q->run[j]) - r->start) >> r->shift], q->run[j]);
    tn_heap_clear(&q->bottom);
    q->run_head = q->run_n = 0;
    q->bottom_limit = 0;
    refill(q);
}

/* ---- rebuilding ---- */

static inline void top_add(sim_evq_t *q, tn_heap_key_t k)
{
    if (q->top_n == q->top_cap) {
        q->top_cap = q->top_cap ? 2 * q->top_cap : 256;
        q->top = tn_realloc(q->top, q->top_cap * sizeof *q->top);
    }
    sim_time_t t = tn_heap_key_hi(k);
    if (q->top_n == 0)
        q->top_min = q->top_max = t;
    q->top_min = min_t(q->top_min, t);
    q->top_max = max_t(q->top_max, t);
    q->top[q->top_n++] = k;
}

/* Moves every live entry to the top, dropping the dead; with `renumber`,
 * gives them the sequence numbers 0..n-1 in their order, so next_seq never
 * outgrows its bits (once per 2^36 pushes). Then refills the run.
 * O(n + buckets), O(n log n) with renumber. */
static __attribute__((noinline)) void rebuild(sim_evq_t *q, bool renumber)
{
    stage_flush(q);
    size_t n_top = q->top_n;
    q->top_n = 0;
    for (size_t j = 0; j < n_top; j++) /* in place: top_add writes at or below j */
        if (!drop_if_dead(q, q->top[j]))
            top_add(q, q->top[j]);
    for (size_t j = q->fifo_head; j < q->fifo_n; j++)
        if (!drop_if_dead(q, q->fifo[j]))
            top_add(q, q->fifo[j]);
    q->fifo_head = q->fifo_n = 0;
    for (size_t j = q->run_head; j < q->run_n; j++)
        if (!drop_if_dead(q, q->run[j]))
            top_add(q, q->run[j]);
    q->run_head = q->run_n = 0;
    for (size_t j = 0; j < q->bottom.n; j++)
        if (!drop_if_dead(q, q->bottom.h[j]))
            top_add(q, q->bottom.h[j]);
    tn_heap_clear(&q->bottom);
    for (unsigned i = 0; i < q->n_rungs; i++) {
        sim_evq_rung_t *r = &q->rung[i];
        for (uint32_t c = r->cur; c < r->nb; c++) {
            if (r->b[c].n == 0)
                continue;
            if (q->top_cap < q->top_n + r->b[c].n) {
                q->top_cap = 2 * (q->top_n + r->b[c].n);
                q->top = tn_realloc(q->top, q->top_cap * sizeof *q->top);
            }
            sim_time_t min, max;
            q->top_n += bucket_drain(q, r->b[c], q->top + q->top_n, &min, &max);
        }
    }
    q->n_rungs = 0;
    q->top_start = 0;
    q->top_min = SIM_TIME_MAX; /* bucket_drain does not keep them */
    q->top_max = 0;
    for (size_t j = 0; j < q->top_n; j++) {
        q->top_min = min_t(q->top_min, tn_heap_key_hi(q->top[j]));
        q->top_max = max_t(q->top_max, tn_heap_key_hi(q->top[j]));
    }
    if (renumber) {
        qsort(q->top, q->top_n, sizeof *q->top, by_key);
        for (size_t j = 0; j < q->top_n; j++)
            q->top[j] = tn_heap_key(tn_heap_key_hi(q->top[j]),
                                    ((uint64_t)j << SIM_EVQ_SLOT_BITS) | key_slot(q->top[j]));
        q->next_seq = q->top_n;
    }
    TN_ASSERT(q->dead == 0 && q->count == q->top_n);
    refill(q);
}

/* ---- operations ---- */

/* sim_evq_push() in every case. */
static __attribute__((noinline)) uint32_t push_any(sim_evq_t *q, sim_time_t time)
{
    if (q->next_seq == SEQ_LIMIT)
        rebuild(q, true);
    uint32_t s = slot_take(q);
    tn_heap_key_t k = tn_heap_key(time, (q->next_seq++ << SIM_EVQ_SLOT_BITS) | s);
    q->count++;
    if (time == q->now) {
        if (q->fifo_head == q->fifo_n)
            q->fifo_head = q->fifo_n = 0;
        if (q->fifo_n == q->fifo_cap) {
            q->fifo_cap = q->fifo_cap ? 2 * q->fifo_cap : 256;
            q->fifo = tn_realloc(q->fifo, q->fifo_cap * sizeof *q->fifo);
        }
        q->fifo[q->fifo_n++] = k;
        return s;
    }
    if (time >= q->top_start) {
        top_add(q, k);
        if (q->run_head == q->run_n && q->bottom.n == 0)
            refill(q);
        return s;
    }
    for (unsigned i = 0; i < q->n_rungs; i++) {
        sim_evq_rung_t *r = &q->rung[i];
        if (time >= r->lo) {
            bucket_add(q, &r->b[rung_index(r, time)], k);
            return s;
        }
    }
    tn_heap_push(&q->bottom, k);
    if (q->bottom.n > SIM_EVQ_BOTTOM_MIN && q->bottom.n > q->bottom_limit &&
        q->bottom.n > q->run_n - q->run_head)
        bottom_to_rung(q);
    return s;
}

/* The common case first, without a call, so that it saves no registers:
 * a reused slot, a time in the rungs' range (staged, see stage_flush). */
uint32_t sim_evq_push(sim_evq_t *q, sim_time_t time)
{
    if (q->n_free && q->n_rungs && time >= q->rung[q->n_rungs - 1].lo && time < q->top_start &&
        time != q->now && q->n_stage < SIM_EVQ_STAGE && q->next_seq != SEQ_LIMIT) {
        uint32_t s = q->free_slots[--q->n_free];
        q->stage[q->n_stage++] = tn_heap_key(time, (q->next_seq++ << SIM_EVQ_SLOT_BITS) | s);
        q->count++;
        return s;
    }
    return push_any(q, time);
}

void sim_evq_skim_(sim_evq_t *q)
{
    for (;;) {
        if (q->run_head < q->run_n && is_dead(q, key_slot(q->run[q->run_head])))
            bury(q, key_slot(q->run[q->run_head++]));
        else if (q->bottom.n && is_dead(q, key_slot(tn_heap_top(&q->bottom))))
            bury(q, key_slot(tn_heap_pop(&q->bottom)));
        else if (q->fifo_head < q->fifo_n && is_dead(q, key_slot(q->fifo[q->fifo_head])))
            bury(q, key_slot(q->fifo[q->fifo_head++]));
        else
            return;
        if (q->run_head == q->run_n && q->bottom.n == 0)
            refill(q);
    }
}

void sim_evq_refill_(sim_evq_t *q) { refill(q); }

bool sim_evq_peek(sim_evq_t *q, sim_evq_entry_t *out)
{
    sim_evq_skim_(q);
    if (!sim_evq_any(q))
        return false;
    int from;
    tn_heap_key_t k = sim_evq_least_(q, &from);
    *out = (sim_evq_entry_t){tn_heap_key_hi(k), tn_heap_key_lo(k)};
    return true;
}

void sim_evq_cancel(sim_evq_t *q, uint32_t s)
{
    TN_ASSERT(s < q->slot_cap && !is_dead(q, s));
    q->dead_bits[s >> 6] |= 1ull << (s & 63);
    q->dead++;
    if (q->dead > 64 && q->dead > q->count / 2)
        rebuild(q, false);
}
