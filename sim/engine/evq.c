/* sim/engine/evq.c — the pending-event set; see sim/engine/evq.h. */
#include "sim/engine/evq.h"

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
    tn_heap_init(&q->heap);
}

void sim_evq_destroy(sim_evq_t *q)
{
    if (!q)
        return;
    tn_heap_destroy(&q->heap);
    free(q->fifo);
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
        q->dead_bits = tn_realloc(q->dead_bits, ((size_t)s / 64 + 1) * sizeof *q->dead_bits);
        q->dead_bits[s / 64] = 0;
        q->free_slots = tn_realloc(q->free_slots, ((size_t)s + 64) * sizeof *q->free_slots);
    }
    return s;
}

static inline void slot_release(sim_evq_t *q, uint32_t s)
{
    q->free_slots[q->n_free++] = s;
}

/* Forgets that slot s was cancelled, and releases it. */
static inline void bury(sim_evq_t *q, uint32_t s)
{
    q->dead_bits[s >> 6] &= ~(1ull << (s & 63));
    slot_release(q, s);
}

/* Drops dead entries from the top of the heap and the head of the
 * FIFO. */
static void skim(sim_evq_t *q)
{
    while (q->heap.n && is_dead(q, key_slot(tn_heap_top(&q->heap)))) {
        bury(q, key_slot(tn_heap_pop(&q->heap)));
        q->dead--;
    }
    while (q->fifo_head < q->fifo_n && is_dead(q, key_slot(q->fifo[q->fifo_head]))) {
        bury(q, key_slot(q->fifo[q->fifo_head++]));
        q->dead--;
    }
}

/* Moves the FIFO's entries into the heap (for a purge or a renumbering,
 * which work on the heap alone). O(f log n). */
static void fifo_to_heap(sim_evq_t *q)
{
    for (size_t i = q->fifo_head; i < q->fifo_n; i++)
        tn_heap_push(&q->heap, q->fifo[i]);
    q->fifo_head = q->fifo_n = 0;
}

static int by_key(const void *a, const void *b)
{
    tn_heap_key_t ka = *(const tn_heap_key_t *)a, kb = *(const tn_heap_key_t *)b;
    return ka < kb ? -1 : ka > kb;
}

/* Gives the queued entries the sequence numbers 0..n-1 in their order, so
 * next_seq never outgrows its bits. O(n log n), once per 2^36 pushes; a
 * sorted array is a valid heap, so nothing else is needed. */
static void renumber(sim_evq_t *q)
{
    tn_heap_key_t *h = q->heap.h;
    size_t n = q->heap.n;
    qsort(h, n, sizeof *h, by_key);
    for (size_t i = 0; i < n; i++)
        h[i] = tn_heap_key(tn_heap_key_hi(h[i]),
                           ((uint64_t)i << SIM_EVQ_SLOT_BITS) | key_slot(h[i]));
    q->next_seq = n;
}

/* Removes every dead entry and rebuilds the heap. O(n). */
static void purge(sim_evq_t *q)
{
    fifo_to_heap(q);
    tn_heap_key_t *h = q->heap.h;
    size_t w = 0;
    for (size_t r = 0; r < q->heap.n; r++) {
        uint32_t s = key_slot(h[r]);
        if (is_dead(q, s))
            bury(q, s);
        else
            h[w++] = h[r];
    }
    q->heap.n = w;
    q->dead = 0;
    tn_heap_heapify(&q->heap);
}

uint32_t sim_evq_push(sim_evq_t *q, sim_time_t time)
{
    if (q->next_seq == SEQ_LIMIT) {
        purge(q);
        renumber(q);
    }
    uint32_t s = slot_take(q);
    tn_heap_key_t k = tn_heap_key(time, (q->next_seq++ << SIM_EVQ_SLOT_BITS) | s);
    if (time != q->now) {
        tn_heap_push(&q->heap, k);
        return s;
    }
    if (q->fifo_head == q->fifo_n)
        q->fifo_head = q->fifo_n = 0;
    if (q->fifo_n == q->fifo_cap) {
        q->fifo_cap = q->fifo_cap ? 2 * q->fifo_cap : 256;
        q->fifo = tn_realloc(q->fifo, q->fifo_cap * sizeof *q->fifo);
    }
    q->fifo[q->fifo_n++] = k;
    return s;
}

bool sim_evq_pop(sim_evq_t *q, sim_evq_entry_t *out)
{
    skim(q);
    if (!sim_evq_any(q))
        return false;
    bool from_fifo;
    tn_heap_key_t k = sim_evq_least_(q, &from_fifo);
    if (from_fifo)
        q->fifo_head++;
    else
        tn_heap_pop(&q->heap);
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
    if (q->dead > 64 && q->dead > (q->heap.n + q->fifo_n - q->fifo_head) / 2)
        purge(q);
}
