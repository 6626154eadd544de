/* sim/engine/evq.h — the pending-event set: a 4-ary array min-heap with lazy
 * cancellation and its own pool of slot numbers.
 *
 * push() queues a time and returns a dense slot number, which the caller
 * uses to index its own payload array; pop() returns the least live entry.
 * Entries are ordered by (time, seq), seq a counter given at push, so equal
 * times pop in push order.
 *
 * Why it is built this way (measured with bench/bench_engine.c): an entry is
 * 16 bytes, the time and one word (seq << SIM_EVQ_SLOT_BITS | slot), so keys
 * compare as one 128-bit integer without branches, and the heap is laid out
 * so the four children of a node fill exactly one 64-byte cache line. pop()
 * walks the hole to a leaf along the least children and sifts the last entry
 * up from there. Cancellation marks the slot in a bitmap (1 bit per slot,
 * small enough to stay in L1) and the dead entry is dropped when it reaches
 * the top; when dead entries outnumber live ones the heap is rebuilt without
 * them. A position map for eager removal cost a random write per heap level
 * and halved the throughput. Sequence numbers are renumbered, in order, if
 * they would ever outgrow their bits, so the order is exact for any number
 * of events.
 *
 * Ownership: a sim_evq_t is a caller-owned struct; sim_evq_init() allocates
 * nothing, sim_evq_destroy() frees its arrays. It owns no payloads.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/engine/time.h"

#define SIM_EVQ_SLOT_BITS 28
#define SIM_EVQ_MAX_SLOTS (1u << SIM_EVQ_SLOT_BITS) /* entries queued at once */

typedef struct {
    sim_time_t time;
    uint64_t word; /* seq << SIM_EVQ_SLOT_BITS | slot */
} sim_evq_entry_t;

typedef struct {
    sim_evq_entry_t *base; /* allocation, 64-byte aligned */
    sim_evq_entry_t *heap; /* base + 3: children of i at 4i+1 .. 4i+4 share a line */
    size_t n, cap;         /* entries in the heap (live and dead), capacity */
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

/* The least live entry without removing it, or NULL when none. Drops dead
 * entries from the top as it goes. O(1), or O(log n) amortised. */
const sim_evq_entry_t *sim_evq_peek(sim_evq_t *q);

/* Cancels the queued entry holding `slot`; the caller guarantees it is
 * queued and not cancelled yet (the engine checks with generations). Its
 * slot is released when the entry leaves the heap. O(1) amortised. */
void sim_evq_cancel(sim_evq_t *q, uint32_t slot);

/* Live entries queued. O(1). */
static inline size_t sim_evq_size(const sim_evq_t *q) { return q->n - q->dead; }

#endif
