/* common/tn_heap.c — the heap's allocation and Floyd's heapify; the
 * operations on the hot paths are inline in common/tn_heap.h. */
#include "common/tn_heap.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_error.h"

#define PAD 3  /* entries before the root, so groups of children are line-aligned */
#define TAIL 4 /* TN_HEAP_KEY_NONE entries after the last */

void tn_heap_init(tn_heap_t *hp) { memset(hp, 0, sizeof *hp); }

void tn_heap_destroy(tn_heap_t *hp)
{
    if (!hp)
        return;
    free(hp->base);
    memset(hp, 0, sizeof *hp);
}

void tn_heap_reserve(tn_heap_t *hp, size_t cap)
{
    if (cap <= hp->cap && hp->base)
        return;
    void *p = NULL;
    if (posix_memalign(&p, 64, (PAD + cap + TAIL) * sizeof(tn_heap_key_t)) != 0)
        TN_ASSERT(!"out of memory");
    tn_heap_key_t *h = (tn_heap_key_t *)p + PAD;
    if (hp->n)
        memcpy(h, hp->h, hp->n * sizeof *h);
    for (size_t k = hp->n; k < hp->n + TAIL; k++)
        h[k] = TN_HEAP_KEY_NONE;
    free(hp->base);
    hp->base = p;
    hp->h = h;
    hp->cap = cap;
}

void tn_heap_heapify(tn_heap_t *hp)
{
    tn_heap_key_t *h = hp->h;
    size_t n = hp->n;
    TN_ASSERT(n <= hp->cap);
    if (!h)
        return;
    for (size_t k = n; k < n + TAIL; k++)
        h[k] = TN_HEAP_KEY_NONE;
    for (size_t i = n / 4 + 1; i-- > 0;) {
        tn_heap_key_t x = h[i];
        size_t j = i;
        for (size_t c = 4 * j + 1; c < n; c = 4 * j + 1) {
            size_t m = tn_heap_least4_(h, c);
            if (x <= h[m])
                break;
            h[j] = h[m];
            j = m;
        }
        h[j] = x;
    }
}
