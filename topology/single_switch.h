/* topology/single_switch.h — the smallest fabric: n GPUs, each on one
 * full-duplex cable to one non-blocking switch. Used by the walking skeleton
 * and by tests whose expected numbers are computed by hand.
 *
 * Ownership: the builder fills a caller-owned, topo_init'ed topo_t.
 */
#ifndef TOPO_SINGLE_SWITCH_H
#define TOPO_SINGLE_SWITCH_H

#include <stdint.h>

#include "topology/storage.h"
#include "topology/topo.h"

#define TOPO_SINGLE_SWITCH_MAX_GPUS 65536

/* Adds GPUs 0..n-1 (vertex ids 0..n-1, one server each) and the switch
 * (vertex n), with a cable of `bps` and `latency_ps` from each GPU to the
 * switch (tier host). Does not finalize. O(n). */
void topo_build_single_switch(topo_t *t, int32_t n, uint64_t bps, uint64_t latency_ps);

/* After topo_build_single_switch(t, n, ...): adds `servers` storage
 * servers, ids n, n+1, ...: each a NIC on the switch (vertex n) at `bps`
 * and `latency_ps`, tier host, and a storage vertex of d->bytes on the NIC
 * at d->bps (tier pcie, latency d->latency_ps or 0). Does not finalize.
 * O(servers). */
void topo_add_single_switch_storage(topo_t *t, int32_t n, int32_t servers, uint64_t bps,
                                    uint64_t latency_ps, const topo_disk_t *d);

#endif
