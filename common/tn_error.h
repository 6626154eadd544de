/* common/tn_error.h — errors as values for user input; aborts for our bugs.
 *
 * Ownership: a tn_error_t is a plain caller-owned struct (no heap); functions
 * that can fail on user input take a `tn_error_t *err` (may be NULL) and
 * return -1 (or NULL) after filling it. Broken invariants never return: they
 * abort through TN_ASSERT with file and line.
 */
#ifndef TN_ERROR_H
#define TN_ERROR_H

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

typedef enum {
    TN_OK = 0,
    TN_EINPUT = 2,   /* bad user input: usage, scenario, trace (exit 2) */
    TN_EIO = 1,      /* the system failed us: read, write, memory (exit 1) */
} tn_code_t;

typedef struct {
    tn_code_t code;
    char msg[1024];  /* one line, lowercase, no final full stop */
} tn_error_t;

/* Sets err (when not NULL) to code and the printf-style message, and returns
 * -1 so callers can write `return tn_error_set(...)`. Cost: O(message). */
int tn_error_set(tn_error_t *err, tn_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "prefix: " in front of err's message, for adding the file name at the
 * level that knows it. No-op when err is NULL. */
void tn_error_prefix(tn_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Process exit status for an error code: 2 for input, 1 for the rest. */
int tn_error_exit_status(const tn_error_t *err);

_Noreturn void tn_assert_fail(const char *expr, const char *file, int line);

#define TN_ASSERT(e) ((e) ? (void)0 : tn_assert_fail(#e, __FILE__, __LINE__))

/* Allocation that aborts on failure: running out of memory is not something
 * a simulation can recover from mid-run, and it keeps every caller simple. */
void *tn_malloc(size_t n);
void *tn_calloc(size_t n, size_t size);
void *tn_realloc(void *p, size_t n);
char *tn_strdup(const char *s);

/* Grows *arr (of elements of `size` bytes, capacity *cap) to hold at least
 * `need` elements, doubling. Amortised O(1) per element. */
void tn_grow(void **arr, size_t size, size_t *cap, size_t need);
#define TN_GROW(arr, cap, need) tn_grow((void **)&(arr), sizeof *(arr), &(cap), (need))

#endif
