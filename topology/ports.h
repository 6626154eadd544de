/* topology/ports.h — the fabric ports of a set of servers: the vertices
 * (NICs, or GPUs wired straight to the fabric) that a fabric builder must
 * cable to its switches, in a fixed order, with the rate of each port and
 * the server it belongs to. Servers are added first, each appending its
 * ports; the fabric builder then consumes the list.
 *
 * Ownership: a topo_ports_t is caller-owned (topo_ports_init/destroy) and
 * owns its arrays.
 */
#ifndef TOPO_PORTS_H
#define TOPO_PORTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t *vertex;  /* the port's vertex in the topo_t */
    uint64_t *bps;    /* the port's line rate */
    int32_t *server;  /* the server it belongs to */
    int32_t *index;   /* its position among its server's ports (NIC 0, 1, ...) */
    size_t n, cap;
} topo_ports_t;

void topo_ports_init(topo_ports_t *p);
void topo_ports_destroy(topo_ports_t *p);

/* Appends one port. O(1) amortised. */
void topo_ports_add(topo_ports_t *p, int32_t vertex, uint64_t bps, int32_t server, int32_t index);

#endif
