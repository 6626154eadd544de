#include "common/tn_error.h"

#include <stdarg.h>
#include <string.h>

int tn_error_set(tn_error_t *err, tn_code_t code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void tn_error_prefix(tn_error_t *err, const char *fmt, ...)
{
    if (!err)
        return;
    char pre[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre - 2, fmt, ap);
    va_end(ap);
    strcat(pre, ": ");
    /* Shift the old message right, cutting its end if it no longer fits. */
    size_t lp = strlen(pre), lm = strlen(err->msg), cap = sizeof err->msg - 1;
    if (lp > cap)
        lp = cap;
    if (lp + lm > cap)
        lm = cap - lp;
    memmove(err->msg + lp, err->msg, lm);
    memcpy(err->msg, pre, lp);
    err->msg[lp + lm] = '\0';
}

int tn_error_exit_status(const tn_error_t *err)
{
    return err && err->code == TN_EINPUT ? 2 : 1;
}

void tn_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "tensim: internal error: %s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}

static void *check_alloc(void *p, size_t n)
{
    if (!p && n) {
        fprintf(stderr, "tensim: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

void *tn_malloc(size_t n) { return check_alloc(malloc(n ? n : 1), n); }
void *tn_calloc(size_t n, size_t size) { return check_alloc(calloc(n ? n : 1, size ? size : 1), n * size); }
void *tn_realloc(void *p, size_t n) { return check_alloc(realloc(p, n ? n : 1), n); }
char *tn_strdup(const char *s) { return check_alloc(strdup(s), strlen(s) + 1); }

void tn_grow(void **arr, size_t size, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 8;
    while (c < need) {
        TN_ASSERT(c <= SIZE_MAX / 2 / size);
        c *= 2;
    }
    *arr = tn_realloc(*arr, c * size);
    *cap = c;
}
