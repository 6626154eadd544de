/* common/tn_hash.h — small deterministic hashes: FNV-1a for content, a
 * SplitMix64 finaliser for mixing integers (seeds, ECMP choices).
 *
 * Ownership: pure functions, nothing allocated.
 */
#ifndef TN_HASH_H
#define TN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define TN_FNV1A64_INIT 0xcbf29ce484222325ull

/* Continues an FNV-1a 64 hash h over n bytes. O(n). */
static inline uint64_t tn_fnv1a64(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* SplitMix64's finaliser: a bijective mix of 64 bits. O(1). */
static inline uint64_t tn_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

#endif
