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
    q->bottom_limit = SIM_EVQ_BOTTOM_MIN;
}

void sim_evq_destroy(sim_evq_t *q)
{
    if (!q)
        return;
    tn_heap_destroy(&q->bottom);
    for (unsigned i = 0; i < SIM_EVQ_MAX_RUNGS; i++)
        free(q->rung[i].b);
    free(q->fifo);
    free(q->top);
    free(q->key);
    free(q->next);
    free(q->dead_bits);
    free(q->free_slots);
    memset(q, 0, sizeof *q);
}

static uint32_t slot_take(sim_evq_t *q)
{
    if (q->n_free)
        return q->free_slots[--q->n_free];
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
        q->key = tn_realloc(q->key, n * sizeof *q->key);
        q->next = tn_realloc(q->next, n * sizeof *q->next);
    }
    return s;
}

static inline void slot_release(sim_evq_t *q, uint32_t s)
{
    q->free_slots[q->n_free++] = s;
}

/* Drops a dead entry as it leaves the queue: forgets that slot s was
 * cancelled, and releases it. */
static inline void bury(sim_evq_t *q, uint32_t s)
{
    q->dead_bits[s >> 6] &= ~(1ull << (s & 63));
    slot_release(q, s);
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

/* ---- rungs ---- */

static inline void bucket_add(sim_evq_t *q, sim_evq_bucket_t *b, tn_heap_key_t k)
{
    uint32_t s = key_slot(k);
    q->key[s] = k;
    q->next[s] = b->head;
    b->head = s;
    b->n++;
}

static inline unsigned bit_length(uint64_t x) { return x ? 64 - (unsigned)__builtin_clzll(x) : 0; }

/* Makes rung i an empty rung for n entries from min to max: the least
 * power-of-two width that spreads them over at most max(2, n /
 * SIM_EVQ_OCCUPANCY) buckets. O(buckets). */
static sim_evq_rung_t *rung_make(sim_evq_t *q, unsigned i, size_t n, sim_time_t min,
                                 sim_time_t max)
{
    sim_evq_rung_t *r = &q->rung[i];
    uint64_t span = max - min, want = n / SIM_EVQ_OCCUPANCY;
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

/* Builds rung i from the n keys a[] (from min to max), dropping the dead.
 * O(n + buckets). */
static void rung_from_array(sim_evq_t *q, unsigned i, const tn_heap_key_t *a, size_t n,
                            sim_time_t min, sim_time_t max)
{
    sim_evq_rung_t *r = rung_make(q, i, n, min, max);
    for (size_t j = 0; j < n; j++)
        if (!drop_if_dead(q, a[j]))
            bucket_add(q, &r->b[(tn_heap_key_hi(a[j]) - r->start) >> r->shift], a[j]);
}

/* ---- the bottom ---- */

/* Refills the empty bottom with the n keys a[], dropping the dead. O(n). */
static void bottom_from_array(sim_evq_t *q, const tn_heap_key_t *a, size_t n)
{
    tn_heap_reserve(&q->bottom, n);
    tn_heap_key_t *h = q->bottom.h;
    size_t w = 0;
    for (size_t j = 0; j < n; j++)
        if (!drop_if_dead(q, a[j]))
            h[w++] = a[j];
    q->bottom.n = w;
    tn_heap_heapify(&q->bottom);
    q->bottom_limit = 2 * w > SIM_EVQ_BOTTOM_MIN ? 2 * w : SIM_EVQ_BOTTOM_MIN;
}

/* Moves bucket b (taken out of its rung) down: into the empty bottom, or,
 * when it is large and spans more than one time, into a new lowest rung.
 * O(entries + buckets). */
static void bucket_down(sim_evq_t *q, sim_evq_bucket_t b)
{
    if (b.n > SIM_EVQ_SPLIT && q->n_rungs < SIM_EVQ_MAX_RUNGS) {
        sim_time_t min = SIM_TIME_MAX, max = 0;
        uint32_t s = b.head;
        for (uint32_t j = 0; j < b.n; j++, s = q->next[s]) {
            sim_time_t t = tn_heap_key_hi(q->key[s]);
            min = t < min ? t : min;
            max = t > max ? t : max;
        }
        if (min < max) {
            sim_evq_rung_t *r = rung_make(q, q->n_rungs++, b.n, min, max);
            s = b.head;
            for (uint32_t j = 0; j < b.n; j++) {
                uint32_t nx = q->next[s];
                tn_heap_key_t k = q->key[s];
                if (!drop_if_dead(q, k))
                    bucket_add(q, &r->b[(tn_heap_key_hi(k) - r->start) >> r->shift], k);
                s = nx;
            }
            return;
        }
    }
    tn_heap_reserve(&q->bottom, b.n);
    tn_heap_key_t *h = q->bottom.h;
    size_t w = 0;
    uint32_t s = b.head;
    for (uint32_t j = 0; j < b.n; j++, s = q->next[s])
        if (!drop_if_dead(q, q->key[s]))
            h[w++] = q->key[s];
    q->bottom.n = w;
    tn_heap_heapify(&q->bottom);
    q->bottom_limit = 2 * w > SIM_EVQ_BOTTOM_MIN ? 2 * w : SIM_EVQ_BOTTOM_MIN;
}

/* Refills the empty bottom from the lowest rung, or from the top when no
 * rung is left, until it holds a live entry or nothing else is queued
 * outside the FIFO. Amortised O(1) per entry moved. */
static void refill(sim_evq_t *q)
{
    while (q->bottom.n == 0) {
        if (q->n_rungs == 0) {
            if (q->top_n == 0)
                return;
            size_t n = q->top_n;
            q->top_n = 0;
            if (n <= SIM_EVQ_SPLIT || q->top_min == q->top_max) {
                /* Few: the bottom is a heap of them, and takes every push
                 * until it outgrows bottom_limit. */
                bottom_from_array(q, q->top, n);
                q->top_start = SIM_TIME_MAX;
            } else {
                rung_from_array(q, 0, q->top, n, q->top_min, q->top_max);
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
        if (r->cur == r->nb)
            q->n_rungs--; /* its range goes to the bottom */
        else
            r->lo = r->start + ((sim_time_t)r->cur << r->shift);
        bucket_down(q, b);
    }
}

/* The bottom outgrew bottom_limit by pushes: it becomes the lowest rung
 * (unless its entries have one time, or no rung is left). O(n). */
static void bottom_to_rung(sim_evq_t *q)
{
    tn_heap_key_t *h = q->bottom.h;
    size_t n = q->bottom.n;
    sim_time_t min = SIM_TIME_MAX, max = 0;
    for (size_t j = 0; j < n; j++) {
        sim_time_t t = tn_heap_key_hi(h[j]);
        min = t < min ? t : min;
        max = t > max ? t : max;
    }
    if (min == max || q->n_rungs == SIM_EVQ_MAX_RUNGS) {
        q->bottom_limit = 2 * n;
        return;
    }
    if (q->n_rungs == 0)
        q->top_start = max + 1; /* max < top_start <= SIM_TIME_MAX */
    rung_from_array(q, q->n_rungs++, h, n, min, max);
    tn_heap_clear(&q->bottom); /* after: it writes the padding over h[0 .. 4) */
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
    q->top_min = t < q->top_min ? t : q->top_min;
    q->top_max = t > q->top_max ? t : q->top_max;
    q->top[q->top_n++] = k;
}

static int by_key(const void *a, const void *b)
{
    tn_heap_key_t ka = *(const tn_heap_key_t *)a, kb = *(const tn_heap_key_t *)b;
    return ka < kb ? -1 : ka > kb;
}

/* Moves every live entry to the top, dropping the dead; with `renumber`,
 * gives them the sequence numbers 0..n-1 in their order, so next_seq never
 * outgrows its bits (once per 2^36 pushes). Then refills the bottom.
 * O(n + buckets), O(n log n) with renumber. */
static void rebuild(sim_evq_t *q, bool renumber)
{
    size_t n_top = q->top_n;
    q->top_n = 0;
    for (size_t j = 0; j < n_top; j++) /* in place: top_add writes at or below j */
        if (!drop_if_dead(q, q->top[j]))
            top_add(q, q->top[j]);
    for (size_t j = q->fifo_head; j < q->fifo_n; j++)
        if (!drop_if_dead(q, q->fifo[j]))
            top_add(q, q->fifo[j]);
    q->fifo_head = q->fifo_n = 0;
    for (size_t j = 0; j < q->bottom.n; j++)
        if (!drop_if_dead(q, q->bottom.h[j]))
            top_add(q, q->bottom.h[j]);
    tn_heap_clear(&q->bottom);
    for (unsigned i = 0; i < q->n_rungs; i++) {
        sim_evq_rung_t *r = &q->rung[i];
        for (uint32_t c = r->cur; c < r->nb; c++) {
            uint32_t s = r->b[c].head;
            for (uint32_t j = 0; j < r->b[c].n; j++, s = q->next[s])
                if (!drop_if_dead(q, q->key[s]))
                    top_add(q, q->key[s]);
        }
    }
    q->n_rungs = 0;
    q->top_start = 0;
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

uint32_t sim_evq_push(sim_evq_t *q, sim_time_t time)
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
        if (q->bottom.n == 0)
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
    if (q->bottom.n > q->bottom_limit)
        bottom_to_rung(q);
    return s;
}

/* Drops dead entries from the bottom's top and the FIFO's head. */
static void skim(sim_evq_t *q)
{
    while (q->bottom.n && is_dead(q, key_slot(tn_heap_top(&q->bottom)))) {
        bury(q, key_slot(tn_heap_pop(&q->bottom)));
        if (q->bottom.n == 0)
            refill(q);
    }
    while (q->fifo_head < q->fifo_n && is_dead(q, key_slot(q->fifo[q->fifo_head])))
        bury(q, key_slot(q->fifo[q->fifo_head++]));
}

bool sim_evq_pop(sim_evq_t *q, sim_evq_entry_t *out)
{
    skim(q);
    if (!sim_evq_any(q))
        return false;
    bool from_fifo;
    tn_heap_key_t k = sim_evq_least_(q, &from_fifo);
    if (from_fifo) {
        q->fifo_head++;
    } else {
        tn_heap_pop(&q->bottom);
        if (q->bottom.n == 0)
            refill(q);
    }
    q->count--;
    *out = (sim_evq_entry_t){tn_heap_key_hi(k), tn_heap_key_lo(k)};
    q->now = out->time;
    slot_release(q, key_slot(k));
    return true;
}

bool sim_evq_peek(sim_evq_t *q, sim_evq_entry_t *out)
{
    skim(q);
    if (!sim_evq_any(q))
        return false;
    bool from_fifo;
    tn_heap_key_t k = sim_evq_least_(q, &from_fifo);
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
