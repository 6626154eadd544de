#include "topology/embedded.h"

#include <string.h>

const topo_embedded_t *topo_embedded_find(const topo_embedded_t *table, const char *name)
{
    for (; table->name; table++)
        if (!strcmp(table->name, name))
            return table;
    return NULL;
}
