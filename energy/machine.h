/* energy/machine.h — the hardware a run's power is drawn by, counted from
 * its fabric's vertices and links (never typed in): GPUs, GPU servers,
 * CPU servers (storage servers included), NICs, fabric switches by their
 * port rate (a switch's fastest link: what picks its power figure), and
 * the cables between boxes (what the capital cost counts). NICs,
 * NVSwitches and PCIe switches sit inside a server and are part of its
 * power.
 *
 * Ownership: an en_machine_t is a plain value.
 */
#ifndef EN_MACHINE_H
#define EN_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

/* The most distinct switch rates one fabric may have; a fabric with more
 * gets no power figure for its switches. */
#define EN_MAX_RATES 16

typedef struct {
    uint64_t bps;
    int64_t count;
} en_rate_count_t;

typedef struct {
    int64_t gpus, gpu_servers, cpu_servers, nics, cables;
    int n_switch_rates;                    /* distinct rates, the slowest first */
    bool too_many_rates;                   /* more than EN_MAX_RATES */
    en_rate_count_t switches[EN_MAX_RATES];
} en_machine_t;

/* Counts the machine of a fabric given as arrays (a topo_t's or a
 * sim_records_t's): vertices' kinds (topo_kind_t) and servers (-1 for a
 * fabric switch), directed links' endpoints and capacities (a cable is a
 * link between two boxes, counted in one direction). O(|V| + |E|). */
void en_machine_count(en_machine_t *m, int32_t n_vertices, const uint8_t *kind,
                      const int32_t *server, int32_t n_links, const int32_t *src,
                      const int32_t *dst, const uint64_t *bps);

#endif
