/* sim/engine/evq.h — the pending-event set: a ladder queue (Tang, Goh and
 * Thng 2005, "Ladder queue: an O(1) priority queue structure for
 * large-scale discrete event simulation") over a sorted run and tensim's
 * heap (common/tn_heap.h), with lazy cancellation and its own pool of slot
 * numbers.
 *
 * push() queues a time and returns a dense slot number, which the caller
 * uses to index its own payload array; pop() returns the least live entry.
 * Entries are ordered by (time, seq), seq a counter given at push, so equal
 * times pop in push order.
 *
 * How it is built. An entry is one 128-bit key, the time above one word
 * (seq << SIM_EVQ_SLOT_BITS | slot), so keys compare as one integer. From
 * the nearest to the farthest, an entry is in one of these places:
 *  - the FIFO: entries queued at the time of the last pop (a recomputation,
 *    a callback without delay: a quarter of a training run's events). They
 *    come in key order, so the FIFO is sorted: an append, not a sift.
 *  - the run: the last bucket moved down from the rungs, sorted.
 *  - the bottom: a heap of the entries pushed below the lowest rung's
 *    current bucket (few, for smooth spreads of times).
 *  - the rungs: rung i is an array of buckets 2^shift picoseconds wide,
 *    each an unsorted list of 256-byte chunks of keys; a rung below splits
 *    one bucket of the rung above. A push for the rungs is staged (up to
 *    SIM_EVQ_STAGE keys) and written to its bucket with the others before
 *    anything reads the rungs: the buckets are found by a subtraction and
 *    a shift, their lines fetched together, then the keys appended.
 *  - the top: an unsorted array of the entries from top_start on.
 * The least entry is the least of the heads of the FIFO, the run and the
 * bottom: when the run and the bottom are both empty (and after every pop
 * that empties them) the lowest rung's next non-empty bucket is sorted into
 * the run, or, when it has more than SIM_EVQ_SPLIT entries of more than one
 * time, becomes a new rung; when no rung is left the top becomes rung 0
 * (or, when it holds no more than SIM_EVQ_SPLIT entries, the run). A new
 * rung's width is the least power of two that spreads the actual span of
 * its entries (the least to the greatest time) over a number of buckets
 * (SIM_EVQ_TOP_BUCKETS per entry for rung 0, one per SIM_EVQ_OCCUPANCY
 * entries for a split), so widths adapt to any spread of times: an entry
 * at 2^62 ps and the rest near now cost one more rung, not a bucket per
 * picosecond or an O(n) scan per pop. Each entry moves O(1) times for
 * smooth spreads and at most once per rung (SIM_EVQ_MAX_RUNGS) for any
 * spread; deeper, and for a bucket whose entries all have one time (a
 * burst), the bucket is sorted whole, O(k log k). Pushes that land below
 * the rungs go to the bottom heap (O(log n)); a bottom larger than
 * SIM_EVQ_BOTTOM_MIN and than the run becomes a rung, with the run. Keys
 * are sorted whole, and entries at one time are never in two places but
 * the FIFO (compared by key), so the order is exactly (time, seq), as one
 * heap's: every shipped output is byte-identical (scripts/outputs.sh).
 *
 * Why (bench/bench_engine.c, the hold model: N events pending, each
 * scheduling one more at an exponential delay, mean 1 us; millions of
 * events/s, each the median of five rounds; three runs of each build
 * alternated on this 2-core VM, load 1.8 to 3 from other jobs: the first
 * pair, at load 1.8, then the medians of the three):
 *                               N = 1e3   1e5   1e6    medians:  1e3   1e5   1e6
 *   4-ary heap, FIFO (786ecc0)     14.6  10.1   4.7               9.3   6.7   3.8
 *   this queue                     20.4  17.8   8.9              18.0  15.4   8.9
 * The 20 million a second at N = 1e5 first aimed at is not reached: the
 * benchmark's handler alone (its exponential draw, 16 ns) and the engine
 * around the queue take most of the 50 ns that would allow. The main job
 * (tensim run azure2020-gpt3-175b) runs 7.1% fewer instructions
 * (cachegrind: 66.4 billion, not 71.4) and spends 8% of its perf samples
 * in the engine and queue instead of 14%; its wall time moved less than
 * this VM's noise. The heap's pop walks log4(n) levels of an array of n
 * keys (1.6 MB at N = 1e5); here a pop takes the head of a sorted run of
 * about ten keys, and a push appends to a staged array. What is left is
 * memory: a bucket's chunks are read when it moves down (the next
 * bucket's first chunk is fetched one move ahead), and the payloads of
 * the run's entries are fetched when it is sorted (sim_evq_set_payloads):
 * the engine's records are an event's other random access. Measured and
 * dropped: buckets as lists threaded through the slots (a dependent cache
 * miss per entry: slower than the heap at 1e6), the run as a heap (a pop
 * three times the instructions of taking a head), a run sorted by
 * insertion (a mispredicted branch per key: runs of up to 16 keys are
 * sorted by rank, branch-free), rung 0 with 2 or 4 buckets per entry,
 * fetching two buckets ahead, 128-byte chunks (15% slower at 1e6). A
 * radix heap measured 2.4 million events/s at N = 1e5.
 * Cancellation marks the slot in a bitmap (1 bit per slot, small enough
 * to stay in L1); a dead entry is dropped when it is moved or reaches a
 * head, and when dead entries outnumber live ones the queue is rebuilt
 * without them. Sequence numbers are renumbered, in order, if they would
 * ever outgrow their bits, so the order is exact for any number of events.
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
#define SIM_EVQ_MAX_RUNGS 16    /* deeper, a bucket goes to the bottom heap */
#define SIM_EVQ_SPLIT 48        /* a bucket of more entries becomes a rung */
#define SIM_EVQ_OCCUPANCY 4     /* entries per bucket of a rung split from a bucket */
#define SIM_EVQ_TOP_BUCKETS 1   /* buckets per entry of rung 0, made from the top */
#define SIM_EVQ_BOTTOM_MIN 128  /* the bottom may grow to this by pushes */
#define SIM_EVQ_CHUNK_KEYS 15   /* keys per chunk of a bucket: 256 bytes */
#define SIM_EVQ_STAGE 64        /* pushes to the rungs held back, then written together */

/* An entry, as pop() and peek() return it (in the queue it is one key:
 * tn_heap_key(time, word)). */
typedef struct {
    sim_time_t time;
    uint64_t word; /* seq << SIM_EVQ_SLOT_BITS | slot */
} sim_evq_entry_t;

/* A bucket's keys are in a list of chunks, the newest first: the first
 * holds (n - 1) % SIM_EVQ_CHUNK_KEYS + 1 keys, the others are full. */
typedef struct {
    tn_heap_key_t k[SIM_EVQ_CHUNK_KEYS];
    uint32_t next; /* the next chunk (older keys) */
} __attribute__((aligned(256))) sim_evq_chunk_t;

typedef struct {
    uint32_t head; /* the newest chunk; means nothing when n is 0 */
    uint32_t n;    /* keys, live and dead */
} sim_evq_bucket_t;

typedef struct {
    sim_time_t start;     /* time of bucket 0's start */
    sim_time_t lo;        /* start of bucket cur: the rung holds [lo, the rung above's lo) */
    unsigned shift;       /* bucket width 2^shift ps */
    uint32_t nb, cur;     /* buckets; the first not yet moved down */
    sim_evq_bucket_t *b;  /* the last bucket also takes times past its end */
    size_t cap;
} sim_evq_rung_t;

typedef struct {
    tn_heap_key_t *run;    /* the last bucket moved down, sorted; a sentinel after */
    size_t run_head, run_n, run_cap; /* entries run[head .. n) */
    tn_heap_t bottom;      /* entries pushed below the lowest rung */
    tn_heap_key_t *fifo;   /* live and dead entries at `now`, in key order */
    size_t fifo_head, fifo_n, fifo_cap; /* entries fifo[head .. n) */
    sim_evq_rung_t rung[SIM_EVQ_MAX_RUNGS]; /* rung[0] the farthest */
    unsigned n_rungs;
    unsigned n_stage;      /* keys in stage[], each for a rung's bucket */
    tn_heap_key_t stage[SIM_EVQ_STAGE];
    tn_heap_key_t *top;    /* unsorted entries at top_start or later */
    size_t top_n, top_cap;
    sim_time_t top_start, top_min, top_max;
    size_t bottom_limit;   /* pushes may grow the bottom to this, when larger */
    sim_evq_chunk_t *chunk; /* the rungs' chunks, 256-byte aligned */
    uint32_t *free_chunks; /* stack of unused chunk numbers */
    size_t n_free_chunks, chunk_cap;
    const char *pf_base;   /* the caller's payloads, or NULL (sim_evq_set_payloads) */
    size_t pf_stride;
    size_t count;          /* entries queued, live and dead */
    sim_time_t now;        /* the time of the last entry popped */
    size_t dead;           /* cancelled entries still queued */
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

enum { SIM_EVQ_FROM_RUN, SIM_EVQ_FROM_BOTTOM, SIM_EVQ_FROM_FIFO };

/* The least entry, live or dead (the queue holds one): the least of the
 * run's head, the bottom's top and the FIFO's head (every other entry is
 * above the first two, which are both empty only when the others are);
 * *from says which. O(1). */
static inline tn_heap_key_t sim_evq_least_(const sim_evq_t *q, int *from)
{
    tn_heap_key_t k = q->run_head < q->run_n ? q->run[q->run_head] : TN_HEAP_KEY_NONE;
    *from = SIM_EVQ_FROM_RUN;
    if (q->bottom.n && tn_heap_top(&q->bottom) < k) {
        k = tn_heap_top(&q->bottom);
        *from = SIM_EVQ_FROM_BOTTOM;
    }
    if (q->fifo_head < q->fifo_n && q->fifo[q->fifo_head] < k) {
        k = q->fifo[q->fifo_head];
        *from = SIM_EVQ_FROM_FIFO;
    }
    return k;
}

/* The slot of the least entry, live or dead, without skimming: for a
 * prefetch. The queue must not be empty. O(1). */
static inline uint32_t sim_evq_top_slot(const sim_evq_t *q)
{
    int from;
    return (uint32_t)(tn_heap_key_lo(sim_evq_least_(q, &from)) & (SIM_EVQ_MAX_SLOTS - 1));
}

void sim_evq_init(sim_evq_t *q);
void sim_evq_destroy(sim_evq_t *q);

/* Tells the queue where the caller keeps a payload per slot (slot s's at
 * base + s * stride), or none (NULL): when entries move into the bottom,
 * a few dozen pops ahead of their turn, their payloads are fetched into
 * the cache. A hint only; the caller calls it again when it moves its
 * array. O(1). */
static inline void sim_evq_set_payloads(sim_evq_t *q, const void *base, size_t stride)
{
    q->pf_base = base;
    q->pf_stride = stride;
}

/* Queues an entry at `time`, after every entry already queued at the same
 * time, and returns its slot (< q->slot_cap after the call). The slot stays
 * the entry's until it is popped or cancelled. Time complexity: O(1)
 * amortised (O(log n) when it lands in a large bottom). Aborts beyond
 * SIM_EVQ_MAX_SLOTS entries at once. */
uint32_t sim_evq_push(sim_evq_t *q, sim_time_t time);

/* Out of line, for the inline functions below: drops dead entries from
 * the heads of the run, the bottom and the FIFO; refills the run when it
 * and the bottom are empty. */
void sim_evq_skim_(sim_evq_t *q);
void sim_evq_refill_(sim_evq_t *q);

/* Removes the least live entry into *out and releases its slot (the next
 * push may reuse it), if its time is at most `until`. Returns false, and
 * removes nothing, when no live entry is left or the least is later.
 * Inline: it is the engine's loop. O(1) amortised for smooth spreads of
 * times, O(log n) at worst. */
static inline bool sim_evq_pop_until(sim_evq_t *q, sim_time_t until, sim_evq_entry_t *out)
{
    while (q->count) {
        int from;
        tn_heap_key_t k = sim_evq_least_(q, &from);
        uint32_t s = (uint32_t)(tn_heap_key_lo(k) & (SIM_EVQ_MAX_SLOTS - 1));
        if (__builtin_expect((q->dead_bits[s >> 6] >> (s & 63)) & 1, 0)) {
            sim_evq_skim_(q);
            continue;
        }
        if (tn_heap_key_hi(k) > until)
            return false;
        if (from == SIM_EVQ_FROM_FIFO) {
            q->fifo_head++;
        } else {
            if (from == SIM_EVQ_FROM_RUN)
                q->run_head++;
            else
                tn_heap_pop(&q->bottom);
            if (q->run_head == q->run_n && q->bottom.n == 0)
                sim_evq_refill_(q);
        }
        q->count--;
        *out = (sim_evq_entry_t){tn_heap_key_hi(k), tn_heap_key_lo(k)};
        q->now = out->time;
        q->free_slots[q->n_free++] = s;
        return true;
    }
    return false;
}

/* Removes the least live entry into *out and releases its slot. Returns
 * false when no live entry is left. As sim_evq_pop_until(). */
static inline bool sim_evq_pop(sim_evq_t *q, sim_evq_entry_t *out)
{
    return sim_evq_pop_until(q, SIM_TIME_MAX, out);
}

/* The least live entry into *out without removing it; false when none.
 * Drops dead entries from the top as it goes. O(1), or as pop()
 * amortised. */
bool sim_evq_peek(sim_evq_t *q, sim_evq_entry_t *out);

/* Cancels the queued entry holding `slot`; the caller guarantees it is
 * queued and not cancelled yet (the engine checks with generations). Its
 * slot is released when the entry leaves the queue. O(1) amortised. */
void sim_evq_cancel(sim_evq_t *q, uint32_t slot);

/* Live entries queued. O(1). */
static inline size_t sim_evq_size(const sim_evq_t *q) { return q->count - q->dead; }

/* Whether any entry, live or dead, is queued. O(1). */
static inline bool sim_evq_any(const sim_evq_t *q) { return q->count != 0; }

#endif
