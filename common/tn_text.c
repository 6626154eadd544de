#include "common/tn_text.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/tn_error.h"

void tn_text_put(tn_text_t *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        TN_ASSERT(k >= 0);
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        TN_GROW(t->s, t->cap, t->n + (size_t)k + 1);
    }
}
