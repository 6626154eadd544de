/* common/tn_text.h — a growing text buffer written printf-style: the CSV,
 * Markdown and trace files tensim builds in memory before writing them
 * atomically.
 *
 * Ownership: the caller owns a tn_text_t (zero-initialised is empty) and
 * frees t.s when done; t.s is NUL-terminated once anything was put.
 */
#ifndef TN_TEXT_H
#define TN_TEXT_H

#include <stddef.h>

typedef struct {
    char *s;
    size_t n, cap;
} tn_text_t;

/* Appends the formatted text. Amortised O(length of the text added). */
void tn_text_put(tn_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How tn_text_put_escaped() makes a string safe where it goes. */
typedef enum {
    TN_ESC_MARKDOWN, /* a table cell: '|' as "\\|" */
    TN_ESC_HTML,     /* text or an attribute: & < > " as entities */
    TN_ESC_CSV,      /* a field: quoted, quotes doubled, when it holds , " or a line break */
} tn_escape_t;

/* Appends s escaped for `to`. O(length of s). */
void tn_text_put_escaped(tn_text_t *t, const char *s, tn_escape_t to);

#endif
