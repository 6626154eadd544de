#include "sim/engine/evq.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

#define SEQ_LIMIT (1ull << (64 - SIM_EVQ_SLOT_BITS))
#define PAD 3 /* entries before the root, so children groups are line-aligned */

typedef unsigned __int128 key128_t;

static inline key128_t key(const sim_evq_entry_t *e)
{
    return ((key128_t)e->time << 64) | e->word;
}

static inline bool is_dead(const sim_evq_t *q, uint32_t s)
{
    return (q->dead_bits[s >> 6] >> (s & 63)) & 1;
}

void sim_evq_init(sim_evq_t *q) { memset(q, 0, sizeof *q); }

void sim_evq_destroy(sim_evq_t *q)
{
    if (!q)
        return;
    free(q->base);
    free(q->dead_bits);
    free(q->free_slots);
    memset(q, 0, sizeof *q);
}

static void grow_heap(sim_evq_t *q)
{
    size_t cap = q->cap ? 2 * q->cap : 64;
    void *p = NULL;
    if (posix_memalign(&p, 64, (cap + PAD) * sizeof(sim_evq_entry_t)) != 0)
        TN_ASSERT(!"out of memory");
    if (q->n)
        memcpy((sim_evq_entry_t *)p + PAD, q->heap, q->n * sizeof *q->heap);
    free(q->base);
    q->base = p;
    q->heap = q->base + PAD;
    q->cap = cap;
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

/* Moves entry e up from hole i until its parent is before it. */
static void sift_up(sim_evq_entry_t *h, size_t i, sim_evq_entry_t e)
{
    key128_t k = key(&e);
    while (i > 0) {
        size_t p = (i - 1) >> 2;
        if (key(&h[p]) < k)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

/* Index of the least of the children c .. min(c+4, n)-1 (c < n). */
static inline size_t least_child(const sim_evq_entry_t *h, size_t c, size_t n)
{
    size_t best = c;
    key128_t bk = key(&h[c]);
    size_t end = c + 4 < n ? c + 4 : n;
    for (size_t k = c + 1; k < end; k++) {
        key128_t kk = key(&h[k]);
        bool lt = kk < bk;
        best = lt ? k : best;
        bk = lt ? kk : bk;
    }
    return best;
}

/* Classic sift-down from hole i, for the rebuild. */
static void sift_down(sim_evq_entry_t *h, size_t n, size_t i, sim_evq_entry_t e)
{
    key128_t k = key(&e);
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t b = least_child(h, c, n);
        if (k < key(&h[b]))
            break;
        h[i] = h[b];
        i = b;
    }
    h[i] = e;
}

/* Removes the root, refilling from the last entry. */
static void remove_top(sim_evq_t *q)
{
    sim_evq_entry_t *h = q->heap;
    sim_evq_entry_t last = h[--q->n];
    if (q->n == 0)
        return;
    /* Bottom-up: walk the hole to a leaf along the least children, with no
     * comparison against `last`, then sift `last` up from the leaf. */
    size_t i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= q->n)
            break;
        /* The next level's line is one of four: fetch all of them while
         * the comparisons of this level run. */
        if (4 * c + 16 <= q->n) {
            __builtin_prefetch(&h[4 * c + 1]);
            __builtin_prefetch(&h[4 * c + 5]);
            __builtin_prefetch(&h[4 * c + 9]);
            __builtin_prefetch(&h[4 * c + 13]);
        }
        size_t b = least_child(h, c, q->n);
        h[i] = h[b];
        i = b;
    }
    sift_up(h, i, last);
}

/* Drops dead entries from the top. */
static void skim(sim_evq_t *q)
{
    while (q->n && is_dead(q, sim_evq_slot(&q->heap[0]))) {
        uint32_t s = sim_evq_slot(&q->heap[0]);
        q->dead_bits[s >> 6] &= ~(1ull << (s & 63));
        q->dead--;
        slot_release(q, s);
        remove_top(q);
    }
}

static int by_key(const void *a, const void *b)
{
    key128_t ka = key(a), kb = key(b);
    return ka < kb ? -1 : ka > kb;
}

/* Gives the queued entries the sequence numbers 0..n-1 in their order, so
 * next_seq never outgrows its bits. O(n log n), once per 2^36 pushes; a
 * sorted array is a valid heap, so nothing else is needed. */
static void renumber(sim_evq_t *q)
{
    qsort(q->heap, q->n, sizeof *q->heap, by_key);
    for (size_t i = 0; i < q->n; i++)
        q->heap[i].word = ((uint64_t)i << SIM_EVQ_SLOT_BITS) | sim_evq_slot(&q->heap[i]);
    q->next_seq = q->n;
}

/* Removes every dead entry and rebuilds the heap (Floyd). O(n). */
static void purge(sim_evq_t *q)
{
    size_t w = 0;
    for (size_t r = 0; r < q->n; r++) {
        uint32_t s = sim_evq_slot(&q->heap[r]);
        if (is_dead(q, s)) {
            q->dead_bits[s >> 6] &= ~(1ull << (s & 63));
            slot_release(q, s);
        } else {
            q->heap[w++] = q->heap[r];
        }
    }
    q->n = w;
    q->dead = 0;
    for (size_t i = w / 4 + 1; i-- > 0;)
        if (i < w)
            sift_down(q->heap, w, i, q->heap[i]);
}

uint32_t sim_evq_push(sim_evq_t *q, sim_time_t time)
{
    if (q->next_seq == SEQ_LIMIT) {
        purge(q);
        renumber(q);
    }
    if (q->n == q->cap)
        grow_heap(q);
    uint32_t s = slot_take(q);
    sim_evq_entry_t e = {time, (q->next_seq++ << SIM_EVQ_SLOT_BITS) | s};
    sift_up(q->heap, q->n++, e);
    return s;
}

bool sim_evq_pop(sim_evq_t *q, sim_evq_entry_t *out)
{
    skim(q);
    if (q->n == 0)
        return false;
    *out = q->heap[0];
    slot_release(q, sim_evq_slot(out));
    remove_top(q);
    return true;
}

const sim_evq_entry_t *sim_evq_peek(sim_evq_t *q)
{
    skim(q);
    return q->n ? &q->heap[0] : NULL;
}

void sim_evq_cancel(sim_evq_t *q, uint32_t s)
{
    TN_ASSERT(s < q->slot_cap && !is_dead(q, s));
    q->dead_bits[s >> 6] |= 1ull << (s & 63);
    q->dead++;
    if (q->dead > 64 && q->dead > q->n / 2)
        purge(q);
}
