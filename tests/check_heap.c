/* tests/check_heap.c — common/tn_heap.h against a brute-force reference:
 * random pushes, pops, replacements of the top and cancellations (the
 * users' lazy kind: a dead entry is dropped when it reaches the top, and
 * the heap is rebuilt without the dead when they are many), every pop
 * compared with the least key of an unsorted list. */
#include <check.h>
#include <stdlib.h>

#include "common/tn_heap.h"
#include "common/tn_rng.h"
#include "tests/tests.h"

/* The reference: keys in no order, each live or cancelled. */
typedef struct {
    tn_heap_key_t key;
    int alive;
} ref_t;

/* Index of the least live key (the first of equal ones), or -1. */
static int ref_min(const ref_t *ref, int n)
{
    int m = -1;
    for (int i = 0; i < n; i++)
        if (ref[i].alive && (m < 0 || ref[i].key < ref[m].key))
            m = i;
    return m;
}

/* Whether key k is cancelled: a linear search, as slow as the reference. */
static int is_dead(const ref_t *ref, int n, tn_heap_key_t k)
{
    for (int i = 0; i < n; i++)
        if (ref[i].key == k)
            return !ref[i].alive;
    ck_abort_msg("a key that was never pushed");
    return 0;
}

/* Pops cancelled keys off the top, as the event queue does. */
static void skim(tn_heap_t *hp, const ref_t *ref, int n, int *dead)
{
    while (tn_heap_size(hp) && is_dead(ref, n, tn_heap_top(hp))) {
        tn_heap_pop(hp);
        (*dead)--;
    }
}

/* Keys are (time, seq): times from a small range, so ties are frequent,
 * and seq the push count, so equal times must pop in push order (the
 * reference's least key is then the earliest pushed). With `high`, times
 * sit at the top of the range, next to the padding's all-ones key. */
static void random_ops(unsigned long seed, int ops, int high)
{
    gsl_rng *rng = tn_rng_stream(seed, TN_RNG_TEST, 2);
    tn_heap_t hp;
    tn_heap_init(&hp);
    ref_t *ref = calloc((size_t)ops, sizeof *ref);
    int n = 0, live = 0, dead = 0;
    uint64_t base = high ? UINT64_MAX - 40 : 0, now = base;
    for (int op = 0; op < ops; op++) {
        unsigned long what = gsl_rng_uniform_int(rng, 20);
        if (high && op == ops / 2) { /* the padding's own key, as an entry */
            ref[n] = (ref_t){TN_HEAP_KEY_NONE, 1};
            tn_heap_push(&hp, ref[n++].key);
            live++;
        } else if (what < 9 || live == 0) { /* push at or after the last pop */
            uint64_t t = now + gsl_rng_uniform_int(rng, high ? UINT64_MAX - now + 1 : 30);
            ref[n] = (ref_t){tn_heap_key(t, (uint64_t)op), 1};
            tn_heap_push(&hp, ref[n++].key);
            live++;
        } else if (what < 15) { /* pop the least live key */
            skim(&hp, ref, n, &dead);
            int m = ref_min(ref, n);
            ck_assert(tn_heap_top(&hp) == ref[m].key);
            ck_assert(tn_heap_pop(&hp) == ref[m].key);
            now = tn_heap_key_hi(ref[m].key);
            ref[m].alive = 0;
            live--;
        } else if (what < 17) { /* the top, raised (the flow model's stale share) */
            skim(&hp, ref, n, &dead);
            int m = ref_min(ref, n);
            ck_assert(tn_heap_top(&hp) == ref[m].key);
            uint64_t t = tn_heap_key_hi(ref[m].key);
            ref[m].key = tn_heap_key(t + gsl_rng_uniform_int(rng, high ? UINT64_MAX - t + 1 : 30),
                                     tn_heap_key_lo(ref[m].key));
            tn_heap_replace_top(&hp, ref[m].key);
        } else { /* cancel a live key; rebuild when the dead are many */
            int k = (int)gsl_rng_uniform_int(rng, (unsigned long)live), i = 0;
            for (;; i++)
                if (ref[i].alive && k-- == 0)
                    break;
            ref[i].alive = 0;
            live--;
            if (++dead > 8 && dead > (int)tn_heap_size(&hp) / 2) {
                size_t w = 0;
                for (size_t r = 0; r < hp.n; r++)
                    if (!is_dead(ref, n, hp.h[r]))
                        hp.h[w++] = hp.h[r];
                hp.n = w;
                dead = 0;
                tn_heap_heapify(&hp);
            }
        }
        ck_assert_uint_eq(tn_heap_size(&hp), (unsigned)(live + dead));
    }
    /* drain in order */
    for (int m; (skim(&hp, ref, n, &dead), m = ref_min(ref, n)) >= 0;) {
        ck_assert(tn_heap_pop(&hp) == ref[m].key);
        ref[m].alive = 0;
    }
    ck_assert_uint_eq(tn_heap_size(&hp), 0);
    free(ref);
    tn_heap_destroy(&hp);
    gsl_rng_free(rng);
}

START_TEST(heap_matches_reference)
{
    random_ops((unsigned long)_i + 1, 6000, 0);
}
END_TEST

/* Keys next to TN_HEAP_KEY_NONE, the padding, must still pop in order. */
START_TEST(heap_keys_next_to_the_padding)
{
    random_ops((unsigned long)_i + 50, 3000, 1);
}
END_TEST

/* A large heap (deep enough for the prefetching walk) filled directly and
 * heapified, then drained: the keys come out sorted, duplicates included. */
START_TEST(heap_heapify_then_drain_is_sorted)
{
    enum { N = 100000 };
    gsl_rng *rng = tn_rng_stream(7, TN_RNG_TEST, 3);
    tn_heap_t hp;
    tn_heap_init(&hp);
    tn_heap_reserve(&hp, N);
    for (size_t i = 0; i < N; i++)
        hp.h[i] = tn_heap_key(gsl_rng_uniform_int(rng, 1000), gsl_rng_uniform_int(rng, 4));
    hp.n = N;
    tn_heap_heapify(&hp);
    tn_heap_key_t last = 0;
    for (size_t i = 0; i < N; i++) {
        tn_heap_key_t k = tn_heap_pop(&hp);
        ck_assert(k >= last);
        last = k;
    }
    ck_assert_uint_eq(tn_heap_size(&hp), 0);
    /* cleared and reused: pushes in descending order pop ascending */
    tn_heap_clear(&hp);
    for (uint64_t i = 0; i < 1000; i++)
        tn_heap_push(&hp, tn_heap_key(1000 - i, 0));
    for (uint64_t i = 1; i <= 1000; i++)
        ck_assert_uint_eq(tn_heap_key_hi(tn_heap_pop(&hp)), i);
    tn_heap_destroy(&hp);
    gsl_rng_free(rng);
}
END_TEST

Suite *heap_suite(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("heap");
    tcase_add_loop_test(tc, heap_matches_reference, 0, 4);
    tcase_add_loop_test(tc, heap_keys_next_to_the_padding, 0, 2);
    tcase_add_test(tc, heap_heapify_then_drain_is_sorted);
    suite_add_tcase(s, tc);
    return s;
}
