/* common/tn_heap.h — the one heap of tensim: a 4-ary array min-heap of
 * 128-bit integer keys.
 *
 * Its users pack what they order by into the key, high bits first, and
 * what they need back into the low bits: the event queue's bottom
 * (sim/engine/evq.c, the near end of a ladder queue) a time above
 * (sequence number, slot), so equal times pop in push order;
 * the flow model (sim/net/flow.c) a link's share (a double >= +0.0, whose
 * bit pattern orders like its value) above the link id; the Chakra reader
 * (workloads/chakra.c) a node index. Keys compare as one integer, without
 * branches, so the comparison is inlined into every operation. Equal keys
 * pop in no particular order: a user that needs ties in push order puts a
 * counter in the key (tn_heap_key(time, seq)).
 *
 * Why it is built this way (measured with bench/bench_engine.c and
 * bench/bench_flow.c, the simulator's two hottest loops): an entry is 16
 * bytes and the array starts 3 entries before a 64-byte boundary, so the
 * four children 4i+1 .. 4i+4 of a node fill exactly one cache line. Four
 * entries of TN_HEAP_KEY_NONE always follow the last entry, so the least of
 * four children is found with no bounds check and no branch. Removing the
 * top walks the hole down to a leaf along the least children, fetching the
 * next level's lines ahead in a large heap, and sifts the last entry up
 * from there (most of the time it belongs near the bottom).
 *
 * Ownership: a tn_heap_t is caller-owned (tn_heap_init/tn_heap_destroy);
 * tn_heap_init() allocates nothing. The heap owns its array, no payloads.
 */
#ifndef TN_HEAP_H
#define TN_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 tn_heap_key_t;
#define TN_HEAP_KEY_NONE (~(tn_heap_key_t)0) /* the padding after the last entry */
/* Above this many entries (256 KiB) the walk down fetches ahead: smaller
 * heaps stay in the caches nearest the core, where fetching costs more
 * instructions than it saves (bench/bench_flow.c's heap of 6,144 links). */
#define TN_HEAP_PREFETCH_MIN 16384

typedef struct {
    tn_heap_key_t *base; /* allocation, 64-byte aligned */
    tn_heap_key_t *h;    /* base + 3: entries h[0 .. n), then 4 x TN_HEAP_KEY_NONE */
    size_t n, cap;       /* entries, and how many fit before the padding */
} tn_heap_t;

/* The key of (hi, lo): ordered by hi, then lo. O(1). */
static inline tn_heap_key_t tn_heap_key(uint64_t hi, uint64_t lo)
{
    return (tn_heap_key_t)hi << 64 | lo;
}
static inline uint64_t tn_heap_key_hi(tn_heap_key_t k) { return (uint64_t)(k >> 64); }
static inline uint64_t tn_heap_key_lo(tn_heap_key_t k) { return (uint64_t)k; }

void tn_heap_init(tn_heap_t *hp);
void tn_heap_destroy(tn_heap_t *hp);

/* Makes room for `cap` entries, keeping those queued. O(n) when it grows. */
void tn_heap_reserve(tn_heap_t *hp, size_t cap);

/* Restores heap order after the caller wrote h[0 .. n) directly (and set
 * n <= cap), and writes the padding. Floyd's method: O(n). */
void tn_heap_heapify(tn_heap_t *hp);

/* Empties the heap, keeping its array. O(1). */
static inline void tn_heap_clear(tn_heap_t *hp)
{
    hp->n = 0;
    if (hp->h)
        for (int k = 0; k < 4; k++)
            hp->h[k] = TN_HEAP_KEY_NONE;
}

static inline size_t tn_heap_size(const tn_heap_t *hp) { return hp->n; }

/* The least key; the heap must not be empty. O(1). */
static inline tn_heap_key_t tn_heap_top(const tn_heap_t *hp) { return hp->h[0]; }

/* Index of the least of the four entries c .. c+3 (the padding loses every
 * comparison, and an equal key loses to the one before it). */
static inline size_t tn_heap_least4_(const tn_heap_key_t *h, size_t c)
{
    size_t a = c + (h[c + 1] < h[c]);
    size_t b = c + 2 + (h[c + 3] < h[c + 2]);
    return a + (b - a) * (h[b] < h[a]);
}

/* Moves key x up from hole i until its parent is not above it. */
static inline void tn_heap_sift_up_(tn_heap_key_t *h, size_t i, tn_heap_key_t x)
{
    while (i > 0) {
        size_t p = (i - 1) >> 2;
        if (h[p] <= x)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

/* Walks the hole at the top of h[0 .. n) down along the least children to
 * a leaf, and returns the leaf. Inlined with `fetch` a constant, so the
 * loop without fetching carries no test for it. */
static inline __attribute__((always_inline)) size_t tn_heap_walk_(tn_heap_key_t *h, size_t n,
                                                                  bool fetch)
{
    size_t i = 0;
    for (size_t c = 1; c < n; c = 4 * i + 1) {
        /* The next level's line is one of four: fetch all of them while
         * this level's comparisons run. */
        if (fetch && 4 * c + 16 <= n) {
            __builtin_prefetch(&h[4 * c + 1]);
            __builtin_prefetch(&h[4 * c + 5]);
            __builtin_prefetch(&h[4 * c + 9]);
            __builtin_prefetch(&h[4 * c + 13]);
        }
        size_t m = tn_heap_least4_(h, c);
        h[i] = h[m];
        i = m;
    }
    return i;
}

/* Puts x in place of the top: walks the hole down along the least children
 * to a leaf, then moves x up from there. O(log n). */
static inline void tn_heap_replace_top(tn_heap_t *hp, tn_heap_key_t x)
{
    tn_heap_key_t *h = hp->h;
    size_t n = hp->n;
    size_t i = n > TN_HEAP_PREFETCH_MIN ? tn_heap_walk_(h, n, true) : tn_heap_walk_(h, n, false);
    tn_heap_sift_up_(h, i, x);
}

/* Removes and returns the least key; the heap must not be empty.
 * O(log n). */
static inline tn_heap_key_t tn_heap_pop(tn_heap_t *hp)
{
    tn_heap_key_t *h = hp->h, top = h[0];
    size_t last = --hp->n;
    tn_heap_key_t x = h[last];
    h[last] = TN_HEAP_KEY_NONE;
    if (last)
        tn_heap_replace_top(hp, x);
    return top;
}

/* Adds key x. O(log n), amortised when the array grows. */
static inline void tn_heap_push(tn_heap_t *hp, tn_heap_key_t x)
{
    if (hp->n == hp->cap)
        tn_heap_reserve(hp, hp->cap ? 2 * hp->cap : 64);
    size_t i = hp->n++;
    hp->h[i + 4] = TN_HEAP_KEY_NONE; /* the padding moves up by one */
    tn_heap_sift_up_(hp->h, i, x);
}

#endif
