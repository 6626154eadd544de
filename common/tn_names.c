/* common/tn_names.c — name lookups in tables of rows (common/tn_names.h). */
#include "common/tn_names.h"

#include <string.h>

#include "common/tn_error.h"

/* Row i's name: the row's first member, a string pointer. */
static const char *row_name(const void *rows, size_t stride, size_t i)
{
    const char *const *name = (const void *)((const char *)rows + i * stride);
    return *name;
}

int tn_names_find(const void *rows, size_t n, size_t stride, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(row_name(rows, stride, i), name))
            return (int)i;
    return -1;
}

void tn_names_fill(const void *rows, size_t n, size_t stride, const char **names, size_t cap)
{
    TN_ASSERT(cap > n);
    for (size_t i = 0; i < n; i++)
        names[i] = row_name(rows, stride, i);
    names[n] = NULL;
}
