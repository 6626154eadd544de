/* topology/fattree.h — folded Clos (fat-tree) fabrics of 2 or 3 tiers, and
 * their rail-optimized form.
 *
 * Every switch has `radix` ports. A leaf gives d1 = floor(radix r1/(r1+1))
 * ports to endpoints and the other u1 = radix - d1 to the tier above (r1 is
 * the leaf tier's oversubscription, down:up; 1 is a non-blocking leaf).
 *  - 2 tiers: ceil(ports/d1) leaves, u1 spines, one cable from every leaf
 *    to every spine (at most `radix` leaves; a single leaf has no spine).
 *  - 3 tiers: pods of d2 = floor(radix r2/(r2+1)) leaves and u1 aggregation
 *    switches (every leaf to every aggregation switch of its pod); each
 *    aggregation switch has u2 = radix - d2 uplinks; aggregation switch j of
 *    every pod joins the u2 core switches of group j, so there are u1 u2
 *    cores and at most `radix` pods.
 * The classic k-ary fat-tree is radix k, r1 = r2 = 1: k^3/4 endpoints,
 * 5k^2/4 switches. Fewer endpoints than the fabric can take build only the
 * leaves and pods they need (the last one partly filled); the cores are
 * all there as soon as there are two pods, and none with one.
 *
 * Endpoints fill leaves in order. Rail-optimized: servers are taken in
 * blocks of d1, and leaf (block, rail i) takes port i of every server of the
 * block, so NIC i of every server joins rail i (as in DGX SuperPOD); a
 * partly filled block still gets one leaf per rail. With 3 tiers a pod
 * then takes whole blocks (floor(d2 / rails) of them), so all the rails of
 * a server meet under one pod's aggregation switches.
 *
 * Ownership: the builder adds to a caller-owned topo_t; the ports are
 * borrowed.
 */
#ifndef TOPO_FATTREE_H
#define TOPO_FATTREE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/tn_error.h"
#include "topology/ports.h"
#include "topology/topo.h"

typedef struct {
    int32_t tiers;          /* 2 or 3 */
    int32_t radix;          /* ports per switch */
    double oversub[2];      /* leaf tier, aggregation tier (3 tiers) */
    uint64_t bps;           /* switch-to-switch links */
    uint64_t latency_ps;    /* every fabric link, host links too */
    bool rail_optimized;
} topo_fattree_t;

/* Switch counts the builder makes for n_ports endpoints. */
typedef struct {
    int32_t d1, u1, d2, u2;  /* ports down and up, leaf and aggregation */
    int32_t leaves, pods, aggs, spines, cores;
} topo_fattree_shape_t;

/* The shape for these endpoints. Errors (TN_EINPUT): a radix too small
 * for the endpoints or the oversubscription, a bad tier count.
 * O(ports). */
int topo_fattree_shape(const topo_fattree_t *p, const topo_ports_t *ports,
                       topo_fattree_shape_t *out, tn_error_t *err);

/* Adds the switches and cables, and cables every port to its leaf at
 * min(port rate, p->bps). Errors as topo_fattree_shape(). O(switches x
 * radix). */
int topo_build_fattree(topo_t *t, const topo_fattree_t *p, const topo_ports_t *ports,
                       tn_error_t *err);

#endif
