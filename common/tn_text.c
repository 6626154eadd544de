#include "common/tn_text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

void tn_text_put_escaped(tn_text_t *t, const char *s, tn_escape_t to)
{
    bool quote = to == TN_ESC_CSV && strpbrk(s, ",\"\n\r");
    if (quote)
        tn_text_put(t, "\"");
    for (; *s; s++) {
        const char *rep = NULL;
        if (to == TN_ESC_MARKDOWN && *s == '|')
            rep = "\\|";
        else if (to == TN_ESC_HTML)
            rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : NULL;
        else if (quote && *s == '"')
            rep = "\"\"";
        if (rep)
            tn_text_put(t, "%s", rep);
        else
            tn_text_put(t, "%c", *s);
    }
    if (quote)
        tn_text_put(t, "\"");
}
