#include "topology/embedded.h"

#include <stdio.h>
#include <string.h>

#include "common/tn_error.h"

const topo_embedded_t *topo_embedded_find(const topo_embedded_t *table, const char *name)
{
    for (; table->name; table++)
        if (!strcmp(table->name, name))
            return table;
    return NULL;
}

const char *topo_embedded_list(const topo_embedded_t *table, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (; table->name; table++)
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? ", " : "",
                                table->name);
    return buf;
}

json_t *topo_embedded_json(const topo_embedded_t *e)
{
    json_error_t je;
    json_t *doc = json_loads(e->text, JSON_REJECT_DUPLICATES, &je);
    TN_ASSERT(doc != NULL);
    return doc;
}
