/* sim/engine/evq.h — the pending-event set: tensim's heap (common/tn_heap.h)
 * with lazy cancellation and its own pool of slot numbers.
 *
 * push() queues a time and returns a dense slot number, which the caller
 * uses to index its own payload array; pop() returns the least live entry.
 * Entries are ordered by (time, seq), seq a counter given at push, so equal
 * times pop in push order.
 *
 * Why it is built this way (measured with bench/bench_engine.c): a heap key
 * is the time above one word (seq << SIM_EVQ_SLOT_BITS | slot), so keys
 * compare as one 128-bit integer without branches (the heap's layout and
 * its pop are described in common/tn_heap.h). Cancellation marks the slot
 * in a bitmap (1 bit per slot, small enough to stay in L1) and the dead
 * entry is dropped when it reaches the top; when dead entries outnumber
 * live ones the heap is rebuilt without them. A position map for eager
 * removal cost a random write per heap level and halved the throughput.
 * Sequence numbers are renumbered, in order, if they would ever outgrow
 * their bits, so the order is exact for any number of events.
 * An entry queued at the time of the last pop (a recomputation, a callback
 * without delay: a quarter of a training run's events) goes to a FIFO
 * instead of the heap: such entries come in key order (the same time,
 * rising seq), so the FIFO is sorted, and pop takes the lesser of the
 * heap's top and the FIFO's head, which is the same order as one heap,
 * for an append instead of a sift.
 *
 * Ownership: a sim_evq_t is a caller-owned struct; sim_evq_init() allocates
 * nothing, sim_evq_destroy() frees its arrays. It owns no payloads.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tn_heap.h"
#include "sim/engine/time.h"

#define SIM_EVQ_SLOT_BITS 28
#define SIM_EVQ_MAX_SLOTS (1u << SIM_EVQ_SLOT_BITS) /* entries queued at once */

/* An entry, as pop() and peek() return it (in the heap it is one key:
 * tn_heap_key(time, word)). */
typedef struct {
    sim_time_t time;
    uint64_t word; /* seq << SIM_EVQ_SLOT_BITS | slot */
} sim_evq_entry_t;

typedef struct {
    tn_heap_t heap;        /* live and dead entries */
    tn_heap_key_t *fifo;   /* live and dead entries at `now`, in key order */
    size_t fifo_head, fifo_n, fifo_cap; /* entries fifo[head .. n) */
    sim_time_t now;        /* the time of the last entry popped */
    size_t dead;           /* cancelled entries still in the heap */
    uint64_t *dead_bits;   /* by slot */
    uint32_t *free_slots;  /* stack of released slots */
    size_t n_free;
    uint32_t slot_cap;     /* slots handed out so far: every slot < slot_cap */
    uint64_t next_seq;     /* below 2^(64 - SIM_EVQ_SLOT_BITS) */
} sim_evq_t;

static inline uint32_t sim_evq_slot(const sim_evq_entry_t *e)
{
    return (uint32_t)(e->word & (SIM_EVQ_MAX_SLOTS - 1));
}

/* The least entry, live or dead (the queue holds one): the heap's top
 * or the FIFO's head, whichever has the lesser key; *from_fifo says
 * which. O(1). */
static inline tn_heap_key_t sim_evq_least_(const sim_evq_t *q, bool *from_fifo)
{
    tn_heap_key_t k = q->heap.n ? tn_heap_top(&q->heap) : TN_HEAP_KEY_NONE;
    *from_fifo = q->fifo_head < q->fifo_n && q->fifo[q->fifo_head] < k;
    return *from_fifo ? q->fifo[q->fifo_head] : k;
}

/* The slot of the least entry, live or dead, without skimming: for a
 * prefetch. The queue must not be empty. O(1). */
static inline uint32_t sim_evq_top_slot(const sim_evq_t *q)
{
    bool from_fifo;
    return (uint32_t)(tn_heap_key_lo(sim_evq_least_(q, &from_fifo)) & (SIM_EVQ_MAX_SLOTS - 1));
}

void sim_evq_init(sim_evq_t *q);
void sim_evq_destroy(sim_evq_t *q);

/* Queues an entry at `time`, after every entry already queued at the same
 * time, and returns its slot (< q->slot_cap after the call). The slot stays
 * the entry's until it is popped or cancelled. Time complexity: O(log n)
 * amortised. Aborts beyond SIM_EVQ_MAX_SLOTS entries at once. */
uint32_t sim_evq_push(sim_evq_t *q, sim_time_t time);

/* Removes the least live entry into *out and releases its slot (the next
 * push may reuse it). Returns false when no live entry is left.
 * O(log n) amortised. */
bool sim_evq_pop(sim_evq_t *q, sim_evq_entry_t *out);

/* The least live entry into *out without removing it; false when none.
 * Drops dead entries from the top as it goes. O(1), or O(log n)
 * amortised. */
bool sim_evq_peek(sim_evq_t *q, sim_evq_entry_t *out);

/* Cancels the queued entry holding `slot`; the caller guarantees it is
 * queued and not cancelled yet (the engine checks with generations). Its
 * slot is released when the entry leaves the heap. O(1) amortised. */
void sim_evq_cancel(sim_evq_t *q, uint32_t slot);

/* Live entries queued. O(1). */
static inline size_t sim_evq_size(const sim_evq_t *q)
{
    return q->heap.n + (q->fifo_n - q->fifo_head) - q->dead;
}

/* Whether any entry, live or dead, is queued. O(1). */
static inline bool sim_evq_any(const sim_evq_t *q)
{
    return q->heap.n || q->fifo_head < q->fifo_n;
}

#endif
